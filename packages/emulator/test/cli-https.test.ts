// An unmodified app against `npm run emulator -- --https`: the stock SDK quickstart in its own Node process,
// whose environment holds the connection string and NODE_EXTRA_CA_CERTS and nothing else.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce, launch, ROOT, type Launched } from './cliProcess.js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { admin, introspect, send } from './helpers.js';

const QUICKSTART = join(ROOT, 'packages/emulator/test/fixtures/quickstart.mjs');

/** The app's process: `node quickstart.mjs` with exactly this environment. */
function runApp(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [QUICKSTART], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const withBuild = buildOnce() ? describe : describe.skip;

withBuild('npm run -s emulator -- --https', () => {
  let cache: string;
  let running: Launched | undefined;
  beforeAll(async () => {
    // The OS cache dir (XDG_CACHE_HOME on Linux) is where the authority goes without --data-dir.
    cache = await mkdtemp(join(tmpdir(), 'acs-emulator-https-'));
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  afterAll(() => rm(cache, { recursive: true, force: true }));

  const start = async (args: string[], env: Record<string, string> = {}) => {
    running = await launch('npm', ['run', '-s', 'emulator', ...(args.length ? ['--', ...args] : [])], { XDG_CACHE_HOME: cache, ...env }, true);
    return running;
  };
  const target = async (r: Launched) => ({ endpoint: r.endpoint, accessKey: r.accessKey, caCertPem: await readFile(r.caCertPath!, 'utf8') });

  it('runs the stock quickstart in an app given only the connection string and NODE_EXTRA_CA_CERTS, across a restart', async () => {
    const first = await start(['--https']);
    const caPath = join(cache, 'acs-identity-emulator', 'tls', 'ca-cert.pem');
    expect(first.stdout().split('\n')).toEqual([
      expect.stringMatching(/^COMMUNICATION_SERVICES_CONNECTION_STRING=endpoint=https:\/\/127\.0\.0\.1:\d+\/;accesskey=\S+$/),
      `NODE_EXTRA_CA_CERTS=${caPath}`,
      '',
    ]);
    const ca = await readFile(caPath, 'utf8');
    const appEnv = { COMMUNICATION_SERVICES_CONNECTION_STRING: first.connectionString, NODE_EXTRA_CA_CERTS: caPath };

    const app = await runApp(appEnv);
    expect({ code: app.code, stderr: app.stderr }).toEqual({ code: 0, stderr: '' });
    const seen = JSON.parse(app.stdout) as { userId: string; token: string; expiresOn: string };
    const emu = await target(first);
    const health = await admin(emu, 'health');
    expect(seen.userId).toMatch(new RegExp(`^8:acs:${String(health.body['resourceId'])}_[0-9a-f-]{36}$`));
    expect(Date.parse(seen.expiresOn) - Date.now()).toBeGreaterThan(1439 * 60_000);
    // The app did create, issue, revoke and delete on this emulator.
    expect((await introspect(emu, seen.token)).body).toMatchObject({ active: false, reason: 'deleted', identity: seen.userId });
    const { stats } = (await admin(emu, 'identities')).body as { stats: { requestsByOperation: Record<string, number> } };
    expect(stats.requestsByOperation).toMatchObject({ create: 1, issue: 1, revoke: 1, delete: 1 });

    // Without the variable the same app fails on the certificate: it is what makes the quickstart work.
    const untrusting = await runApp({ COMMUNICATION_SERVICES_CONNECTION_STRING: first.connectionString });
    expect(untrusting.code).toBe(1);
    expect(untrusting.stderr).toMatch(/self[- ]signed certificate in certificate chain|unable to (get local issuer|verify)/i);
    await first.stop();

    // A restart (HTTPS from the environment this time) keeps the authority, so the app's setting still holds.
    const second = await start([], { ACS_EMULATOR_HTTPS: '1' });
    expect(second.caCertPath).toBe(caPath);
    expect(await readFile(caPath, 'utf8')).toBe(ca);
    const again = await runApp({ ...appEnv, COMMUNICATION_SERVICES_CONNECTION_STRING: second.connectionString });
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
  }, 240_000);

  it('trusts the keys of --bearer-jwks (or ACS_EMULATOR_BEARER_JWKS) for bearer tokens, and no others', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwksFile = join(cache, 'bearer-jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] }));
    const tid = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const sign = (key: typeof privateKey) =>
      new SignJWT({ aud: 'https://communication.azure.com', iss: `https://sts.windows.net/${tid}/`, tid, oid: randomUUID(), iat: now, exp: now + 600 })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .sign(key);
    for (const [args, env] of [[['--https', '--bearer-jwks', jwksFile], {}], [['--https'], { ACS_EMULATOR_BEARER_JWKS: jwksFile }]] as const) {
      const emu = await target(await start([...args], env));
      const create = async (token: string) => (await send(emu, 'POST', '/identities?api-version=2023-10-01', '', { authorization: `Bearer ${token}` })).status;
      expect(await create(await sign(privateKey))).toBe(201);
      expect(await create(await sign(other.privateKey))).toBe(401);
      await running?.stop();
      running = undefined;
    }
  }, 120_000);
});
