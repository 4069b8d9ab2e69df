// customId (api-version 2025-03-02-preview) only where it exists and only once proven, and one identity per app
// user without it: real SDK and gateway against the emulator, real FerretDB.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signedHeaders, type ObservedRequest } from '@acs-identity-gateway/emulator';
import { startGateway } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { customIdFor } from '../../src/identity/appUser.js';
import { startFerretDb } from '../../src/local/embeddedMongo/index.js';
import { collectingLogger, startHarness, type Harness } from '../harness/gatewayHarness.js';
import { graphql, type GraphqlResponse } from '../harness/graphqlClient.js';
import { checkAgreement, countBy, recordFigures } from './agreement.js';
import { freePort } from '../harness/net.js';

const PREVIEW = '2025-03-02-preview';
const CREATE_USER = 'mutation($id: ID) { createUser(input: { appUserId: $id }) { created identity { id } } }';
const CREATE_USER_AND_TOKEN = 'mutation($id: ID) { createUserAndToken(input: { appUserId: $id, scopes: [CHAT] }) { created identity { id } accessToken { token } } }';
const codeOf = (response: GraphqlResponse<unknown>) => String(response.errors?.[0]?.extensions?.code ?? 'OK');
const idOf = (response: GraphqlResponse<any>) => (Object.values(response.data ?? {})[0] as { identity?: { id: string } } | undefined)?.identity?.id;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const WARNING = 'creating identities without customId';

/** What the gateway sent to POST /identities: the api-version of every creation that carried a customId. */
const customIdVersions = (seen: ObservedRequest[]) =>
  seen.filter((r) => r.operation === 'create' && typeof (r.body as { customId?: unknown } | undefined)?.customId === 'string').map((r) => r.apiVersion);

const metricState = async (h: Harness) =>
  (await h.gateway.metrics.registry.getSingleMetric('gateway_acs_custom_id')!.get()).values.find((v) => v.value === 1)?.labels['state'];
const readyzCustomId = async (url: string) => ((await (await fetch(new URL('/readyz', url))).json()) as { customId?: string }).customId;

/**
 * MongoDB goes down while ACS is creating a user's identity (the create held 1.5 s in the emulator), so the
 * mapping cannot be written; then it comes back and the reconciler runs.
 */
