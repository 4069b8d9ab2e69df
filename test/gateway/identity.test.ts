import { startEmulator } from '@acs-identity-gateway/emulator';
import { errorCode } from '../harness/graphqlClient.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';
import { unsignedToken } from '../harness/testIssuer.js';

const IDENTITY = 'identity { id appUserId createdAt tokensRevokedAt }';
const CREATE_USER = `mutation($input: CreateUserInput) { createUser(input: $input) { created ${IDENTITY} } }`;
const ISSUE_TOKEN = `mutation($input: IssueTokenInput!) { issueToken(input: $input) { ${IDENTITY} accessToken { token expiresOn scopes } } }`;
const CREATE_USER_AND_TOKEN = `mutation($input: CreateUserAndTokenInput!) { createUserAndToken(input: $input) { created ${IDENTITY} accessToken { token expiresOn scopes } } }`;
const REVOKE = `mutation($input: RevokeTokensInput) { revokeTokens(input: $input) { revokedAt ${IDENTITY} } }`;
const DELETE = `mutation($input: DeleteUserInput) { deleteUser(input: $input) { appUserId deletedIdentityId } }`;
const ME = `{ me { id appUserId createdAt tokensRevokedAt } }`;
const IDENTITY_OF = `query($appUserId: ID!) { communicationIdentity(appUserId: $appUserId) { id appUserId } }`;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: 'gateway_identity' });
});
afterAll(async () => {
  await h?.stop();
});


const acsIdentityCount = () => h.emulator.listIdentities().filter((identity) => !identity.deleted).length;

describe('createUser', () => {
  it('creates one ACS identity for the caller and returns it again on the next call', async () => {
    const token = await h.tokenFor('alice');
    const first = await h.gql(CREATE_USER, {}, token);
    expect(first.status).toBe(200);
    expect(first.errors).toBeUndefined();
    expect(first.data?.createUser.created).toBe(true);
    expect(first.data?.createUser.identity).toMatchObject({ appUserId: 'alice', tokensRevokedAt: null });
    expect(first.data?.createUser.identity.id).toMatch(/^8:acs:[0-9a-f-]{36}_[0-9a-f-]{36}$/);
    expect(new Date(first.data?.createUser.identity.createdAt).toISOString()).toBe(first.data?.createUser.identity.createdAt);

    const again = await h.gql(CREATE_USER, { input: {} }, token);
    expect(again.data?.createUser).toEqual({ created: false, identity: first.data?.createUser.identity });
    expect(h.emulator.listIdentities().some((identity) => identity.id === first.data?.createUser.identity.id)).toBe(true);
  });

  it('leaves exactly one identity when 25 calls race', async () => {
    const token = await h.tokenFor('racer');
    const before = acsIdentityCount();
    const results = await Promise.all(Array.from({ length: 25 }, () => h.gql(CREATE_USER, {}, token)));
    expect(results.every((result) => result.errors === undefined)).toBe(true);
    expect(results.filter((result) => result.data?.createUser.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.data?.createUser.identity.id)).size).toBe(1);
    expect(acsIdentityCount()).toBe(before + 1);
  });
});

