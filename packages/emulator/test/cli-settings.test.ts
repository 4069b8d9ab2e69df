// Settings from the command line and the environment, observed from outside: throttling, fault shares,
// latency, and the development Entra issuer's tokens minted by `acs-identity-emulator entra-token`.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, launch, run, type Launched } from './cliProcess.js';
import { encodedPath, rawRequest, type RawResponse } from './helpers.js';

const [command, baseArgs] = bin();
let cache: string;
let running: Launched | undefined;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'acs-emulator-settings-'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
});
afterAll(() => rm(cache, { recursive: true, force: true }));

const start = async (args: string[], env: Record<string, string> = {}) =>
  (running = await launch(command, [...baseArgs, ...args], { XDG_CACHE_HOME: cache, ...env }));
const create = (emu: Launched) => rawRequest(emu, { method: 'POST', path: '/identities?api-version=2023-10-01' });
const idOf = (res: RawResponse) => (res.body as { identity: { id: string } }).identity.id;

describe('rate limits from the command line', () => {
  it('answers 429 with Retry-After past --rate-limit create=3, and leaves other operations alone', async () => {
    const emu = await start(['--rate-limit', 'create=3']);
    const firstCreated = create(emu);
    const statuses = [(await firstCreated).status];
    for (let i = 0; i < 3; i++) statuses.push((await create(emu)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const throttled = await create(emu);
    expect(throttled.status).toBe(429);
    expect(throttled.body).toEqual({ error: { code: 'TooManyRequests', message: 'Rate limit exceeded. Try again later.' } });
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30); // the rest of the documented 30 s window
    expect(emu.stderr()).toContain('rate limits per 30000 ms: create=3');
    const issued = await rawRequest(emu, { method: 'POST', path: encodedPath(idOf(await firstCreated), '/:issueAccessToken'), body: { scopes: ['chat'] } });
    expect(issued.status).toBe(200);
  });

  it('takes ACS_EMULATOR_RATE_LIMITS, the command line overriding it per operation, and a shorter window', async () => {
    const emu = await start(['--rate-limit', 'create=2', '--rate-limit-window', '2000'], { ACS_EMULATOR_RATE_LIMITS: 'create=1,issue=1' });
    expect([(await create(emu)).status, (await create(emu)).status, (await create(emu)).status]).toEqual([201, 201, 429]);
    // A window opens with the first request after the last one closed.
    await new Promise((r) => setTimeout(r, 2100));
    const id = idOf(await create(emu));
    const issue = () => rawRequest(emu, { method: 'POST', path: encodedPath(id, '/:issueAccessToken'), body: { scopes: ['chat'] } });
    expect([(await issue()).status, (await issue()).status]).toEqual([200, 429]);
  });

  it('lifts every limit with --rate-limit off', async () => {
    const emu = await start(['--rate-limit', 'off', '--rate-limit-window', '60000'], { ACS_EMULATOR_RATE_LIMITS: 'create=1' });
    for (let i = 0; i < 5; i++) expect((await create(emu)).status).toBe(201);
  });
});

describe('faults from the command line', () => {
  it('fails about the share --fault sets, on that operation only', async () => {
    const emu = await start(['--fault', 'issue=503:30%', '--retry-after', '2']);
    const id = idOf(await create(emu));
    const n = 400;
    let failed = 0;
    for (let i = 0; i < n; i++) {
      const res = await rawRequest(emu, { method: 'POST', path: encodedPath(id, '/:issueAccessToken'), body: { scopes: ['voip'] } });
      if (res.status === 503) {
        failed += 1;
        expect(res.headers['retry-after']).toBe('2');
      } else expect(res.status).toBe(200);
    }
    // Binomial(400, 0.3): mean 120, sd 9.2; [70, 170] is more than 5 sd each way (flakes below 1 in 10^6).
    expect(failed).toBeGreaterThanOrEqual(70);
    expect(failed).toBeLessThanOrEqual(170);
    // Creates are not faulted: 60 clean ones would happen with chance 0.7^60 < 10^-9 under a global 30% rule.
    for (let i = 0; i < 60; i++) expect((await create(emu)).status).toBe(201);
    console.log(`--fault issue=503:30%: ${failed} of ${n} issue calls answered 503 (${((failed / n) * 100).toFixed(1)}%)`);
  }, 120_000);

  it('takes ACS_EMULATOR_FAULTS and ACS_EMULATOR_LATENCY, per operation or for all', async () => {
    const emu = await start([], { ACS_EMULATOR_FAULTS: 'create=500:1', ACS_EMULATOR_LATENCY: 'get=0,300' });
    const started = Date.now();
    const res = await create(emu);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'InternalServerError', message: 'An internal server error occurred.' } });
    // The admin route shows, and changes, what the environment set.
    const faults = await fetch(new URL('_emulator/faults', emu.endpoint)).then((r) => r.json());
    expect(faults).toEqual({ latencyMs: 300, byOperation: { create: { errorRate: 1, errorStatus: 500 }, get: { latencyMs: 0 } } });
    await fetch(new URL('_emulator/faults', emu.endpoint), { method: 'PUT', body: '{}' });
    expect((await create(emu)).status).toBe(201);
  });
});

describe('acs-identity-emulator entra-token', () => {
  it('mints a token of the development issuer that an emulator with the same --data-dir accepts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'acs-emulator-entra-'));
    try {
      const emu = await start(['--data-dir', dataDir]);
      const [tenantId, userId] = [randomUUID(), randomUUID()];
      const assign = await rawRequest(emu, {
        method: 'PUT',
        path: `/access/teamsExtension/tenants/${tenantId}/assignments/${userId}?api-version=2025-06-30`,
        body: { principalType: 'user' },
      });
      expect(assign.status).toBe(201);
      const minted = run(command, [...baseArgs, 'entra-token', '--data-dir', dataDir, '--tenant-id', tenantId, '--user-id', userId, '--scope', 'https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls']);
      expect(minted.code).toBe(0);
      const token = minted.stdout.trim();
      expect(token.split('.')).toHaveLength(3);
      const exchanged = await rawRequest(emu, {
        method: 'POST',
        path: '/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30',
        body: {},
        unsigned: true,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(exchanged.status).toBe(200);
      expect(exchanged.body).toMatchObject({ identity: { id: expect.stringContaining(`_${tenantId}_${userId}`) } });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
