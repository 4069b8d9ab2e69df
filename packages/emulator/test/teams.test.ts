// Teams user token exchange: the Entra-style token is validated against the configured JWKS.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { introspect, rawRequest } from './helpers.js';

const appId = randomUUID();
const userId = randomUUID();

describe('Teams token exchange', () => {
  let emu: RunningEmulator;
  let client: CommunicationIdentityClient;
  let entraKey: CryptoKey;
  let strangerKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    entraKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'entra-test', alg: 'RS256', use: 'sig' };
    emu = await startEmulator({ teamsJwks: { keys: [jwk] } });
    client = new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true });
  });
  afterAll(() => emu.close());

  const entraToken = (claims: Record<string, unknown>, opts: { key?: CryptoKey; exp?: number } = {}) =>
    new SignJWT({ oid: userId, appid: appId, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'entra-test' })
      .setAudience('https://auth.msft.communication.azure.com')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 3600)
      .sign(opts.key ?? entraKey);

  const exchange = (body: unknown) =>
    rawRequest(emu, { method: 'POST', path: '/teamsUser/:exchangeAccessToken?api-version=2023-10-01', body });

  it('exchanges a valid token for an ACS token expiring with it', async () => {
    const exp = Math.floor(Date.now() / 1000) + 1800;
    const token = await entraToken({}, { exp });
    const result = await client.getTokenForTeamsUser({ teamsUserAadToken: token, clientId: appId, userObjectId: userId });
    // Whole seconds from now, never past the Entra token's exp.
    expect(result.expiresOn.getTime()).toBeLessThanOrEqual(exp * 1000);
    expect(result.expiresOn.getTime()).toBeGreaterThan(exp * 1000 - 1000);
    expect((await introspect(emu, result.token)).body).toMatchObject({ active: true, identity: `8:orgid:${userId}` });
  });

  it('accepts azp in place of appid', async () => {
    const token = await entraToken({ appid: undefined, azp: appId });
    const res = await exchange({ token, appId, userId });
    expect(res.status).toBe(200);
  });

  it.each([
    ['a bad signature', () => entraToken({}, { key: strangerKey })],
    ['an expired token', () => entraToken({}, { exp: Math.floor(Date.now() / 1000) - 600 })],
    ['a token that is not a JWT', async () => 'garbage'],
  ])('rejects %s with 401 InvalidAccessToken', async (_name, makeToken) => {
    const res = await exchange({ token: await makeToken(), appId, userId });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'InvalidAccessToken', message: 'Provided access token is not valid.' } });
  });

  it('rejects a missing appId with 400', async () => {
    const res = await exchange({ token: await entraToken({}), userId });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: 'ValidationError', message: 'AppId: The AppId field is required.', target: 'AppId' },
    });
  });

  it('rejects a token of another application with 400 on appId', async () => {
    const res = await exchange({ token: await entraToken({}), appId: randomUUID(), userId });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { message: 'AAD application is not the expected one.', target: 'appId' } });
  });

  it('rejects a token of another user with 400 on userId', async () => {
    const res = await exchange({ token: await entraToken({}), appId, userId: randomUUID() });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { message: 'Provided AAD token issued for unexpected user.', target: 'userId' },
    });
  });

  it('surfaces the errors through the SDK', async () => {
    const token = await entraToken({}, { key: strangerKey });
    await expect(
      client.getTokenForTeamsUser({ teamsUserAadToken: token, clientId: appId, userObjectId: userId }),
    ).rejects.toMatchObject({ statusCode: 401, code: 'InvalidAccessToken' });
  });

  it('rejects every token when no JWKS is configured', async () => {
    const bare = await startEmulator();
    try {
      const res = await rawRequest(bare, {
        method: 'POST',
        path: '/teamsUser/:exchangeAccessToken?api-version=2023-10-01',
        body: { token: await entraToken({}), appId, userId },
      });
      expect(res.status).toBe(401);
    } finally {
      await bare.close();
    }
  });
});
