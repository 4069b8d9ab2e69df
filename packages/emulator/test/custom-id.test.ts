// customId on create (idempotent) and GET /identities/{id}: only at 2025-03-02-preview, whose spec has them.
import { ACCEPTED_API_VERSIONS, startEmulator, type RunningEmulator } from '../src/index.js';
import { encodedPath, rawRequest } from './helpers.js';

const PREVIEW = '2025-03-02-preview';
// Every version that serves POST /identities, except the one with customId.
const WITHOUT_CUSTOM_ID = ACCEPTED_API_VERSIONS.filter((v) => v !== PREVIEW && v !== '2025-03-31-preview');

describe.each([PREVIEW])('api-version %s', (apiVersion) => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  const create = (body?: unknown) => rawRequest(emu, { method: 'POST', path: `/identities?api-version=${apiVersion}`, body });

  it('returns the same identity for the same customId, 201 both times', async () => {
    const first = await create({ customId: 'sally@contoso.com' });
    const again = await create({ customId: 'sally@contoso.com', createTokenWithScopes: ['chat'] });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    const firstId = (first.body as { identity: { id: string } }).identity.id;
    // As recorded: the identity as it was before this request's token, so no lastTokenIssuedAt yet.
    expect(again.body).toEqual({
      identity: { id: firstId, customId: 'sally@contoso.com' },
      accessToken: { token: expect.any(String), expiresOn: expect.any(String) },
    });
    const third = await create({ customId: 'sally@contoso.com' });
    expect(third.body).toEqual({
      identity: { id: firstId, customId: 'sally@contoso.com', lastTokenIssuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/) },
    });
    const other = await create({ customId: 'bob@contoso.com' });
    expect((other.body as { identity: { id: string } }).identity.id).not.toBe(firstId);
  });

  it('GET /identities/{id} returns id, customId and lastTokenIssuedAt', async () => {
    const created = await create({ customId: 'carol@contoso.com', createTokenWithScopes: ['voip'] });
    const id = (created.body as { identity: { id: string } }).identity.id;
    const got = await rawRequest(emu, { method: 'GET', path: encodedPath(id, '', apiVersion) });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ id, customId: 'carol@contoso.com', lastTokenIssuedAt: expect.any(String) });
  });

  it('a deleted identity frees its customId and GET answers 404', async () => {
    const created = await create({ customId: 'dave@contoso.com' });
    const id = (created.body as { identity: { id: string } }).identity.id;
    expect((await rawRequest(emu, { method: 'DELETE', path: encodedPath(id, '', apiVersion) })).status).toBe(204);
    expect((await rawRequest(emu, { method: 'GET', path: encodedPath(id, '', apiVersion) })).status).toBe(404);
    const recreated = await create({ customId: 'dave@contoso.com' });
    expect((recreated.body as { identity: { id: string } }).identity.id).not.toBe(id);
  });
});

describe.each(WITHOUT_CUSTOM_ID)('api-version %s (no customId in its spec)', (apiVersion) => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it('ignores customId (an unknown field, inferred): the same customId twice gives two identities, none echoed', async () => {
    const path = `/identities?api-version=${apiVersion}`;
    const a = await rawRequest(emu, { method: 'POST', path, body: { customId: 'x' } });
    const b = await rawRequest(emu, { method: 'POST', path, body: { customId: 'x', createTokenWithScopes: ['chat'] } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const idA = (a.body as { identity: { id: string } }).identity.id;
    expect(a.body).toEqual({ identity: { id: idA } });
    expect(b.body).toEqual({ identity: { id: expect.any(String) }, accessToken: expect.any(Object) });
    expect((b.body as { identity: { id: string } }).identity.id).not.toBe(idA);
    expect(emu.listIdentities().every((identity) => identity.customId === undefined)).toBe(true);
  });

  it('does not serve GET /identities/{id}', async () => {
    const a = await rawRequest(emu, { method: 'POST', path: `/identities?api-version=${apiVersion}` });
    const got = await rawRequest(emu, { method: 'GET', path: encodedPath((a.body as { identity: { id: string } }).identity.id, '', apiVersion) });
    expect(got.status).toBe(400);
    expect(got.body).toMatchObject({ error: { code: 'UnsupportedApiVersion' } });
  });
});

describe('a resource without the preview (withoutApiVersions)', () => {
  it('refuses 2025-03-02-preview with 400 UnsupportedApiVersion and serves the others', async () => {
    const emu = await startEmulator({ withoutApiVersions: [PREVIEW] });
    try {
      const refused = await rawRequest(emu, { method: 'POST', path: `/identities?api-version=${PREVIEW}`, body: { customId: 'x' } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'UnsupportedApiVersion' } });
      expect((await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' })).status).toBe(201);
      expect(emu.listIdentities()).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });
});

describe('racing creations with one customId (customIdRaceMs, Azure/azure-sdk-for-js#38531)', () => {
  it('each make an identity, and later creations get 409 MultipleIdentitiesForCustomId', async () => {
    const emu = await startEmulator({ faults: { customIdRaceMs: 50 } });
    try {
      const path = `/identities?api-version=${PREVIEW}`;
      const racing = await Promise.all(Array.from({ length: 5 }, () => rawRequest(emu, { method: 'POST', path, body: { customId: 'racy' } })));
      expect(racing.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(racing.map((r) => (r.body as { identity: { id: string } }).identity.id)).size).toBe(5);
      emu.setFaults({});
      const later = await rawRequest(emu, { method: 'POST', path, body: { customId: 'racy' } });
      expect(later.status).toBe(409);
      expect(later.body).toMatchObject({ error: { code: 'MultipleIdentitiesForCustomId' } });
      // Atomic without the fault: one identity however many race.
      const atomic = await Promise.all(Array.from({ length: 5 }, () => rawRequest(emu, { method: 'POST', path, body: { customId: 'calm' } })));
      expect(new Set(atomic.map((r) => (r.body as { identity: { id: string } }).identity.id)).size).toBe(1);
    } finally {
      await emu.close();
    }
  });
});