async function mongoCrashBetweenAcsAndMapping(options: { withoutPreview: boolean; name: string }) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-customid-crash-'));
  const port = await freePort();
  // A crash, not a shutdown: killed 1 ms after SIGTERM, before it can serve the mapping's write.
  const ferret = { dataDir, listenAddr: `127.0.0.1:${port}`, stopTimeoutMs: 1 };
  let mongo = await startFerretDb(ferret);
  const h = await startHarness({
    name: options.name,
    emulator: options.withoutPreview ? { withoutApiVersions: [PREVIEW] } : {},
    env: { MONGODB_URI: `mongodb://127.0.0.1:${port}/${options.name}`, MONGODB_TIMEOUT_MS: '700', RATE_LIMIT_STORE: 'off', RECONCILE_INTERVAL_MS: '0', RECONCILE_STALE_AFTER_MS: '1000' },
  });
  try {
    const admin = await h.tokenFor('crash-admin', ['identity.admin']);
    h.emulator.setFaults({ byOperation: { create: { latencyMs: 1500 } } });
    const creates = () => h.emulator.stats().requestsByOperation.create;
    const before = creates();
    const failing = h.gql(CREATE_USER, { id: 'crash-user' }, admin);
    while (creates() === before) await sleep(10);
    await mongo.stop();
    const failed = await failing;
    h.emulator.setFaults({});
    const liveAfterCrash = h.emulator.listIdentities().filter((i) => !i.deleted).length;
    mongo = await startFerretDb(ferret);
    await sleep(1100);
    let summary = await h.gateway.reconcile().catch(() => undefined);
    for (let i = 0; i < 100 && !summary; i += 1) summary = await sleep(200).then(() => h.gateway.reconcile().catch(() => undefined));
    const afterReconcile = await checkAgreement(h.emulator, h.mongoUri);
    const again = await h.gql(CREATE_USER, { id: 'crash-user' }, admin);
    const final = await checkAgreement(h.emulator, h.mongoUri);
    return { failed, liveAfterCrash, summary: summary!, afterReconcile, again, final, created: h.emulator.listIdentities() };
  } finally {
    await h.stop();
    await mongo.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('customId in force: an emulator that serves 2025-03-02-preview', () => {
  let h: Harness;
  const seen: ObservedRequest[] = [];
  beforeAll(async () => {
    h = await startHarness({ name: 'customid_in_use', emulator: { onRequest: (r) => seen.push(r) }, env: { RATE_LIMIT_STORE: 'off', RECONCILE_INTERVAL_MS: '0' } });
  });
  afterAll(() => h?.stop());

  it('proves customId at start (auto): the state is inUse in the metric and /readyz, and no warning', async () => {
    expect(await metricState(h)).toBe('inUse');
    expect(await readyzCustomId(h.gateway.url)).toBe('inUse');
    expect(h.logLines.filter((line) => line.includes(WARNING))).toEqual([]);
    // The probe's identity was deleted again: nothing of it outlives the start.
    expect(h.emulator.listIdentities().filter((i) => !i.deleted)).toEqual([]);
  });

  it.each(['auto', 'on'])('ACS_CUSTOM_ID=%s sends customId only at 2025-03-02-preview, and ACS binds the identity to it', async (mode) => {
    const gateway = await h.startInstance({ ACS_CUSTOM_ID: mode });
    const admin = await h.tokenFor(`admin-${mode}`, ['identity.admin']);
    seen.length = 0;
    const a = await graphql(gateway.url, CREATE_USER, { id: `bound-${mode}-a` }, admin);
    const b = await graphql(gateway.url, CREATE_USER_AND_TOKEN, { id: `bound-${mode}-b` }, admin);
    expect([codeOf(a), codeOf(b)]).toEqual(['OK', 'OK']);
    const versions = customIdVersions(seen);
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(versions)).toEqual(new Set([PREVIEW]));
    // Every creation carried one: none went without it at another version.
    expect(seen.filter((r) => r.operation === 'create').every((r) => r.apiVersion === PREVIEW)).toBe(true);
    for (const [response, appUserId] of [[a, `bound-${mode}-a`], [b, `bound-${mode}-b`]] as const) {
      const identity = h.emulator.listIdentities().find((i) => i.id === idOf(response));
      expect(identity?.customId).toBe(customIdFor({ issuer: h.issuer.issuer, appUserId }));
    }
  });

  it('a second creation with the same customId returns the first identity (MongoDB crashed between ACS and the mapping)', async () => {
    const run = await mongoCrashBetweenAcsAndMapping({ withoutPreview: false, name: 'customid_crash_in_use' });
    await recordFigures('customIdCrash', { afterReconcile: run.afterReconcile, reconcile: run.summary, final: run.final });
    expect(codeOf(run.failed)).toBe('UPSTREAM_UNAVAILABLE');
    // ACS made the identity; the mapping stays pending; the reconciler's creation with the same customId gets it back.
    expect(run.liveAfterCrash).toBe(1);
    expect(run.summary).toMatchObject({ completed: 1, rolledBack: 0 });
    expect(run.afterReconcile).toMatchObject({ liveAcsIdentities: 1, activeMappings: 1, orphans: [], dangling: [], unfinished: 0, duplicates: 0 });
    expect(codeOf(run.again)).toBe('OK');
    expect(run.final).toMatchObject({ liveAcsIdentities: 1, activeMappings: 1, orphans: [] });
    const live = run.created.filter((i) => !i.deleted);
    expect(live).toHaveLength(1);
    expect(idOf(run.again)).toBe(live[0]!.id);
  }, 120_000);
});