describe('issueToken', () => {
  it('answers IDENTITY_NOT_FOUND before createUser', async () => {
    const result = await h.gql(ISSUE_TOKEN, { input: { scopes: ['CHAT'] } }, await h.tokenFor('nobody'));
    expect(errorCode(result)).toBe('IDENTITY_NOT_FOUND');
    expect(result.data).toBeNull();
  });

  it('issues a token the emulator accepts, with the asked scopes and lifetime', async () => {
    const token = await h.tokenFor('bob');
    await h.gql(CREATE_USER, {}, token);
    const started = Date.now();
    const result = await h.gql(ISSUE_TOKEN, { input: { scopes: ['CHAT', 'VOIP'], expiresInMinutes: 60 } }, token);
    expect(result.errors).toBeUndefined();
    const { accessToken, identity } = result.data!.issueToken;
    expect(identity.appUserId).toBe('bob');
    expect(accessToken.scopes).toEqual(['CHAT', 'VOIP']);
    const lifetimeMinutes = (Date.parse(accessToken.expiresOn) - started) / 60000;
    expect(lifetimeMinutes).toBeGreaterThan(59);
    expect(lifetimeMinutes).toBeLessThan(61);
    expect(await h.introspect(accessToken.token)).toMatchObject({ active: true });
    const claims = JSON.parse(Buffer.from(accessToken.token.split('.')[1]!, 'base64url').toString());
    expect(claims.skypeid).toBe(identity.id.slice(2));
    expect(claims.acsScope).toBe('chat,voip');
  });

  it.each([
    [{ scopes: [] }, 'scopes'],
    [{ scopes: ['CHAT', 'CHAT'] }, 'scopes'],
    [{ scopes: ['CHAT'], expiresInMinutes: 59 }, 'expiresInMinutes'],
    [{ scopes: ['CHAT'], expiresInMinutes: 1441 }, 'expiresInMinutes'],
  ])('refuses %j with BAD_USER_INPUT naming the field, before any ACS call', async (input, field) => {
    const token = await h.tokenFor('validator');
    const before = h.emulator.listIdentities().length;
    for (const mutation of [ISSUE_TOKEN, CREATE_USER_AND_TOKEN]) {
      const result = await h.gql(mutation, { input }, token);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.field).toBe(field);
    }
    expect(h.emulator.listIdentities().length).toBe(before);
  });

  it('refuses an unknown scope as BAD_USER_INPUT', async () => {
    const result = await h.gql(ISSUE_TOKEN, { input: { scopes: ['ADMIN'] } }, await h.tokenFor('bob'));
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
  });

  it('refuses scopes outside ALLOWED_SCOPES', async () => {
    const restricted = await h.startInstance({ ALLOWED_SCOPES: 'chat,chat.join' });
    const { graphql } = await import('../harness/graphqlClient.js');
    const token = await h.tokenFor('bob');
    const refused = await graphql(restricted.url, ISSUE_TOKEN, { input: { scopes: ['CHAT', 'VOIP'] } }, token);
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('VOIP');
    const allowed = await graphql(restricted.url, ISSUE_TOKEN, { input: { scopes: ['CHAT_JOIN'] } }, token);
    expect(allowed.errors).toBeUndefined();
  });
});

describe('createUserAndToken', () => {
  it('creates the identity once and then reuses it', async () => {
    const token = await h.tokenFor('carol');
    const first = await h.gql(CREATE_USER_AND_TOKEN, { input: { scopes: ['CHAT'] } }, token);
    expect(first.errors).toBeUndefined();
    expect(first.data?.createUserAndToken.created).toBe(true);
    expect(await h.introspect(first.data?.createUserAndToken.accessToken.token)).toMatchObject({ active: true });
    const second = await h.gql(CREATE_USER_AND_TOKEN, { input: { scopes: ['VOIP'], expiresInMinutes: 120 } }, token);
    expect(second.data?.createUserAndToken.created).toBe(false);
    expect(second.data?.createUserAndToken.identity.id).toBe(first.data?.createUserAndToken.identity.id);
    expect(second.data?.createUserAndToken.accessToken.scopes).toEqual(['VOIP']);
  });
});

