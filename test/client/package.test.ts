// The client kit as a consumer gets it: `npm pack` of clients/web, unpacked into a consumer's node_modules. Its
// tarball holds only the build and the README, its declarations compile in strict browser and Node projects, it runs
// on Node 20 against the real gateway, and its browser bundle has no graphql-js in it.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const run = promisify(execFile);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const PACKAGE_DIR = path.join(ROOT, 'clients/web');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const NODE20 = process.env.NODE20_PATH ?? '/usr/bin/node';
const node20Version = existsSync(NODE20) ? spawnSync(NODE20, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const haveNode20 = /^v20\./.test(node20Version);
if (!haveNode20) console.warn(`Skipping the Node 20 run of the client kit: no Node 20 at ${NODE20} (set NODE20_PATH).`);

let work: string;
let consumer: string;
let tarballFiles: string[];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'client-kit-'));
  await rm(path.join(PACKAGE_DIR, 'dist'), { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PACKAGE_DIR, 'tsconfig.json')], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`client build failed: ${tsc.stdout}${tsc.stderr}`);
  // As `npm publish` would, minus prepack's build, done just above.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: PACKAGE_DIR });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarballFiles = packed!.files.map((file) => file.path).sort();

  // A consumer project: the tarball unpacked where npm would put it, and the packages npm would install beside it.
  consumer = path.join(work, 'consumer');
  const installed = path.join(consumer, 'node_modules/@acs-identity-gateway/client');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', path.join(work, packed!.filename), '-C', installed, '--strip-components=1']);
  await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The kit's one dependency (types only) and its graphql peer, the SDK credential, and Node's types.
  for (const name of ['@graphql-typed-document-node', 'graphql', '@azure', 'jwt-decode', 'tslib', 'events', '@types']) {
    await symlink(path.join(ROOT, 'node_modules', name), path.join(consumer, 'node_modules', name));
  }
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('npm pack of clients/web', () => {
  it('holds only the build (modules and declarations), package.json and the README', () => {
    expect(tarballFiles.length).toBeGreaterThan(8);
    expect(tarballFiles.filter((file) => !/^(package\.json|README\.md|dist\/[\w/-]+\.(js|d\.ts))$/.test(file))).toEqual([]);
    expect(tarballFiles).toEqual(expect.arrayContaining(['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/documentNodes.js', 'dist/documentNodes.d.ts']));
    // Every module has its declarations.
    const modules = tarballFiles.filter((file) => file.endsWith('.js'));
    expect(modules.filter((file) => !tarballFiles.includes(file.replace(/\.js$/, '.d.ts')))).toEqual([]);
  });

  it('carries the kit\'s own README and a manifest fit to publish', async () => {
    const readme = await readFile(path.join(consumer, 'node_modules/@acs-identity-gateway/client/README.md'), 'utf8');
    expect(readme).toContain('createTokenRefresher');
    expect(readme).toContain('createTeamsTokenRefresher');
    expect(readme).toContain('CORS_ORIGINS');
    const manifest = JSON.parse(await readFile(path.join(consumer, 'node_modules/@acs-identity-gateway/client/package.json'), 'utf8')) as Record<string, any>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.type).toBe('module');
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['@graphql-typed-document-node/core']);
  });
});

/** Uses the kit as an app would; the @ts-expect-error lines fail the compile if the types stop rejecting misuse. */
const KIT_USAGE = `
import { createTeamsTokenRefresher, createTokenRefresher, request, isGatewayError, GatewayError, AbortError, MeDocument, IssueTokenDocument, type IssueTokenMutation, type RefresherEvent, type TokenRefresher } from '@acs-identity-gateway/client';
import { IssueTokenDocument as IssueTokenNode } from '@acs-identity-gateway/client/document-nodes';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export const tokenRefresher: TokenRefresher = createTokenRefresher({
  endpoint: 'https://identity.example.com/graphql',
  getAuthToken: async ({ forceRefresh, signal }) => (forceRefresh || signal.aborted ? 'fresh' : 'cached'),
  scopes: ['VOIP', 'CHAT'],
  expiresInMinutes: 60,
});

export const teamsTokenRefresher: TokenRefresher = createTeamsTokenRefresher({
  endpoint: 'https://identity.example.com/graphql',
  getAuthToken: () => 'sign-in',
  getTeamsUserAadToken: async ({ forceRefresh, signal }) => (forceRefresh || signal.aborted ? 'fresh' : 'cached'),
  onEvent: (event: RefresherEvent) => {
    if (event.type === 'teams-token') console.log(event.identity.id, event.expiresOn);
  },
});

export async function usage(): Promise<string | null> {
  const me = await request(MeDocument, {}, { endpoint: '/graphql', authToken: 't' });
  const id: string | undefined = me.me?.id;
  const issued: IssueTokenMutation = await request(IssueTokenDocument, { input: { scopes: ['CHAT'] } }, { endpoint: '/graphql' });
  const node: TypedDocumentNode<IssueTokenMutation, any> = IssueTokenNode;
  try {
    await tokenRefresher();
  } catch (error) {
    if (isGatewayError(error, 'RATE_LIMITED')) return String(error.retryAfterSeconds);
    if (isGatewayError(error, 'TEAMS_TOKEN_INVALID', 'TEAMS_EXCHANGE_DISABLED')) return error.code;
    if (error instanceof GatewayError) return error.code;
    if (error instanceof AbortError) return null;
  }
  // @ts-expect-error unknown scope
  createTokenRefresher({ endpoint: '/graphql', getAuthToken: () => 't', scopes: ['chats'] });
  createTokenRefresher({ endpoint: '/graphql', getAuthToken: () => 't', scopes: ['chat', 'VOIP', 'chat.join.limited'] });
  // @ts-expect-error no getTeamsUserAadToken
  createTeamsTokenRefresher({ endpoint: '/graphql', getAuthToken: () => 't' });
  // @ts-expect-error variables missing their required input
  await request(IssueTokenDocument, {}, { endpoint: '/graphql' });
  // @ts-expect-error the result has no such field
  issued.issueToken.accessToken.secret;
  return id ?? node.kind;
}
`;