describe('without customId: an emulator without 2025-03-02-preview (stable versions ignore customId)', () => {
  let h: Harness;
  const seen: ObservedRequest[] = [];
  beforeAll(async () => {
    h = await startHarness({
      name: 'customid_not_in_use',
      emulator: { withoutApiVersions: [PREVIEW], onRequest: (r) => seen.push(r), rateLimits: { create: 'off' } },
      env: { RATE_LIMIT_STORE: 'off', RECONCILE_INTERVAL_MS: '0' },
    });
  });
  afterAll(() => h?.stop());

  it('runs without it (auto): one warning at start, notInUse in the metric and /readyz, no customId sent after the probe', async () => {
    expect(await metricState(h)).toBe('notInUse');
    expect(await readyzCustomId(h.gateway.url)).toBe('notInUse');
    const admin = await h.tokenFor('plain-admin', ['identity.admin']);
    seen.length = 0;
    for (const id of ['plain-1', 'plain-2']) expect(codeOf(await h.gql(CREATE_USER, { id }, admin))).toBe('OK');
    expect(customIdVersions(seen)).toEqual([]);
    expect(seen.filter((r) => r.operation === 'create').map((r) => r.apiVersion)).toEqual(['2023-10-01', '2023-10-01']);
    expect(h.logLines.filter((line) => line.includes(WARNING))).toHaveLength(1);
  });

  it('keeps one identity per app user under 30 racing creations across three gateway instances', async () => {
    const instances = [h.gateway, await h.startInstance(), await h.startInstance()];
    const admin = await h.tokenFor('race-admin', ['identity.admin']);
    const users = Array.from({ length: 30 }, (_, i) => `norace-${i}`);
    const calls = Array.from({ length: 300 }, (_, i) => ({ url: instances[i % 3]!.url, query: i % 2 ? CREATE_USER : CREATE_USER_AND_TOKEN, id: users[i % 30]! }));
    const before = await checkAgreement(h.emulator, h.mongoUri);
    const results = await Promise.all(calls.map((call) => graphql(call.url, call.query, { id: call.id }, admin)));
    const idsPerUser = new Map<string, Set<string>>();
    results.forEach((result, i) => {
      const id = idOf(result);
      if (id) idsPerUser.set(calls[i]!.id, (idsPerUser.get(calls[i]!.id) ?? new Set()).add(id));
    });
    const agreement = await checkAgreement(h.emulator, h.mongoUri);
    await recordFigures('racesWithoutCustomId', { calls: calls.length, outcomes: countBy(results, codeOf), agreement });
    expect(countBy(results, codeOf)).toEqual({ OK: 300 });
    expect(idsPerUser.size).toBe(30);
    expect([...idsPerUser.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(agreement).toMatchObject({ liveAcsIdentities: before.liveAcsIdentities + 30, orphans: [], dangling: [], unfinished: 0, duplicates: 0 });
  });

  it('MongoDB crashed between ACS and the mapping: the identity is undone at once, the reconciler settles the mapping', async () => {
    const run = await mongoCrashBetweenAcsAndMapping({ withoutPreview: true, name: 'customid_crash_not_in_use' });
    await recordFigures('noCustomIdCrash', { afterReconcile: run.afterReconcile, reconcile: run.summary, final: run.final });
    expect(codeOf(run.failed)).toBe('UPSTREAM_UNAVAILABLE');
    // Nothing could find that identity again without customId: the gateway deleted it when the mapping failed.
    expect(run.liveAfterCrash).toBe(0);
    expect(run.summary).toMatchObject({ rolledBack: 1, completed: 0 });
    expect(run.afterReconcile).toMatchObject({ liveAcsIdentities: 0, orphans: [], dangling: [], unfinished: 0, duplicates: 0 });
    expect(codeOf(run.again)).toBe('OK');
    expect(run.final).toMatchObject({ liveAcsIdentities: 1, activeMappings: 1, orphans: [], unfinished: 0, duplicates: 0 });
  }, 120_000);
});

describe('ACS_CUSTOM_ID=on', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'customid_on', emulator: { withoutApiVersions: [PREVIEW] }, env: { RATE_LIMIT_STORE: 'off', RECONCILE_INTERVAL_MS: '0' } });
  });
  afterAll(() => h?.stop());

  it('refuses to start when the resource cannot prove customId, and creates nothing', async () => {
    const lines: string[] = [];
    await expect(startGateway(loadConfig({ ...h.env, ACS_CUSTOM_ID: 'on' }), { logger: collectingLogger(lines) })).rejects.toThrow(
      /ACS_CUSTOM_ID is on, but customId could not be proven at start.*does not support api-version 2025-03-02-preview/,
    );
    expect(h.emulator.listIdentities().filter((i) => !i.deleted)).toEqual([]);
  });
});

