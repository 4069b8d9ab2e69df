// Entra ID users (Teams Phone extensibility): the assignment routes, the two exchanges and what they refuse,
// the development issuer, and introspection of the tokens they issue.
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { createDevEntraIssuer, DEV_ENTRA_CLIENT_ID, startEmulator, type DevEntraIssuer, type RunningEmulator } from '../src/index.js';
import { admin, introspect, rawRequest, type RawResponse } from './helpers.js';

const TEAMS_EXTENSION_SCOPE = 'https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls';
const ENTRA_SCOPE = 'https://communication.azure.com/clients/VoIP';
const teamsAssignment = (tid: string, oid: string, v = '2025-06-30') => `/access/teamsExtension/tenants/${tid}/assignments/${oid}?api-version=${v}`;
const entraAssignment = (oid: string) => `/access/entra/assignments/${oid}?api-version=2025-03-02-preview`;
const ENTRA_ASSIGNMENTS = '/access/entra/assignments?api-version=2025-03-02-preview';
const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };

let issuer: DevEntraIssuer;
let emu: RunningEmulator;
beforeAll(async () => {
  issuer = await createDevEntraIssuer();
  emu = await startEmulator({ devEntra: issuer });
});
afterAll(() => emu.close());

const exchange = (flavor: 'teamsExtension' | 'entra', token?: string, target: RunningEmulator = emu) =>
  rawRequest(target, {
    method: 'POST',
    path: flavor === 'teamsExtension' ? '/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30' : '/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview',
    body: {},
    unsigned: true,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
const errorOf = (res: RawResponse) => [res.status, (res.body as { error?: { code: string } }).error?.code];
const tokenOf = (res: RawResponse) => (res.body as { accessToken: { token: string; expiresOn: string } }).accessToken;

describe('Teams-extension assignments', () => {
  it('creates (201), replaces (200), reads, deletes (204) and then answers 404', async () => {
    const [tid, oid, app] = [randomUUID(), randomUUID(), randomUUID()];
    const put = await rawRequest(emu, { method: 'PUT', path: teamsAssignment(tid, oid), body: { principalType: 'user', clientIds: [app] } });
    expect([put.status, put.body]).toEqual([201, { objectId: oid, tenantId: tid, principalType: 'user', clientIds: [app] }]);
    const replaced = await rawRequest(emu, { method: 'PUT', path: teamsAssignment(tid, oid, '2025-03-02-preview'), body: { principalType: 'resourceAccount' } });
    expect([replaced.status, replaced.body]).toEqual([200, { objectId: oid, tenantId: tid, principalType: 'resourceAccount' }]);
    expect((await rawRequest(emu, { method: 'GET', path: teamsAssignment(tid, oid) })).body).toEqual(replaced.body);
    expect((await rawRequest(emu, { method: 'DELETE', path: teamsAssignment(tid, oid) })).status).toBe(204);
    const gone = await rawRequest(emu, { method: 'GET', path: teamsAssignment(tid, oid) });
    expect(errorOf(gone)).toEqual([404, 'AssignmentNotFound']);
    expect((await rawRequest(emu, { method: 'DELETE', path: teamsAssignment(tid, oid) })).status).toBe(204);
  });

  it.each([
    [{ principalType: 'robot' }, 'principalType'],
    [{}, 'principalType'],
    [{ principalType: 'user', clientIds: 'app' }, 'clientIds'],
    [{ principalType: 'user', clientIds: ['not-a-guid'] }, 'clientIds'],
  ])('refuses the body %j with 400 on %s', async (body, target) => {
    const res = await rawRequest(emu, { method: 'PUT', path: teamsAssignment(randomUUID(), randomUUID()), body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'ValidationError', target } });
  });

  it('refuses ids that are not GUIDs, other api-versions, and unsigned requests', async () => {
    expect((await rawRequest(emu, { method: 'GET', path: teamsAssignment('contoso', randomUUID()) })).body).toMatchObject({ error: { target: 'tenantId' } });
    expect(errorOf(await rawRequest(emu, { method: 'GET', path: teamsAssignment(randomUUID(), randomUUID(), '2023-10-01') }))).toEqual([400, 'UnsupportedApiVersion']);
    expect(errorOf(await rawRequest(emu, { method: 'GET', path: teamsAssignment(randomUUID(), randomUUID()), unsigned: true }))).toEqual([401, 'Denied']);
  });
});

describe('Entra assignments', () => {
  it('puts, lists, merge-patches (adding, replacing, removing) and deletes', async () => {
    const [tid, a, b, c, app] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const one = { tenantId: tid, principalType: 'user', clientIds: [app] };
    expect((await rawRequest(emu, { method: 'PUT', path: entraAssignment(a), body: one })).status).toBe(201);
    expect((await rawRequest(emu, { method: 'PUT', path: entraAssignment(a), body: one })).status).toBe(200);

    const patch = { [a]: null, [b]: one, [c]: { ...one, principalType: 'group' } };
    const patched = await rawRequest(emu, { method: 'PATCH', path: ENTRA_ASSIGNMENTS, body: patch, headers: MERGE_PATCH });
    expect([patched.status, patched.body]).toEqual([200, { value: [{ objectId: b, ...one }, { objectId: c, ...one, principalType: 'group' }] }]);
    const listed = (await rawRequest(emu, { method: 'GET', path: ENTRA_ASSIGNMENTS })).body as { value: Array<{ objectId: string }> };
    expect(listed.value.map((x) => x.objectId)).toEqual(expect.arrayContaining([b, c]));
    expect(listed.value.map((x) => x.objectId)).not.toContain(a);

    const removeOnly = await rawRequest(emu, { method: 'PATCH', path: ENTRA_ASSIGNMENTS, body: { [b]: null }, headers: MERGE_PATCH });
    expect(removeOnly.status).toBe(204);
    expect(errorOf(await rawRequest(emu, { method: 'GET', path: entraAssignment(b) }))).toEqual([404, 'AssignmentNotFound']);
    expect((await rawRequest(emu, { method: 'DELETE', path: entraAssignment(c) })).status).toBe(204);
  });

  it('applies a merge patch all or nothing, and only as application/merge-patch+json', async () => {
    const [tid, good, bad] = [randomUUID(), randomUUID(), randomUUID()];
    const body = { [good]: { tenantId: tid, principalType: 'user', clientIds: [] }, [bad]: { tenantId: tid, principalType: 'robot', clientIds: [] } };
    const refused = await rawRequest(emu, { method: 'PATCH', path: ENTRA_ASSIGNMENTS, body, headers: MERGE_PATCH });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'ValidationError', target: `${bad}.principalType` } });
    expect((await rawRequest(emu, { method: 'GET', path: entraAssignment(good) })).status).toBe(404);
    expect(errorOf(await rawRequest(emu, { method: 'PATCH', path: ENTRA_ASSIGNMENTS, body: {} }))).toEqual([415, 'UnsupportedMediaType']);
    const tenant = await rawRequest(emu, { method: 'PUT', path: entraAssignment(randomUUID()), body: { tenantId: tid, principalType: 'tenant', clientIds: [] } });
    expect(tenant.body).toMatchObject({ error: { target: 'tenantId' } }); // a tenant assignment's object id is the tenant's
  });

  it('exists in 2025-03-02-preview only', async () => {
    const res = await rawRequest(emu, { method: 'GET', path: '/access/entra/assignments?api-version=2025-06-30' });
    expect(errorOf(res)).toEqual([400, 'UnsupportedApiVersion']);
  });
});