describe('revokeTokens and deleteUser', () => {
  it('revokes every earlier token, as the emulator confirms', async () => {
    const token = await h.tokenFor('dave');
    const issued = await h.gql(CREATE_USER_AND_TOKEN, { input: { scopes: ['CHAT'] } }, token);
    const old = issued.data?.createUserAndToken.accessToken.token as string;
    const revoked = await h.gql(REVOKE, {}, token);
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data?.revokeTokens.identity.tokensRevokedAt).toBe(revoked.data?.revokeTokens.revokedAt);
    expect(await h.introspect(old)).toMatchObject({ active: false, reason: 'revoked' });
    const fresh = await h.gql(ISSUE_TOKEN, { input: { scopes: ['CHAT'] } }, token);
    expect(await h.introspect(fresh.data?.issueToken.accessToken.token)).toMatchObject({ active: true });
    expect((await h.gql(ME, {}, token)).data?.me.tokensRevokedAt).toBe(revoked.data?.revokeTokens.revokedAt);
  });

  it('deletes the ACS identity and the mapping; a new createUser makes a new identity', async () => {
    const token = await h.tokenFor('erin');
    const issued = await h.gql(CREATE_USER_AND_TOKEN, { input: { scopes: ['CHAT'] } }, token);
    const { id } = issued.data?.createUserAndToken.identity;
    const deleted = await h.gql(DELETE, {}, token);
    expect(deleted.data?.deleteUser).toEqual({ appUserId: 'erin', deletedIdentityId: id });
    expect(await h.introspect(issued.data?.createUserAndToken.accessToken.token)).toMatchObject({ active: false, reason: 'deleted' });
    expect(h.emulator.listIdentities().find((identity) => identity.id === id)?.deleted).toBe(true);
    expect(errorCode(await h.gql(ISSUE_TOKEN, { input: { scopes: ['CHAT'] } }, token))).toBe('IDENTITY_NOT_FOUND');
    expect(errorCode(await h.gql(REVOKE, {}, token))).toBe('IDENTITY_NOT_FOUND');
    expect(errorCode(await h.gql(DELETE, {}, token))).toBe('IDENTITY_NOT_FOUND');
    expect((await h.gql(ME, {}, token)).data?.me).toBeNull();
    const recreated = await h.gql(CREATE_USER, {}, token);
    expect(recreated.data?.createUser.created).toBe(true);
    expect(recreated.data?.createUser.identity.id).not.toBe(id);
  });
});

describe('who may act on whom', () => {
  it('refuses another user\'s id without the admin role, for every operation', async () => {
    const victim = await h.tokenFor('victim');
    await h.gql(CREATE_USER, {}, victim);
    const intruder = await h.tokenFor('intruder');
    const attempts = [
      h.gql(CREATE_USER, { input: { appUserId: 'victim' } }, intruder),
      h.gql(ISSUE_TOKEN, { input: { appUserId: 'victim', scopes: ['CHAT'] } }, intruder),
      h.gql(CREATE_USER_AND_TOKEN, { input: { appUserId: 'victim', scopes: ['CHAT'] } }, intruder),
      h.gql(REVOKE, { input: { appUserId: 'victim' } }, intruder),
      h.gql(DELETE, { input: { appUserId: 'victim' } }, intruder),
      h.gql(IDENTITY_OF, { appUserId: 'victim' }, intruder),
    ];
    for (const result of await Promise.all(attempts)) {
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect(JSON.stringify(result)).not.toMatch(/eyJ/);
    }
    expect((await h.gql(ME, {}, victim)).data?.me.tokensRevokedAt).toBeNull();
  });

  it('lets an admin act for another user', async () => {
    const admin = await h.tokenFor('root', ['identity.admin']);
    const created = await h.gql(CREATE_USER, { input: { appUserId: 'managed' } }, admin);
    expect(created.data?.createUser).toMatchObject({ created: true, identity: { appUserId: 'managed' } });
    const issued = await h.gql(ISSUE_TOKEN, { input: { appUserId: 'managed', scopes: ['VOIP'] } }, admin);
    expect(issued.data?.issueToken.identity.id).toBe(created.data?.createUser.identity.id);
    const looked = await h.gql(IDENTITY_OF, { appUserId: 'managed' }, admin);
    expect(looked.data?.communicationIdentity.id).toBe(created.data?.createUser.identity.id);
    const managedSelf = await h.gql(ME, {}, await h.tokenFor('managed'));
    expect(managedSelf.data?.me.id).toBe(created.data?.createUser.identity.id);
    expect((await h.gql(DELETE, { input: { appUserId: 'managed' } }, admin)).data?.deleteUser.appUserId).toBe('managed');
  });

  it('lets a user read their own identity by id', async () => {
    const token = await h.tokenFor('alice');
    const result = await h.gql(IDENTITY_OF, { appUserId: 'alice' }, token);
    expect(result.data?.communicationIdentity.appUserId).toBe('alice');
  });
});

