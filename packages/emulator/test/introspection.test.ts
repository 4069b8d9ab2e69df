// Introspection proves revocation and deletion, and the published JWKS verifies the tokens.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { admin, introspect } from './helpers.js';

describe('token introspection', () => {
  let emu: RunningEmulator;
  let client: CommunicationIdentityClient;
  beforeAll(async () => {
    emu = await startEmulator();
    client = new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true });
  });
  afterAll(() => emu.close());

  it('issues RS256 JWTs with the real claims, verifiable against /_emulator/jwks', async () => {
    const { user, token, expiresOn } = await client.createUserAndToken(['chat', 'voip'], { tokenExpiresInMinutes: 60 });
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.kid).toMatch(/^[0-9A-F]{40}$/);
    expect(header.x5t).toEqual(expect.any(String));

    const jwks = createRemoteJWKSet(new URL('_emulator/jwks', emu.endpoint));
    const { payload } = await jwtVerify(token, jwks);
    expect(payload).toMatchObject({
      skypeid: user.communicationUserId.slice(2),
      scp: 1792,
      acsScope: 'chat,voip',
      resourceId: emu.resourceId,
    });
    expect(payload.csi).toBe(payload.iat);
    expect(payload.exp).toBe(Math.floor(expiresOn.getTime() / 1000));
  });

  it('reports a live token active, a revoked one revoked, and a fresh one after revoke active', async () => {
    const user = await client.createUser();
    const before = await client.getToken(user, ['chat']);
    expect((await introspect(emu, before.token)).body).toMatchObject({
      active: true,
      identity: user.communicationUserId,
    });

    // No pause between issue and revoke: ms precision must still tell them apart.
    await client.revokeTokens(user);
    expect((await introspect(emu, before.token)).body).toMatchObject({ active: false, reason: 'revoked' });

    const after = await client.getToken(user, ['chat']);
    expect((await introspect(emu, after.token)).body).toMatchObject({ active: true });
  });

  it('reports every token of a deleted identity invalid', async () => {
    const { user, token } = await client.createUserAndToken(['voip']);
    const second = await client.getToken(user, ['chat']);
    await client.deleteUser(user);
    for (const t of [token, second.token]) {
      expect((await introspect(emu, t)).body).toMatchObject({ active: false, reason: 'deleted' });
    }
    const listed = (await admin(emu, 'identities')).body['identities'] as Array<{ id: string; deleted: boolean }>;
    expect(listed.find((i) => i.id === user.communicationUserId)).toMatchObject({ deleted: true });
  });

  it('reports tampered and malformed tokens, and tokens of another emulator', async () => {
    const { token } = await client.createUserAndToken(['voip']);
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, acsScope: 'chat' })).toString('base64url')}.${s}`;
    expect((await introspect(emu, forged)).body).toMatchObject({ active: false, reason: 'invalid_signature' });
    expect((await introspect(emu, 'not-a-jwt')).body).toMatchObject({ active: false, reason: 'malformed' });

    const other = await startEmulator({ resourceId: emu.resourceId });
    try {
      const otherClient = new CommunicationIdentityClient(other.connectionString, { allowInsecureConnection: true });
      const foreign = await otherClient.createUserAndToken(['chat']);
      expect((await introspect(emu, foreign.token)).body).toMatchObject({ active: false, reason: 'invalid_signature' });
    } finally {
      await other.close();
    }
  });

  it('reports a token past its exp expired', async () => {
    // Waiting an hour is not an option, so the issuer is asked about a later instant directly.
    const { TokenIssuer } = await import('../src/tokens.js');
    const { IdentityStore } = await import('../src/store.js');
    const { loadOrCreateSigningKey } = await import('../src/signingKey.js');
    const store = await IdentityStore.open({});
    const issuer = new TokenIssuer(await loadOrCreateSigningKey(undefined), store.resourceId);
    const record = store.create();
    const now = Date.now();
    const { token } = await issuer.issue(record.id, ['chat'], store.tokenIssued(record, now), now + 60 * 60_000);
    expect(issuer.introspect(token, store, now + 59 * 60_000)).toMatchObject({ active: true });
    expect(issuer.introspect(token, store, now + 61 * 60_000)).toMatchObject({ active: false, reason: 'expired' });
  });
});