describe('the token exchanges', () => {
  const tid = randomUUID();
  const user = randomUUID();
  const app = randomUUID();
  beforeAll(async () => {
    await rawRequest(emu, { method: 'PUT', path: teamsAssignment(tid, user), body: { principalType: 'user', clientIds: [app] } });
    await rawRequest(emu, { method: 'PUT', path: entraAssignment(user), body: { tenantId: tid, principalType: 'user', clientIds: [app] } });
  });
  const mint = (scopes: string[], extra: Partial<Parameters<DevEntraIssuer['mintToken']>[0]> = {}) =>
    issuer.mintToken({ tenantId: tid, userId: user, appId: app, scopes, ...extra });

  it.each([
    ['teamsExtension', TEAMS_EXTENSION_SCOPE, 'teamsExtensionUser', (r: string) => `8:acs:${r}_${tid}_${user}`],
    ['entra', ENTRA_SCOPE, 'entraUser', (r: string) => `8:acs:${r}_wf_${tid}_${user}`],
  ] as const)('%s: an assigned user gets an ACS token for their own identity, expiring with the Entra token', async (flavor, scope, kind, idFor) => {
    const entraToken = await mint([scope], { expiresInSeconds: 1800 });
    const res = await exchange(flavor, entraToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ identity: { id: idFor(emu.resourceId) }, accessToken: { token: expect.any(String), expiresOn: expect.any(String) } });
    const { token, expiresOn } = tokenOf(res);
    const entraExpMs = decodeJwt(entraToken).exp! * 1000;
    expect(Date.parse(expiresOn)).toBeLessThanOrEqual(entraExpMs);
    expect(Date.parse(expiresOn)).toBeGreaterThan(entraExpMs - 1000);
    expect((await introspect(emu, token)).body).toEqual({ active: true, identity: idFor(emu.resourceId), kind, expiresOn: expect.any(String) });
    expect(res.headers['api-supported-versions']).toBe(flavor === 'teamsExtension' ? '2025-03-02-preview, 2025-06-30' : '2025-03-02-preview');
  });

  it.each([
    ['no token', undefined, 401, 'InvalidAccessToken'],
    ['a token that is not a JWT', 'garbage', 401, 'InvalidAccessToken'],
    ['an expired token', () => mint([TEAMS_EXTENSION_SCOPE], { expiresInSeconds: -60 }), 401, 'InvalidAccessToken'],
    ['a token of another audience', () => mint([ENTRA_SCOPE]), 401, 'InvalidAccessToken'],
    ['a token whose iss is not its tenant\'s', () => mint([TEAMS_EXTENSION_SCOPE], { claims: { iss: issuer.issuerFor(randomUUID()) } }), 401, 'InvalidAccessToken'],
    ['a token without oid', () => mint([TEAMS_EXTENSION_SCOPE], { claims: { oid: undefined } }), 401, 'InvalidAccessToken'],
    ['a token of the wrong scope', () => mint(['https://auth.msft.communication.azure.com/Teams.ManageCalls']), 403, 'InsufficientScope'],
    ['a token of an unassigned user', () => mint([TEAMS_EXTENSION_SCOPE], { userId: randomUUID() }), 403, 'NotAssigned'],
    ['a token of the user in another tenant', () => mint([TEAMS_EXTENSION_SCOPE], { tenantId: randomUUID() }), 403, 'NotAssigned'],
    ['a token of a client the assignment does not list', () => mint([TEAMS_EXTENSION_SCOPE], { appId: randomUUID() }), 403, 'NotAssigned'],
  ] as const)('teamsExtension refuses %s', async (_name, token, status, code) => {
    const res = await exchange('teamsExtension', typeof token === 'function' ? await token() : token);
    expect(errorOf(res)).toEqual([status, code]);
    if (status === 401) expect(res.headers['api-supported-versions']).toBeUndefined(); // refused before the controller, like the recorded 401s
  });

  it('refuses tokens of a key the emulator does not trust, and every token when it trusts none', async () => {
    const stranger = await createDevEntraIssuer();
    const forged = await stranger.mintToken({ tenantId: tid, userId: user, appId: app, scopes: [TEAMS_EXTENSION_SCOPE] });
    expect(errorOf(await exchange('teamsExtension', forged))).toEqual([401, 'InvalidAccessToken']);
    const bare = await startEmulator();
    try {
      expect(errorOf(await exchange('entra', await mint([ENTRA_SCOPE]), bare))).toEqual([401, 'InvalidAccessToken']);
    } finally {
      await bare.close();
    }
  });

  it('lets in a user through a group or a tenant assignment at /access/entra', async () => {
    const [tenant, member, group] = [randomUUID(), randomUUID(), randomUUID()];
    const patch = { [group]: { tenantId: tenant, principalType: 'group', clientIds: [] } };
    await rawRequest(emu, { method: 'PATCH', path: ENTRA_ASSIGNMENTS, body: patch, headers: MERGE_PATCH });
    const viaGroup = await issuer.mintToken({ tenantId: tenant, userId: member, scopes: [ENTRA_SCOPE], groups: [group] });
    expect((await exchange('entra', viaGroup)).status).toBe(200);
    const outsider = await issuer.mintToken({ tenantId: tenant, userId: randomUUID(), scopes: [ENTRA_SCOPE] });
    expect(errorOf(await exchange('entra', outsider))).toEqual([403, 'NotAssigned']);
    await rawRequest(emu, { method: 'PUT', path: entraAssignment(tenant), body: { tenantId: tenant, principalType: 'tenant', clientIds: [] } });
    expect((await exchange('entra', outsider)).status).toBe(200);
  });

  it('revokes the tokens issued through an assignment when it is deleted, also once it is put back', async () => {
    const [tenant, person] = [randomUUID(), randomUUID()];
    await rawRequest(emu, { method: 'PUT', path: teamsAssignment(tenant, person), body: { principalType: 'user' } });
    const entraToken = await issuer.mintToken({ tenantId: tenant, userId: person, scopes: [TEAMS_EXTENSION_SCOPE] });
    const { token } = tokenOf(await exchange('teamsExtension', entraToken));
    expect((await introspect(emu, token)).body).toMatchObject({ active: true, kind: 'teamsExtensionUser' });
    await rawRequest(emu, { method: 'DELETE', path: teamsAssignment(tenant, person) });
    expect((await introspect(emu, token)).body).toMatchObject({ active: false, reason: 'unassigned' });
    expect(errorOf(await exchange('teamsExtension', entraToken))).toEqual([403, 'NotAssigned']);
    await rawRequest(emu, { method: 'PUT', path: teamsAssignment(tenant, person), body: { principalType: 'user' } });
    expect((await introspect(emu, token)).body).toMatchObject({ active: false, reason: 'revoked' });
    expect((await introspect(emu, tokenOf(await exchange('teamsExtension', entraToken)).token)).body).toMatchObject({ active: true });
  });
});

