// Throttling and fault injection, and the SDK's retries on them.
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { admin, rawRequest } from './helpers.js';

const sdk = (emu: RunningEmulator, maxRetries?: number) =>
  new CommunicationIdentityClient(emu.connectionString, {
    allowInsecureConnection: true,
    ...(maxRetries === undefined ? {} : { retryOptions: { maxRetries } }),
  });

describe('faults and throttling', () => {
  let emu: RunningEmulator;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(() => emu.close());

  it('a forced 429 with Retry-After: 1 is retried by the SDK, which then succeeds', async () => {
    const user = await sdk(emu).createUser();
    emu.setFaults({ force429: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const { token } = await sdk(emu).getToken(user, ['chat']);
    expect(token).toBeTruthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(emu.stats().requestsByOperation.issue).toBe(2);
  });

  it('answers 429 with Retry-After and an error body', async () => {
    emu.setFaults({ force429: 1, retryAfterSeconds: 7 });
    const res = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body).toMatchObject({ error: { code: 'TooManyRequests' } });
  });

  it('enforces the per-operation limit per window', async () => {
    await emu.close();
    emu = await startEmulator({ rateLimits: { create: 2 } });
    const create = () => rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(201);
    const third = await create();
    expect(third.status).toBe(429);
    const retryAfter = Number(third.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(emu.stats()).toMatchObject({ rateLimited: 1, faultsInjected: 0 });
    // Other operations keep their own budget.
    const id = emu.listIdentities()[0]!.id;
    const issued = await rawRequest(emu, {
      method: 'POST',
      path: `/identities/${encodeURIComponent(id)}/:issueAccessToken?api-version=2023-10-01`,
      body: { scopes: ['chat'] },
    });
    expect(issued.status).toBe(200);
  });

  it('adds latency set at start', async () => {
    await emu.close();
    emu = await startEmulator({ faults: { latencyMs: 300 } });
    const started = Date.now();
    await sdk(emu).createUser();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('answers a 503 rate, which the SDK retries and gives up on after its retries', async () => {
    emu.setFaults({ errorRate: 1, errorStatus: 503, retryAfterSeconds: 0 });
    const res = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: { code: 'ServiceUnavailable' } });

    await expect(sdk(emu, 2).createUser()).rejects.toMatchObject({ statusCode: 503 });
    expect(emu.stats().requestsByOperation.create).toBe(1 + 3);
  });

  it('answers 500s at the configured rate', async () => {
    emu.setFaults({ errorRate: 1, errorStatus: 500 });
    const res = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
    expect(res.status).toBe(500);
  });

  it('a partial error rate fails roughly that share of requests', async () => {
    emu.setFaults({ errorRate: 0.5 });
    let failed = 0;
    for (let i = 0; i < 200; i++) {
      const res = await rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
      if (res.status === 503) failed += 1;
    }
    expect(failed).toBeGreaterThan(60);
    expect(failed).toBeLessThan(140);
  });

  it('takes and reports faults through PUT/GET /_emulator/faults', async () => {
    const put = await admin(emu, 'faults', { method: 'PUT', body: { force429: 2, retryAfterSeconds: 0 } });
    expect(put).toEqual({ status: 200, body: { force429: 2, retryAfterSeconds: 0 } });
    const create = () => rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
    expect((await create()).status).toBe(429);
    expect((await admin(emu, 'faults')).body).toEqual({ force429: 1, retryAfterSeconds: 0 });
    expect((await create()).status).toBe(429);
    expect((await create()).status).toBe(201);

    const bad = await admin(emu, 'faults', { method: 'PUT', body: { errorRate: 2 } });
    expect(bad.status).toBe(400);
    await admin(emu, 'faults', { method: 'PUT', body: {} });
    expect((await create()).status).toBe(201);
  });

  it('never delays or fails the emulator-only routes', async () => {
    emu.setFaults({ errorRate: 1, latencyMs: 2000 });
    const started = Date.now();
    expect((await admin(emu, 'health')).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
