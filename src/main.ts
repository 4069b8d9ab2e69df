// `npm start` and the image's CMD. No static imports: on an older Node this file must still load, to say so.
const REQUIRED_NODE_MAJOR = 24;

if (Number(process.versions.node.split('.')[0]) < REQUIRED_NODE_MAJOR) {
  console.error(
    `The ACS identity gateway needs Node.js ${REQUIRED_NODE_MAJOR} or newer; this is ${process.version}. ` +
      `Run it with \`npm start\` (npm ci installs Node ${REQUIRED_NODE_MAJOR} into node_modules/.bin), or install Node ${REQUIRED_NODE_MAJOR} LTS (https://nodejs.org, or \`nvm install ${REQUIRED_NODE_MAJOR}\`).`,
  );
  process.exit(1);
}

// Node's on-disk compile cache (NODE_COMPILE_CACHE, or a directory under the OS temp dir), before anything else
// loads: after the first start, modules come from cached bytecode instead of being parsed again, which took most of
// the start time. NODE_DISABLE_COMPILE_CACHE=1 turns it off; an unwritable directory only skips it.
(await import('node:module')).enableCompileCache();
await import('./start.js');