describe('a real Entra ID tenant, through entraJwks', () => {
  it('accepts its v2.0 and v1.0 issuers for the tenant, and nothing else', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'entra', alg: 'RS256', use: 'sig' };
    const real = await startEmulator({ entraJwks: { keys: [jwk] } });
    try {
      const [tid, oid] = [randomUUID(), randomUUID()];
      await rawRequest(real, { method: 'PUT', path: teamsAssignment(tid, oid), body: { principalType: 'user' } });
      const token = (iss: string) =>
        new SignJWT({ tid, oid, scp: 'TeamsExtension.ManageCalls', appid: randomUUID() })
          .setProtectedHeader({ alg: 'RS256', kid: 'entra' })
          .setIssuer(iss)
          .setAudience('https://auth.msft.communication.azure.com')
          .setIssuedAt()
          .setExpirationTime('1h')
          .sign(privateKey);
      expect((await exchange('teamsExtension', await token(`https://login.microsoftonline.com/${tid}/v2.0`), real)).status).toBe(200);
      expect((await exchange('teamsExtension', await token(`https://sts.windows.net/${tid}/`), real)).status).toBe(200);
      expect(errorOf(await exchange('teamsExtension', await token(`https://login.microsoftonline.com/${randomUUID()}/v2.0`), real))).toEqual([401, 'InvalidAccessToken']);
      expect(errorOf(await exchange('teamsExtension', await token('https://evil.example/'), real))).toEqual([401, 'InvalidAccessToken']);
    } finally {
      await real.close();
    }
  });
});

