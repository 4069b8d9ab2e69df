// `npm run emulator`: the ACS Identity emulator on its own, until SIGINT or SIGTERM.
//   ACS_EMULATOR_PORT (default 0: a free port), ACS_EMULATOR_ACCESS_KEY (default: generated),
//   --data-dir DIR or ACS_EMULATOR_DATA_DIR (default: in memory), ACS_EMULATOR_HOST (default 127.0.0.1),
//   ACS_EMULATOR_TOKEN_LIFETIME_SECONDS (default: what each request asks for).
import { parseArgs } from 'node:util';
import { startEmulator, tokenLifetimeFromEnv } from './index.js';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' } }, strict: true });
const portText = process.env['ACS_EMULATOR_PORT'] ?? '0';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`ACS_EMULATOR_PORT must be a port number, got '${portText}'`);
  process.exit(2);
}

let tokenLifetimeSeconds: number | undefined;
try {
  tokenLifetimeSeconds = tokenLifetimeFromEnv(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const emulator = await startEmulator({
  host: process.env['ACS_EMULATOR_HOST'] || undefined,
  port,
  accessKey: process.env['ACS_EMULATOR_ACCESS_KEY'] || undefined,
  dataDir: values['data-dir'] ?? (process.env['ACS_EMULATOR_DATA_DIR'] || undefined),
  tokenLifetimeSeconds,
});
// The one line other tools wait for; everything else goes to stderr.
process.stdout.write(`COMMUNICATION_SERVICES_CONNECTION_STRING=${emulator.connectionString}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  emulator.close().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// `npm run emulator` runs us under `sh -c`, which does not pass npm's SIGTERM on; without this check
// a `kill <npm pid>` would leave the emulator running, re-parented to init.
const launcher = process.ppid;
setInterval(() => {
  if (process.ppid !== launcher) stop();
}, 500).unref();
