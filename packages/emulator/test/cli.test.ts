// `npm run emulator` and the acs-identity-emulator bin as child processes: the first stdout line, a working SDK,
// clean exits, --help, and one-line errors for bad values.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { OPERATIONS } from '../src/index.js';
import { bin, buildOnce, launch, run } from './cliProcess.js';

let cache: string;
beforeAll(async () => {
  // The default key dir (the OS cache dir) is redirected, so the tests never write to the real one.
  cache = await mkdtemp(join(tmpdir(), 'acs-emulator-cache-'));
});
afterAll(() => rm(cache, { recursive: true, force: true }));

const withBuild = buildOnce() ? it : it.skip;
const [command, baseArgs] = bin();
const launchBin = (args: string[] = [], env: Record<string, string> = {}) =>
  launch(command, [...baseArgs, ...args], { XDG_CACHE_HOME: cache, ...env });
const runBin = (args: string[], env: Record<string, string> = {}) => run(command, [...baseArgs, ...args], { XDG_CACHE_HOME: cache, ...env });
const portIsClosed = async (port: number) =>
  fetch(`http://127.0.0.1:${port}/_emulator/health`).then(
    () => false,
    () => true,
  );

async function sdkWorks(connectionString: string): Promise<void> {
  const client = new CommunicationIdentityClient(connectionString, { allowInsecureConnection: true });
  const { user, token } = await client.createUserAndToken(['chat']);
  expect(token).toBeTruthy();
  await client.deleteUser(user);
}

describe('npm run emulator', () => {
  withBuild('with -s prints the connection-string line first, with no npm banner, serves the SDK, and stops with its process group', async () => {
    const run = await launch('npm', ['run', '-s', 'emulator'], { XDG_CACHE_HOME: cache }, true);
    expect(run.stdout().split('\n')).toEqual([expect.stringMatching(/^COMMUNICATION_SERVICES_CONNECTION_STRING=endpoint=http:/), '']);
    expect(run.stderr()).not.toContain('> acs-identity-gateway@');
    await sdkWorks(run.connectionString);
    await run.stop();
    expect(await portIsClosed(run.port)).toBe(true);
  }, 180_000);

  withBuild('without -s prints npm\'s banner and then the connection string; also stops when only npm itself is sent SIGTERM', async () => {
    const run = await launch('npm', ['run', 'emulator'], { XDG_CACHE_HOME: cache });
    expect(run.stdout()).toMatch(/^\n> acs-identity-gateway@[^\n]+ emulator\n> [^\n]+\n\nCOMMUNICATION_SERVICES_CONNECTION_STRING=endpoint=http:/);
    run.child.kill('SIGTERM');
    await once(run.child, 'exit');
    for (let i = 0; i < 100 && !(await portIsClosed(run.port)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await portIsClosed(run.port)).toBe(true);
  }, 180_000);
});

describe('the acs-identity-emulator bin', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('exits with code 0 on %s', async (signal) => {
    const run = await launchBin();
    await sdkWorks(run.connectionString);
    run.child.kill(signal);
    const [code] = (await once(run.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('honours --port and ACS_EMULATOR_PORT, ACS_EMULATOR_ACCESS_KEY and --data-dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'acs-emulator-cli-'));
    const accessKey = Buffer.alloc(32, 3).toString('base64');
    try {
      const free = await launchBin();
      const port = free.port;
      await free.stop();

      const env = { ACS_EMULATOR_PORT: '1', ACS_EMULATOR_ACCESS_KEY: accessKey };
      const first = await launchBin(['--port', String(port), '--data-dir', dataDir], env);
      expect(first.connectionString).toBe(`endpoint=http://127.0.0.1:${port}/;accesskey=${accessKey}`);
      const client = new CommunicationIdentityClient(first.connectionString, { allowInsecureConnection: true });
      const user = await client.createUser();
      await first.stop();

      const second = await launchBin([], { ...env, ACS_EMULATOR_PORT: String(port), ACS_EMULATOR_DATA_DIR: dataDir });
      const again = new CommunicationIdentityClient(second.connectionString, { allowInsecureConnection: true });
      expect((await again.getToken(user, ['voip'])).token).toBeTruthy();
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('--help lists every option with its environment variable, and every operation', () => {
    const r = runBin(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: acs-identity-emulator/);
    for (const text of [
      '--https',
      'ACS_EMULATOR_HTTPS',
      '--rate-limit',
      'ACS_EMULATOR_RATE_LIMITS',
      '--latency',
      'ACS_EMULATOR_LATENCY',
      '--fault',
      'ACS_EMULATOR_FAULTS',
      'ACS_EMULATOR_DATA_DIR',
      '--bearer-jwks',
      'ACS_EMULATOR_BEARER_JWKS',
      'never\nnone or HMAC',
      'https://communication.azure.com',
      'loopback Host',
      'gets 403',
      'entra-token',
      ...OPERATIONS,
    ]) {
      expect(r.stdout).toContain(text);
    }
  });

  it.each([
    [['--port', '70000'], {}, "--port must be a port number from 0 to 65535 (got '70000')"],
    [[], { ACS_EMULATOR_PORT: 'eighty' }, "ACS_EMULATOR_PORT must be a port number from 0 to 65535 (got 'eighty')"],
    [['--fault', 'issue=503:1.5'], {}, '--fault takes [OP=]STATUS:SHARE'],
    [['--fault', 'issue=418:0.5'], {}, '--fault takes [OP=]STATUS:SHARE'],
    [['--fault', 'nope=503:0.1'], {}, "--fault: unknown operation 'nope'"],
    [['--rate-limit', 'create=-1'], {}, '--rate-limit create must be a whole number of requests or off'],
    [['--rate-limit', 'create'], {}, '--rate-limit takes OP=N, OP=off or off'],
    [[], { ACS_EMULATOR_RATE_LIMITS: 'issue=lots' }, 'ACS_EMULATOR_RATE_LIMITS issue must be'],
    [['--latency', 'abc'], {}, "--latency must be milliseconds from 0 to 300000 (got 'abc')"],
    [['--bogus'], {}, "unknown option '--bogus' (see --help)"],
    [['--port'], {}, "option '--port' needs a value"],
    [[], { ACS_EMULATOR_HTTPS: 'maybe' }, "ACS_EMULATOR_HTTPS must be 1 or 0 (got 'maybe')"],
    [['--access-key', 'not base64!'], {}, '--access-key must be base64'],
    [['--entra-jwks', '/nonexistent/jwks.json'], {}, "--entra-jwks: cannot read a JSON file at '/nonexistent/jwks.json' (ENOENT)"],
    [['entra-token', '--tenant-id', '8a1f1e2c-3d4b-4c5d-9e6f-708192a3b4c5'], {}, 'entra-token needs --user-id (a GUID)'],
    [['entra-token', '--tenant-id', 'x', '--user-id', 'y'], {}, "entra-token: tenantId must be a GUID, got 'x'"],
  ])('refuses %j %j with one line on stderr and exit code 2', (args, env, message) => {
    const r = runBin(args as string[], env as Record<string, string>);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(r.stderr.split('\n')).toEqual([expect.stringContaining(`acs-identity-emulator: ${message}`), '']);
  });

  it('says in one line when its port is taken, and exits 1', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = runBin(['--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`acs-identity-emulator: cannot listen on 127.0.0.1:${port}: the port is in use\n`);
    } finally {
      blocker.close();
    }
  });
});