describe('the development Entra issuer', () => {
  it('mints Entra-shaped claims for the scopes it is asked, through its TokenCredential too', async () => {
    const [tid, oid] = [randomUUID(), randomUUID()];
    const credential = issuer.credential({ tenantId: tid, userId: oid });
    const teams = await credential.getToken([TEAMS_EXTENSION_SCOPE]);
    expect(decodeJwt(teams.token)).toMatchObject({
      iss: `https://login.dev-entra.invalid/${tid}/v2.0`,
      aud: 'https://auth.msft.communication.azure.com',
      scp: 'TeamsExtension.ManageCalls',
      tid,
      oid,
      appid: DEV_ENTRA_CLIENT_ID,
      ver: '2.0',
    });
    expect(teams.expiresOnTimestamp).toBe(decodeJwt(teams.token).exp! * 1000);
    expect(decodeJwt((await credential.getToken('https://communication.azure.com/clients/.default')).token)).toMatchObject({
      aud: 'https://communication.azure.com/clients',
      scp: 'VoIP',
    });
    await expect(issuer.mintToken({ tenantId: tid, userId: oid, scopes: [TEAMS_EXTENSION_SCOPE, ENTRA_SCOPE] })).rejects.toThrow(/same resource/);
    await expect(issuer.mintToken({ tenantId: 'contoso', userId: oid })).rejects.toThrow(/tenantId must be a GUID/);
  });

  it('mints through POST /_emulator/entra/token for other languages, and publishes its keys', async () => {
    const [tid, oid] = [randomUUID(), randomUUID()];
    const minted = await admin(emu, 'entra/token', { body: { tenantId: tid, userId: oid, scopes: [TEAMS_EXTENSION_SCOPE] } });
    expect(minted.status).toBe(200);
    expect(decodeJwt(String(minted.body['token']))).toMatchObject({ tid, oid, scp: 'TeamsExtension.ManageCalls' });
    expect((await admin(emu, 'entra/jwks')).body).toEqual(issuer.jwks);
    expect((await admin(emu, 'entra/token', { body: { tenantId: 'x', userId: oid } })).status).toBe(400);
    expect((await admin(emu, 'entra/token', { body: { tenantId: tid, userId: oid, admin: true } })).status).toBe(400);
    const bare = await startEmulator();
    try {
      expect((await admin(bare, 'entra/token', { body: { tenantId: tid, userId: oid } })).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('also signs Teams user tokens that POST /teamsUser/:exchangeAccessToken accepts', async () => {
    const [tid, oid, app] = [randomUUID(), randomUUID(), randomUUID()];
    const teamsUserAadToken = await issuer.mintToken({ tenantId: tid, userId: oid, appId: app, scopes: ['https://auth.msft.communication.azure.com/Teams.ManageCalls'] });
    const client = new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true });
    const { token } = await client.getTokenForTeamsUser({ teamsUserAadToken, clientId: app, userObjectId: oid });
    expect((await introspect(emu, token)).body).toMatchObject({ active: true, identity: `8:orgid:${oid}`, kind: 'microsoftTeamsUser' });
  });
});