/** The refresher handed to the real SDK credential, whose option type it must satisfy. */
const SDK_USAGE = `
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { teamsTokenRefresher, tokenRefresher } from './kit.js';

const credential = new AzureCommunicationTokenCredential({ tokenRefresher, refreshProactively: true });
export const teamsCredential = new AzureCommunicationTokenCredential({ tokenRefresher: teamsTokenRefresher, refreshProactively: true });
export const token: Promise<string> = credential.getToken({ abortSignal: new AbortController().signal }).then((t) => t.token);
`;

async function tsc(name: string, files: Record<string, string>, compilerOptions: Record<string, unknown>): Promise<string> {
  const dir = path.join(consumer, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', noUncheckedIndexedAccess: true, ...compilerOptions }, files: Object.keys(files) }),
  );
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim();
}

describe('the packed declarations in a strict consumer project (skipLibCheck off)', () => {
  it('compile for a browser app (bundler resolution, DOM, no Node types), and reject misuse', async () => {
    expect(await tsc('browser', { 'kit.ts': KIT_USAGE }, { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], types: [] })).toBe('');
  });

  it('compile for a Node app (NodeNext, Node types, no DOM), with the refresher given to AzureCommunicationTokenCredential', async () => {
    // With the SDK imported, Node's types are needed anyway: @azure/communication-common's own declarations use them.
    const files = { 'kit.ts': KIT_USAGE, 'sdk.ts': SDK_USAGE };
    expect(await tsc('node', files, { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'] })).toBe('');
  });

  it('fail on misuse (so the checks above can fail)', async () => {
    const broken = `import { createTokenRefresher } from '@acs-identity-gateway/client';\ncreateTokenRefresher({ endpoint: '/graphql', getAuthToken: () => 't', scopes: ['chats'] });\n`;
    const output = await tsc('broken', { 'kit.ts': broken }, { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], types: [] });
    expect(output).toContain(`Type '"chats"' is not assignable to type 'TokenScope'`);
  });
});

describe('the packed kit in a browser bundle', () => {
  it('bundles the refresher in a few kilobytes, with no graphql-js and no dependency at all', async () => {
    const esbuild = await import('esbuild');
    const entry = path.join(consumer, 'entry.js');
    await writeFile(
      entry,
      `import { createTokenRefresher } from '@acs-identity-gateway/client';\n` +
        `globalThis.refresher = createTokenRefresher({ endpoint: '/graphql', getAuthToken: () => 'token', scopes: ['VOIP'] });\n`,
    );
    const result = await esbuild.build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, metafile: true, absWorkingDir: consumer, logLevel: 'silent' });
    const code = result.outputFiles[0]!.contents;
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => !input.startsWith('node_modules/@acs-identity-gateway/client/dist/') && input !== 'entry.js')).toEqual([]);
    const figures = { minifiedBytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength, modules: inputs.length };
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(path.join(ARTIFACTS, 'client-bundle-size.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`client kit refresher bundle: ${figures.minifiedBytes} B minified, ${figures.gzipBytes} B gzip`);
    expect(figures.gzipBytes).toBeLessThan(6 * 1024);
  });
});

