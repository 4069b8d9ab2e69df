// The emulator refuses what ACS refuses: bearer tokens that are unsigned, signed by an unknown key or with HMAC,
// for another audience, expired or from a foreign issuer; and its admin routes refuse a foreign Host header.
import { randomUUID } from 'node:crypto';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import type { TokenCredential } from '@azure/core-auth';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createDevEntraIssuer, startEmulator, type DevEntraIssuer, type RunningEmulator } from '../src/index.js';
import { send } from './helpers.js';

const ACS = 'https://communication.azure.com';
const TENANT = randomUUID();
const now = () => Math.floor(Date.now() / 1000);

/** A managed identity's token as Entra shapes it (app-only: roles, no scp). */
const claims = (over: Record<string, unknown> = {}) => ({
  aud: ACS,
  tid: TENANT,
  oid: randomUUID(),
  iat: now() - 10,
  nbf: now() - 10,
  exp: now() + 3600,
  ...over,
});

/** A key of a real-shaped Entra tenant (issuer login.microsoftonline.com / sts.windows.net), given as bearerJwks. */
async function entraKey(): Promise<{ jwks: { keys: JWK[] }; sign(payload: Record<string, unknown>, header?: Record<string, unknown>): Promise<string> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return {
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] },
    sign: (payload, header = {}) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT', ...header }).sign(privateKey),
  };
}

const unsigned = (payload: Record<string, unknown>) =>
  `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

describe('bearer tokens on the data plane (HTTPS)', () => {
  let emu: RunningEmulator;
  let dev: DevEntraIssuer;
  let entra: Awaited<ReturnType<typeof entraKey>>;
  let foreign: Awaited<ReturnType<typeof entraKey>>;
  beforeAll(async () => {
    dev = await createDevEntraIssuer();
    entra = await entraKey();
    foreign = await entraKey();
    emu = await startEmulator({ https: true, devEntra: dev, bearerJwks: entra.jwks });
  });
  afterAll(() => emu.close());

  const sdkWith = (token: string | (() => Promise<string>)) => {
    const credential: TokenCredential = {
      getToken: async () => ({ token: typeof token === 'string' ? token : await token(), expiresOnTimestamp: Date.now() + 3600_000 }),
    };
    return new CommunicationIdentityClient(emu.endpoint, credential, { tlsOptions: { ca: emu.caCertPem }, retryOptions: { maxRetries: 0 } });
  };

  it("accepts the development issuer's signed token for the ACS audience (the SDK's managed-identity path)", async () => {
    const client = sdkWith(() => dev.mintToken({ tenantId: TENANT, userId: randomUUID(), claims: { aud: ACS, scp: undefined, roles: [] } }));
    const user = await client.createUser();
    const token = await client.getToken(user, ['chat']);
    expect(token.token.split('.')).toHaveLength(3);
    await client.deleteUser(user);
  });

  it.each([
    ['login.microsoftonline.com/{tid}/v2.0', `https://login.microsoftonline.com/${TENANT}/v2.0`],
    ['sts.windows.net/{tid}/', `https://sts.windows.net/${TENANT}/`],
  ])('accepts a bearerJwks key with the issuer %s', async (_name, iss) => {
    const user = await sdkWith(await entra.sign(claims({ iss }))).createUser();
    expect(user.communicationUserId).toMatch(/^8:acs:/);
  });

  it.each([
    ['alg none', async () => unsigned(claims({ iss: `https://sts.windows.net/${TENANT}/` }))],
    ['a foreign key', async () => foreign.sign(claims({ iss: `https://sts.windows.net/${TENANT}/` }))],
    ['a foreign key under a trusted kid', async () => foreign.sign(claims({ iss: `https://sts.windows.net/${TENANT}/` }), { kid: entra.jwks.keys[0]!.kid })],
    ['HS256 keyed with the trusted public key', async () => new SignJWT(claims({ iss: `https://sts.windows.net/${TENANT}/` })).setProtectedHeader({ alg: 'HS256', kid: entra.jwks.keys[0]!.kid }).sign(new TextEncoder().encode(JSON.stringify(entra.jwks.keys[0])))],
    ['a wrong audience', async () => entra.sign(claims({ iss: `https://sts.windows.net/${TENANT}/`, aud: 'https://graph.microsoft.com' }))],
    ['an expired token', async () => entra.sign(claims({ iss: `https://sts.windows.net/${TENANT}/`, exp: now() - 600, iat: now() - 4000, nbf: now() - 4000 }))],
    ['the issuer of another tenant', async () => entra.sign(claims({ iss: `https://sts.windows.net/${randomUUID()}/` }))],
    ['a non-Entra issuer', async () => entra.sign(claims({ iss: 'https://evil.example/' }))],
    ['no tid', async () => entra.sign(claims({ iss: `https://sts.windows.net/${TENANT}/`, tid: undefined }))],
    ["the development issuer's token for another audience", async () => dev.mintToken({ tenantId: TENANT, userId: randomUUID() })],
    ['not a JWT', async () => 'not-a-jwt'],
  ])('refuses %s with 401, as ACS does, and creates nothing', async (_name, token) => {
    const before = emu.stats().identities;
    await expect(sdkWith(await token()).createUser()).rejects.toMatchObject({ statusCode: 401, code: 'Denied' });
    expect(emu.stats().identities).toBe(before);
  });

  it('trusts no bearer token at all without the development issuer or bearerJwks', async () => {
    const bare = await startEmulator({ https: true });
    try {
      const client = new CommunicationIdentityClient(
        bare.endpoint,
        { getToken: async () => ({ token: await entra.sign(claims({ iss: `https://sts.windows.net/${TENANT}/` })), expiresOnTimestamp: Date.now() + 3600_000 }) },
        { tlsOptions: { ca: bare.caCertPem }, retryOptions: { maxRetries: 0 } },
      );
      await expect(client.createUser()).rejects.toMatchObject({ statusCode: 401 });
    } finally {
      await bare.close();
    }
  });
});

describe('admin routes and the Host header (DNS rebinding)', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  const withHost = (host: string) => send(emu, 'GET', '/_emulator/identities', '', { host });

  it.each(['localhost', 'localhost:8888', '127.0.0.1', '127.0.0.1:1234', '[::1]', '[::1]:8888', 'LOCALHOST'])('answers Host %s', async (host) => {
    expect((await withHost(host)).status).toBe(200);
  });

  it.each(['rebind.attacker.example', 'rebind.attacker.example:8888', 'localhost.attacker.example', '127.0.0.1.nip.io', '127.0.0.2', '[::2]', 'localhost:80@evil'])(
    'refuses Host %j with 403 and lists nothing',
    async (host) => {
      const res = await withHost(host);
      expect(res.status).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain('identities');
    },
  );
});
