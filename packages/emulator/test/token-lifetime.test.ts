// tokenLifetimeSeconds: short-lived tokens, so clients' refresh logic can be tested in seconds instead of an hour.
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { decodeJwt } from 'jose';
import { startEmulator, tokenLifetimeFromEnv, type RunningEmulator } from '../src/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, launch, run } from './cliProcess.js';
import { encodedPath, introspect, rawRequest } from './helpers.js';

describe('tokenLifetimeSeconds', () => {
  let emu: RunningEmulator;
  let client: CommunicationIdentityClient;
  beforeAll(async () => {
    emu = await startEmulator({ tokenLifetimeSeconds: 3 });
    client = new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true });
  });
  afterAll(() => emu.close());

  it('issues tokens that live that long whatever lifetime was asked, in the answer and in the JWT alike', async () => {
    const before = Date.now();
    const { user, token, expiresOn } = await client.createUserAndToken(['voip'], { tokenExpiresInMinutes: 60 });
    expect(expiresOn.getTime() - before).toBeGreaterThanOrEqual(2_000);
    expect(expiresOn.getTime() - before).toBeLessThanOrEqual(4_000);
    expect(decodeJwt(token).exp).toBe(Math.floor(expiresOn.getTime() / 1000));

    const issued = await client.getToken(user, ['chat'], { tokenExpiresInMinutes: 1440 });
    expect(issued.expiresOn.getTime() - Date.now()).toBeLessThanOrEqual(3_000);
    expect((await introspect(emu, issued.token)).body).toMatchObject({ active: true });
    await new Promise((resolve) => setTimeout(resolve, issued.expiresOn.getTime() - Date.now() + 1_100));
    expect((await introspect(emu, issued.token)).body).toMatchObject({ active: false, reason: 'expired' });
  });

  it('still validates the requested lifetime as ACS does', async () => {
    const user = await client.createUser();
    await expect(client.getToken(user, ['chat'], { tokenExpiresInMinutes: 30 })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('refuses a lifetime that is not 1 to 86400 whole seconds, from options and from the environment', async () => {
    for (const bad of [0, 1.5, 86_401, Number.NaN]) {
      await expect(startEmulator({ tokenLifetimeSeconds: bad })).rejects.toThrow(RangeError);
    }
    expect(tokenLifetimeFromEnv({})).toBeUndefined();
    expect(tokenLifetimeFromEnv({ ACS_EMULATOR_TOKEN_LIFETIME_SECONDS: '' })).toBeUndefined();
    expect(tokenLifetimeFromEnv({ ACS_EMULATOR_TOKEN_LIFETIME_SECONDS: '90' })).toBe(90);
    expect(() => tokenLifetimeFromEnv({ ACS_EMULATOR_TOKEN_LIFETIME_SECONDS: '2m' })).toThrow(/whole number/);
  });
});

describe('--token-lifetime on the command line', () => {
  const [command, baseArgs] = bin();
  let cache: string;
  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), 'acs-emulator-lifetime-'));
  });
  afterAll(() => rm(cache, { recursive: true, force: true }));

  it.each([
    [['--token-lifetime', '7'], {}],
    [[], { ACS_EMULATOR_TOKEN_LIFETIME_SECONDS: '7' }],
  ])('issues tokens of that lifetime with %j %j, and says so on stderr', async (args, env) => {
    const emu = await launch(command, [...baseArgs, ...args], { XDG_CACHE_HOME: cache, ...env });
    try {
      const created = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
      const id = (created.body as { identity: { id: string } }).identity.id;
      const before = Date.now();
      const issued = await rawRequest(emu, { method: 'POST', path: encodedPath(id, '/:issueAccessToken'), body: { scopes: ['chat'], expiresInMinutes: 60 } });
      expect(issued.status).toBe(200);
      const expiresIn = Date.parse((issued.body as { expiresOn: string }).expiresOn) - before;
      expect(expiresIn).toBeGreaterThanOrEqual(7_000);
      expect(expiresIn).toBeLessThan(9_000); // the request's own time on top
      expect(emu.stderr()).toContain('user tokens live 7 s');
    } finally {
      await emu.stop();
    }
  });

  it('refuses a lifetime that is not 1 to 86400 seconds in one line, exit code 2', () => {
    const outcome = run(command, [...baseArgs, '--token-lifetime', '0'], { XDG_CACHE_HOME: cache });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--token-lifetime must be seconds from 1 to 86400 \(got '0'\)/);
  });
});
