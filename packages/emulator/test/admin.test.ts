// The admin routes take JSON from anyone on loopback: hostile bodies are refused with a 400 (a 413 past the
// 1 MiB cap) and the emulator keeps serving. Faults set there apply per operation.
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { admin, rawRequest } from './helpers.js';

describe('admin routes under attack', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  const putFaults = (init: { body?: unknown; rawBody?: string }) => admin(emu, 'faults', { method: 'PUT', ...init });
  const stillServes = async () => {
    expect((await admin(emu, 'health')).status).toBe(200);
    expect((await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' })).status).toBe(201);
  };

  it.each([
    ['malformed JSON', '{"latencyMs":', 'The request body is not valid JSON.'],
    ['arrays nested 100 000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'The request body nests deeper than 32 levels.'],
    ['objects nested 50 000 deep', `${'{"byOperation":'.repeat(50_000)}1${'}'.repeat(50_000)}`, 'The request body nests deeper than 32 levels.'],
    ['900 KB of unknown settings', JSON.stringify(Object.fromEntries(Array.from({ length: 45_000 }, (_, i) => [`k${i}`, i]))), "Unknown setting 'k0'"],
    ['a 900 KB string for latencyMs', JSON.stringify({ latencyMs: 'x'.repeat(900_000) }), 'latencyMs must be an integer from 0 to 300000.'],
    ['an array', '[1,2,3]', 'faults must be a JSON object.'],
    ['a huge number', '{"latencyMs":1e999}', 'latencyMs must be an integer'],
    ['a share above 1', '{"errorRate":2}', 'errorRate must be a number from 0 to 1.'],
    ['an unknown operation', '{"byOperation":{"mine":{"errorRate":0.5}}}', "Unknown setting 'byOperation.mine'"],
    ['a status faults cannot answer', '{"byOperation":{"issue":{"errorStatus":418}}}', 'byOperation.issue.errorStatus must be one of 429, 500, 502, 503, 504.'],
    ['__proto__ keys', '{"__proto__":{"latencyMs":5}}', "Unknown setting '__proto__'"],
  ])('answers %s with 400 and keeps serving', async (_name, rawBody, message) => {
    const res = await putFaults({ rawBody });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'ValidationError', message: expect.stringContaining(message) } });
    expect((await admin(emu, 'faults')).body).toEqual({});
    await stillServes();
  });

  it('answers a body over 1 MiB with 413 and keeps serving', async () => {
    const res = await putFaults({ rawBody: JSON.stringify({ latencyMs: 'x'.repeat(1_100_000) }) });
    expect(res.status).toBe(413);
    await stillServes();
  });

  it('refuses the same hostile bodies on the data plane and the other admin routes', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect((await admin(emu, 'introspect', { rawBody: deep })).status).toBe(400);
    expect((await admin(emu, 'introspect', { body: { token: 42 } })).status).toBe(400);
    const nestedScope = { scopes: [JSON.parse(`${'['.repeat(30)}"chat"${']'.repeat(30)}`)] };
    const created = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01', body: { createTokenWithScopes: nestedScope.scopes } });
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ error: { code: 'ValidationError', message: "Invalid scopes - Scope 'object' is not supported." } });
    expect((await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01', rawBody: deep })).status).toBe(400);
    await stillServes();
  });

  it('applies faults per operation, set at run time', async () => {
    const set = await putFaults({ body: { byOperation: { create: { errorRate: 1, errorStatus: 502 }, issue: { latencyMs: 250 } } } });
    expect(set).toEqual({ status: 200, body: { byOperation: { create: { errorRate: 1, errorStatus: 502 }, issue: { latencyMs: 250 } } } });
    const failed = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
    expect([failed.status, failed.body]).toEqual([502, { error: { code: 'BadGateway', message: expect.any(String) } }]);
    expect(failed.headers['api-supported-versions']).toBeUndefined();
    const id = emu.listIdentities()[0]!.id;
    const started = Date.now();
    const issued = await rawRequest(emu, { method: 'POST', path: `/identities/${encodeURIComponent(id)}/:issueAccessToken?api-version=2023-10-01`, body: { scopes: ['chat'] } });
    expect(issued.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    await putFaults({ body: {} });
    await stillServes();
  });
});
