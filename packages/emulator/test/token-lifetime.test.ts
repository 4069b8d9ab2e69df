// tokenLifetimeSeconds: short-lived tokens, so clients' refresh logic can be tested in seconds instead of an hour.
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { decodeJwt } from 'jose';
import { startEmulator, tokenLifetimeFromEnv, type RunningEmulator } from '../src/index.js';
import { introspect } from './helpers.js';

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