describe('caller authentication', () => {
  it('answers UNAUTHENTICATED with HTTP 401 when no token is sent', async () => {
    const result = await h.gql(CREATE_USER, {});
    expect(result.status).toBe(401);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['forged (unknown key)', () => h.issuer.token('alice', { foreignKey: true })],
    ['expired', () => h.issuer.token('alice', { expiresIn: Math.floor(Date.now() / 1000) - 120 })],
    ['wrong audience', () => h.issuer.token('alice', { audience: 'api://someone-else' })],
    ['wrong issuer', () => h.issuer.token('alice', { issuer: 'https://evil.example/' })],
    ['not yet valid', () => h.issuer.token('alice', { notBefore: '1h' })],
    ['alg none', async () => unsignedToken('alice', h.issuer.issuer, h.issuer.audience)],
    ['garbage', async () => 'not-a-jwt'],
  ])('rejects a %s token with 401 and never echoes it', async (_label, makeToken) => {
    const token = await makeToken();
    const result = await h.gql(ME, {}, token);
    expect(result.status).toBe(401);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(result.errors)).not.toContain(token);
  });

  it('serves anonymous requests that need no identity', async () => {
    const result = await h.gql('{ __typename }');
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ __typename: 'Query' });
  });
});

describe('robustness', () => {
  it('answers malformed requests with 400 and stays up', async () => {
    const bad = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(bad.status).toBe(400);
    const noQuery = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noQuery.status).toBe(400);
    const syntax = await h.gql('mutation { createUser(', {}, await h.tokenFor('alice'));
    expect(syntax.status).toBe(400);
    expect(errorCode(syntax)).toBe('GRAPHQL_PARSE_FAILED');
    expect((await h.gql('{ __typename }')).status).toBe(200);
  });

  it('keeps mappings across a gateway restart', async () => {
    const token = await h.tokenFor('persistent');
    const created = await h.gql(CREATE_USER, {}, token);
    await h.restartGateway();
    const after = await h.gql(ME, {}, token);
    expect(after.data?.me.id).toBe(created.data?.createUser.identity.id);
    expect((await h.gql(CREATE_USER, {}, token)).data?.createUser.created).toBe(false);
  });

  it('reports a mapping from another ACS resource clearly', async () => {
    const token = await h.tokenFor('migrant');
    await h.gql(CREATE_USER, {}, token);
    const otherResource = await startEmulator();
    try {
      const moved = await h.startInstance({ COMMUNICATION_SERVICES_CONNECTION_STRING: otherResource.connectionString });
      const { graphql } = await import('../harness/graphqlClient.js');
      const result = await graphql(moved.url, ISSUE_TOKEN, { input: { scopes: ['CHAT'] } }, token);
      expect(errorCode(result)).toBe('IDENTITY_RESOURCE_MISMATCH');
      expect(result.status).toBe(200);
    } finally {
      await otherResource.close();
    }
  });

  it('never writes tokens or authorization headers to its logs', async () => {
    const token = await h.tokenFor('logcheck');
    const issued = await h.gql(CREATE_USER_AND_TOKEN, { input: { scopes: ['CHAT'] } }, token);
    const acsToken = issued.data?.createUserAndToken.accessToken.token as string;
    expect(acsToken.length).toBeGreaterThan(100);
    const logs = h.logLines.join('\n');
    expect(h.logLines.length).toBeGreaterThan(0);
    expect(logs).not.toContain(acsToken);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(h.emulator.accessKey);
  });
});