describe('MultipleIdentitiesForCustomId (Azure/azure-sdk-for-js#38531)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'customid_conflict', env: { RATE_LIMIT_STORE: 'off', RECONCILE_INTERVAL_MS: '0', RECONCILE_STALE_AFTER_MS: '1000' } });
  });
  afterAll(() => h?.stop());

  /** Racing creations by another client left ACS two identities holding this customId. */
  async function raceTwoIdentities(customId: string): Promise<void> {
    h.emulator.setFaults({ customIdRaceMs: 100 });
    const endpoint = new URL(h.emulator.endpoint);
    const create = async () => {
      const body = JSON.stringify({ customId });
      const pathAndQuery = `/identities?api-version=${PREVIEW}`;
      const headers = signedHeaders(h.emulator.accessKey, { method: 'POST', pathAndQuery, host: endpoint.host, date: new Date().toUTCString(), body });
      const { host: _host, ...rest } = headers;
      return fetch(new URL(pathAndQuery, endpoint), { method: 'POST', headers: { ...rest, 'content-type': 'application/json' }, body });
    };
    expect((await Promise.all([create(), create()])).map((r) => r.status)).toEqual([201, 201]);
    h.emulator.setFaults({});
  }

  it('answers IDENTITY_CONFLICT, and the reconciler gives the user one fresh identity', async () => {
    const admin = await h.tokenFor('conflict-admin', ['identity.admin']);
    const user = { issuer: h.issuer.issuer, appUserId: 'twice-made' };
    await raceTwoIdentities(customIdFor(user));
    const refused = await h.gql(CREATE_USER, { id: user.appUserId }, admin);
    expect(codeOf(refused)).toBe('IDENTITY_CONFLICT');
    await sleep(1100);
    const summary = await h.gateway.reconcile();
    expect(summary).toMatchObject({ completed: 1, conflictsSettled: 1, failed: 0 });
    const settled = await h.gql(CREATE_USER, { id: user.appUserId }, admin);
    expect(codeOf(settled)).toBe('OK');
    expect(settled.data?.createUser.created).toBe(false);
    const identity = h.emulator.listIdentities().find((i) => i.id === idOf(settled));
    expect(identity).toMatchObject({ deleted: false });
    expect(identity?.customId).toBeUndefined();
    // The user's identity is the one the mapping holds, every time.
    expect(idOf(await h.gql(CREATE_USER_AND_TOKEN, { id: user.appUserId }, admin))).toBe(idOf(settled));
  });
});

/**
 * A resource that takes 2025-03-02-preview but does not bind customId: a proxy in front of the emulator drops
 * `identity.customId` from the answers (the request, and so its HMAC signature, stays as the gateway sent it).
 */
async function startEchoDroppingProxy(target: string): Promise<{ connectionString: (accessKey: string) => string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forwarded = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let body = Buffer.concat(parts).toString('utf8');
            try {
              const json = JSON.parse(body) as { identity?: { customId?: string } };
              if (json.identity) delete json.identity.customId;
              body = JSON.stringify(json);
            } catch {
              // not JSON: passed on as it came
            }
            const { 'content-length': _length, ...headers } = answer.headers;
            res.writeHead(answer.statusCode ?? 502, headers).end(body);
          });
        },
      );
      forwarded.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    connectionString: (accessKey) => `endpoint=http://127.0.0.1:${port}/;accesskey=${accessKey}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a resource that takes 2025-03-02-preview but does not echo customId', () => {
  let h: Harness;
  let proxy: Awaited<ReturnType<typeof startEchoDroppingProxy>>;
  beforeAll(async () => {
    h = await startHarness({ name: 'customid_no_echo', env: { RATE_LIMIT_STORE: 'off', RECONCILE_INTERVAL_MS: '0' } });
    proxy = await startEchoDroppingProxy(h.emulator.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await h?.stop();
  });

  it('auto: runs without it after one warning, and leaves no identity of its probe', async () => {
    const lines: string[] = [];
    const before = h.emulator.listIdentities().filter((i) => !i.deleted).length;
    const gateway = await startGateway(loadConfig({ ...h.env, COMMUNICATION_SERVICES_CONNECTION_STRING: proxy.connectionString(h.emulator.accessKey) }), {
      logger: collectingLogger(lines),
    });
    try {
      expect(await readyzCustomId(gateway.url)).toBe('notInUse');
      expect(lines.filter((line) => line.includes(WARNING) && line.includes('did not echo customId'))).toHaveLength(1);
      expect(h.emulator.listIdentities().filter((i) => !i.deleted)).toHaveLength(before);
      const admin = await h.tokenFor('echo-admin', ['identity.admin']);
      expect(codeOf(await graphql(gateway.url, CREATE_USER, { id: 'unechoed' }, admin))).toBe('OK');
      expect(lines.filter((line) => line.includes(WARNING))).toHaveLength(1);
    } finally {
      await gateway.stop();
    }
  });

  it('on: refuses to start, and leaves no identity of its probe', async () => {
    const before = h.emulator.listIdentities().filter((i) => !i.deleted).length;
    const config = loadConfig({ ...h.env, ACS_CUSTOM_ID: 'on', COMMUNICATION_SERVICES_CONNECTION_STRING: proxy.connectionString(h.emulator.accessKey) });
    await expect(startGateway(config, { logger: collectingLogger([]) })).rejects.toThrow(/did not echo customId at api-version 2025-03-02-preview/);
    expect(h.emulator.listIdentities().filter((i) => !i.deleted)).toHaveLength(before);
  });
});