(haveNode20 ? describe : describe.skip)(`the packed kit on Node 20 (${node20Version || 'absent'})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'client_package_node20' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('gets a live ACS token from the real gateway', async () => {
    const script = path.join(consumer, 'node20.mjs');
    await writeFile(
      script,
      `import { createTokenRefresher } from '@acs-identity-gateway/client';\n` +
        `const refresh = createTokenRefresher({ endpoint: process.env.ENDPOINT, getAuthToken: () => process.env.SIGN_IN, scopes: ['CHAT'] });\n` +
        `process.stdout.write(JSON.stringify({ node: process.version, token: await refresh() }));\n`,
    );
    const env = { PATH: process.env.PATH ?? '', ENDPOINT: h.gateway.url, SIGN_IN: await h.tokenFor('kit-node20') };
    const { stdout } = await run(NODE20, [script], { cwd: consumer, env });
    const { node, token } = JSON.parse(stdout) as { node: string; token: string };
    expect(node).toMatch(/^v20\./);
    expect(await h.introspect(token)).toMatchObject({ active: true });
  });
  it('with scopes as ACS spells them (voip, chat), gets a live token', async () => {
    const script = path.join(consumer, 'acs-scopes.mjs');
    await writeFile(
      script,
      `import { createTokenRefresher } from '@acs-identity-gateway/client';\n` +
        `const refresh = createTokenRefresher({ endpoint: process.env.ENDPOINT, getAuthToken: () => process.env.SIGN_IN, scopes: ['voip', 'chat'] });\n` +
        `process.stdout.write(await refresh());\n`,
    );
    const env = { PATH: process.env.PATH ?? '', ENDPOINT: h.gateway.url, SIGN_IN: await h.tokenFor('kit-acs-scopes') };
    const { stdout } = await run(NODE20, [script], { cwd: consumer, env });
    expect(await h.introspect(stdout)).toMatchObject({ active: true });
    expect(JSON.parse(Buffer.from(stdout.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({ acsScope: 'voip,chat' });
  });

  /**
   * The README's example, with the gateway refusing the sign-in: the credential's proactive refresh fails from its
   * own timer, where the SDK leaves the rejection unhandled. The app catches what getToken() throws and must live on.
   */
  const PROACTIVE_FAILURE = (refresher: string) =>
    `import { AzureCommunicationTokenCredential } from '@azure/communication-common';\n` +
    `import { createTokenRefresher } from '@acs-identity-gateway/client';\n` +
    `const events = [];\n` +
    `const kit = createTokenRefresher({ endpoint: process.env.ENDPOINT, getAuthToken: () => 'not-a-sign-in-token', scopes: ['voip', 'chat'], onEvent: (e) => events.push({ type: e.type, unhandled: e.unhandled ?? false, code: e.error?.code }) });\n` +
    `const tokenRefresher = ${refresher};\n` +
    `const credential = new AzureCommunicationTokenCredential({ tokenRefresher, refreshProactively: true });\n` +
    `const caught = await credential.getToken().then(() => 'no error', (error) => error.code ?? error.name);\n` +
    `await new Promise((resolve) => setTimeout(resolve, 1500));\n` +
    `credential.dispose();\n` +
    `process.stdout.write(JSON.stringify({ alive: true, caught, events }));\n`;

  it.each([
    ['Node 20', NODE20],
    ['Node 24', process.execPath],
  ])('a failing proactive refresh does not end the process (%s, a real child process)', async (_name, node) => {
    const script = path.join(consumer, 'proactive-failure.mjs');
    await writeFile(script, PROACTIVE_FAILURE('kit'));
    const env = { PATH: process.env.PATH ?? '', ENDPOINT: h.gateway.url };
    const { stdout, stderr } = await run(node, [script], { cwd: consumer, env, timeout: 30_000 });
    const outcome = JSON.parse(stdout) as { alive: boolean; caught: string; events: Array<{ type: string; unhandled: boolean; code?: string }> };
    expect(outcome.alive).toBe(true);
    expect(outcome.caught).toBe('UNAUTHENTICATED');
    // The timer's failure was told to onEvent instead of ending the process.
    expect(outcome.events).toContainEqual({ type: 'refresh-failed', unhandled: true, code: 'UNAUTHENTICATED' });
    // Nothing about the failure on stderr (Node 24 warns of the SDK's negative timeout for the first refresh).
    expect(stderr).not.toMatch(/UNAUTHENTICATED|unhandled|Error/i);
  });

  it('the same app with a refresher of its own does end (the check above can fail)', async () => {
    const script = path.join(consumer, 'proactive-failure-bare.mjs');
    await writeFile(script, PROACTIVE_FAILURE(`async () => { throw Object.assign(new Error('refused'), { code: 'UNAUTHENTICATED' }); }`));
    const outcome = await run(NODE20, [script], { cwd: consumer, env: { PATH: process.env.PATH ?? '', ENDPOINT: h.gateway.url }, timeout: 30_000 }).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(outcome).toMatchObject({ code: 1, stdout: '' });
  });
});
