// Requests the real service rejects, with the exact status and body the emulator answers.
import { randomBytes } from 'node:crypto';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { encodedPath, rawRequest } from './helpers.js';

describe('emulator rejections', () => {
  let emu: RunningEmulator;
  let userId: string;
  beforeAll(async () => {
    emu = await startEmulator();
    const created = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
    userId = (created.body as { identity: { id: string } }).identity.id;
  });
  afterAll(() => emu.close());

  const issue = (body: unknown, id = userId) =>
    rawRequest(emu, { method: 'POST', path: encodedPath(id, '/:issueAccessToken'), body });

  it('accepts a correctly hand-signed request', async () => {
    const res = await issue({ scopes: ['chat'] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    // The service's form: up to 7 fraction digits with trailing zeros trimmed (the replay test checks it in full).
    expect((res.body as { expiresOn: string }).expiresOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,6}[1-9])?\+00:00$/);
  });

  it('rejects a wrong key with 401 Denied', async () => {
    const res = await rawRequest(emu, {
      method: 'POST',
      path: '/identities?api-version=2023-10-01',
      key: randomBytes(32).toString('base64'),
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'Denied', message: 'Denied by the resource provider.' } });
  });

  it('rejects a wrong key through the SDK too', async () => {
    const wrong = `endpoint=${emu.endpoint};accesskey=${randomBytes(32).toString('base64')}`;
    const client = new CommunicationIdentityClient(wrong, { allowInsecureConnection: true });
    await expect(client.createUser()).rejects.toMatchObject({ statusCode: 401, code: 'Denied' });
  });

  it('rejects a tampered body with the content-hash message', async () => {
    const res = await rawRequest(emu, {
      method: 'POST',
      path: encodedPath(userId, '/:issueAccessToken'),
      body: { scopes: ['chat'] },
      sentBody: JSON.stringify({ scopes: ['chat', 'voip'] }),
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'Denied', message: "Request 'x-ms-content-sha256' differs from generated content hash." },
    });
  });

  it('rejects a date older than 15 minutes, and accepts one just inside', async () => {
    const stale = await rawRequest(emu, {
      method: 'POST',
      path: '/identities?api-version=2023-10-01',
      date: new Date(Date.now() - 16 * 60_000).toUTCString(),
    });
    expect(stale.status).toBe(401);
    expect(stale.body).toEqual({ error: { code: 'Denied', message: 'Denied by the resource provider.' } });
    const recent = await rawRequest(emu, {
      method: 'POST',
      path: '/identities?api-version=2023-10-01',
      date: new Date(Date.now() - 14 * 60_000).toUTCString(),
    });
    expect(recent.status).toBe(201);
  });

  it('rejects a request sent to another path than the one signed', async () => {
    const res = await rawRequest(emu, {
      method: 'POST',
      path: '/identities?api-version=2022-10-01',
      signedPath: '/identities?api-version=2023-10-01',
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'Denied', message: 'Denied by the resource provider.' } });
  });

  it('rejects empty scopes with 400 ValidationError on scopes', async () => {
    const res = await issue({ scopes: [] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: 'ValidationError', message: 'Invalid scopes - Scopes field is required.', target: 'scopes' },
    });
  });

  it('rejects an unknown scope with 400', async () => {
    const res = await issue({ scopes: ['chat', 'pstn'] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'ValidationError', target: 'scopes' } });
  });

  it.each([59, 1441])('rejects expiresInMinutes %i with the real message', async (minutes) => {
    const res = await issue({ scopes: ['chat'], expiresInMinutes: minutes });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'ValidationError',
        message: `ExpiresInMinutes value ${minutes} is invalid. Value must be within the [60, 1440] interval.`,
        target: 'ExpiresInMinutes',
      },
    });
  });

  it('rejects the same range on createUserAndToken, through the SDK', async () => {
    const client = new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true });
    await expect(client.createUserAndToken(['chat'], { tokenExpiresInMinutes: 1441 })).rejects.toMatchObject({
      statusCode: 400,
      code: 'ValidationError',
      message: 'ExpiresInMinutes value 1441 is invalid. Value must be within the [60, 1440] interval.',
    });
  });

  it('answers 404 for an id after deletion, on every operation', async () => {
    const created = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
    const id = (created.body as { identity: { id: string } }).identity.id;
    expect((await rawRequest(emu, { method: 'DELETE', path: encodedPath(id) })).status).toBe(204);

    const expected = { error: { code: 'IdentityNotFound', message: 'Identity with the provided id was not found.' } };
    for (const r of [
      { method: 'POST', path: encodedPath(id, '/:issueAccessToken'), body: { scopes: ['chat'] } },
      { method: 'POST', path: encodedPath(id, '/:revokeAccessTokens') },
      { method: 'DELETE', path: encodedPath(id) },
    ]) {
      const res = await rawRequest(emu, r);
      expect([r.method, r.path, res.status, res.body]).toEqual([r.method, r.path, 404, expected]);
    }
  });

  it('answers 401 IdentityNotOwned for an id of another resource', async () => {
    const foreign = '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000';
    const res = await issue({ scopes: ['chat'] }, foreign);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'IdentityNotOwned', message: "Provided identity doesn't belong to the resource." },
    });
  });

  it.each(['2024-01-01', '2020-07-20-preview2'])('answers api-version %s like the real service answers an unsupported one', async (v) => {
    // 2020-07-20-preview2 is still named by the service, but its shapes are not implemented here.
    const res = await rawRequest(emu, { method: 'POST', path: `/identities?api-version=${v}` });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'UnsupportedApiVersion',
        message: `The HTTP resource that matches the request URI '${emu.endpoint}identities' does not support the API version '${v}'.`,
      },
    });
    expect(res.headers['api-supported-versions']).toContain('2023-10-01');
  });

  it('answers a missing api-version with 400 ApiVersionUnspecified', async () => {
    const res = await rawRequest(emu, { method: 'POST', path: '/identities' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'ApiVersionUnspecified' } });
  });

  it.each(['2021-03-07', '2021-10-31-preview', '2022-06-01', '2022-10-01', '2023-10-01', '2025-03-02-preview', '2025-06-30'])(
    'accepts api-version %s',
    async (v) => {
      const res = await rawRequest(emu, { method: 'POST', path: `/identities?api-version=${v}` });
      expect(res.status).toBe(201);
    },
  );

  it('works with the SDK pinned to an older api-version', async () => {
    // apiVersion is read by the SDK's generated client but missing from its public options type.
    const options = { allowInsecureConnection: true, apiVersion: '2022-06-01' };
    const client = new CommunicationIdentityClient(emu.connectionString, options);
    const { token } = await client.createUserAndToken(['voip']);
    expect(token).toBeTruthy();
  });
});
