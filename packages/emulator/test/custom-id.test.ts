// The 2025 api-versions: customId on create (idempotent) and GET /identities/{id}.
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { encodedPath, rawRequest } from './helpers.js';

describe.each(['2025-03-02-preview', '2025-06-30'])('api-version %s', (apiVersion) => {
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

describe('older api-versions', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it('ignore customId and do not serve GET /identities/{id}', async () => {
    const path = '/identities?api-version=2023-10-01';
    const a = await rawRequest(emu, { method: 'POST', path, body: { customId: 'x' } });
    const b = await rawRequest(emu, { method: 'POST', path, body: { customId: 'x' } });
    const idA = (a.body as { identity: { id: string } }).identity.id;
    expect(a.body).toEqual({ identity: { id: idA } });
    expect((b.body as { identity: { id: string } }).identity.id).not.toBe(idA);
    const got = await rawRequest(emu, { method: 'GET', path: encodedPath(idA) });
    expect(got.status).toBe(400);
    expect(got.body).toMatchObject({ error: { code: 'UnsupportedApiVersion' } });
  });
});
