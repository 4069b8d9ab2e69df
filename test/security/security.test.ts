// Issue 11's attacks replayed against the built gateway, run as `npm start` runs it (its heap cap included), in
// production mode. Each one must be refused with a stable code while /healthz answers throughout and afterwards,
// and memory must stay bounded. The figures go to test-artifacts/security-figures.json.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mongoose from 'mongoose';
import { startEmulator, type RunningEmulator } from '@acs-identity-gateway/emulator';
import { buildOnce, startGatewayProcess, type GatewayProcess } from '../harness/gatewayProcess.js';
import { startTestIssuer, type TestIssuer } from '../harness/testIssuer.js';
import { uniqueDbUri } from '../support/mongo.js';
import * as attack from './attacks.js';

const HEADERS_TIMEOUT_MS = 2000;
const TEAMS_CLIENT_ID = randomUUID();
const TEAMS_TENANT_ID = randomUUID();
const REQUEST_TIMEOUT_MS = 4000;

let emulator: RunningEmulator;
let issuer: TestIssuer;
let gateway: GatewayProcess;
let target: attack.Target;
let mongoUri: string;
const figures: Record<string, unknown> = {};

/** Runs one attack with /healthz watched, and records what it did to memory. */
async function replay<T>(name: string, run: () => Promise<T>): Promise<T & { health: { probes: number; failures: number; maxMs: number } }> {
  const before = await attack.memory(target);
  const watch = attack.watchHealth(target);
  const result = await run();
  const health = await watch.stop();
  const after = await attack.memory(target);
  figures[name] = { ...result, health, memory: { before, after } };
  expect(gateway.exited()).toBe(false);
  expect(health.failures).toBe(0);
  expect(health.probes).toBeGreaterThan(0);
  // The heap stays well inside the 128 MiB cap `npm start` sets.
  expect(after.heapMiB).toBeLessThan(100);
  return { ...result, health };
}

beforeAll(async () => {
  buildOnce();
  issuer = await startTestIssuer();
  // ACS checks Teams tokens against the keys the gateway fetches: the test issuer stands in for Entra ID.
  emulator = await startEmulator({ rateLimits: { create: 'off', issue: 'off', revoke: 'off', delete: 'off' }, teamsJwks: new URL(issuer.jwksUri) });
  mongoUri = uniqueDbUri('security');
  gateway = await startGatewayProcess({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    // info: the readiness line is an info line; the harness keeps only the output's tail.
    LOG_LEVEL: 'info',
    MONGODB_URI: mongoUri,
    COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString,
    ...issuer.env,
    // Production keeps introspection off; on here, so that its own bound is what refuses the bomb.
    INTROSPECTION: 'true',
    // The attacks are free documents, which production refuses unread by default (trusted documents only); off here,
    // so that each limit behind that gate is what refuses them (test/gateway/trustedDocuments.test.ts attacks the gate).
    TRUSTED_DOCUMENTS_ONLY: 'false',
    TRUST_PROXY: '1',
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    RECONCILE_INTERVAL_MS: '0',
    // The default port is 9464; on a shared machine any free one. Where /metrics is served is otherwise left at its
    // production default: not on the API port.
    METRICS_PORT: '0',
    TEAMS_CLIENT_ID,
    TEAMS_TENANT_ID,
    TEAMS_JWKS_URI: issuer.jwksUri,
  });
  target = { url: gateway.url, metricsUrl: gateway.metricsUrl! };
}, 120_000);

afterAll(async () => {
  await mkdir('test-artifacts', { recursive: true });
  await writeFile(path.join('test-artifacts', 'security-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  await gateway?.stop();
  await issuer?.close();
  await emulator?.close();
});

describe('attacks on the gateway, as `npm start` runs it in production mode', () => {
  it('a flood of 9,000-letter operation names adds no metric label', async () => {
    const result = await replay('metricsLabelFlood', () => attack.metricsLabelFlood({ ...target, from: '192.0.2.1' }));
    expect(result.namesInMetrics).toBe(0);
    expect(result.metricsBytes).toBeLessThan(100_000);
    // Anonymous: the per-IP budget (60 a minute) answers the rest RATE_LIMITED, with 429.
    expect(result.codes).toEqual({ OK: 60, RATE_LIMITED: 340 });
    expect(result.statuses['429']).toBe(340);
  }, 120_000);

  it('_entities with 1,900 representations is refused before any lookup; within the cap, each one is charged', async () => {
    const token = await issuer.token('mallory');
    const flood = await replay('entitiesFlood', () => attack.entitiesFlood(target, token));
    expect(flood.bodyBytes).toBeLessThan(102_400);
    expect(flood.codes).toEqual({ BAD_USER_INPUT: 6 });
    expect(flood.statuses).toEqual({ 400: 6 });

    // 600 representations a minute: twelve requests of 50, then the budget is spent.
    const joiner = await issuer.token('joiner');
    const withinCap = await replay('entitiesWithinCap', () => attack.entitiesWithinCap(target, joiner, 13, 50));
    expect(withinCap.codes).toEqual({ OK: 12, RATE_LIMITED: 1 });
    expect(withinCap.firstJoined).toBe(50);
  }, 120_000);

  it('operator objects in every id-typed input and representation are refused as bad input and reach no filter', async () => {
    const admin = await issuer.token('operator-admin', { roles: ['identity.admin'] });
    // Someone else's identity, which a $regex oracle would have revealed.
    const victim = await issuer.token('victim');
    await attack.post(target, { query: 'mutation { createUser { identity { id } } }' }, { authorization: `Bearer ${victim}` });
    const result = await replay('operatorObjects', () => attack.operatorObjects(target, admin));
    expect(result.byInput).toHaveLength(40);
    for (const { input, operator, answer } of result.byInput) {
      expect({ input, operator, code: answer.errors?.[0]?.extensions?.code }).toEqual({ input, operator, code: 'BAD_USER_INPUT' });
      expect(JSON.stringify(answer.data ?? null)).not.toContain('8:acs:');
    }
  }, 120_000);

  it('rotating the client-written part of X-Forwarded-For does not escape the per-IP budget', async () => {
    const result = await replay('rotatedForwardedFor', () => attack.rotatedForwardedFor(target));
    expect(result.codes).toEqual({ OK: 60, RATE_LIMITED: 30 });
  }, 60_000);

  it('a 95 KB app user id is refused as bad input and never stored in the audit trail', async () => {
    const admin = await issuer.token('huge-id-admin', { roles: ['identity.admin'] });
    const result = await replay('hugeAppUserId', () => attack.hugeAppUserId(target, admin));
    expect(result.codes).toEqual({ BAD_USER_INPUT: 20 });
    expect(result.fields).toEqual(['appUserId']);
    const connection = await mongoose.createConnection(mongoUri).asPromise();
    try {
      const events = await connection.collection('audit_events').find({ actorId: 'huge-id-admin' }).toArray();
      expect(events).toHaveLength(20);
      const stored = Buffer.byteLength(JSON.stringify(events));
      (figures['hugeAppUserId'] as Record<string, unknown>).auditBytesStored = stored;
      expect(stored).toBeLessThan(20 * 1024);
      for (const event of events) expect(event.subjectAppUserId).toMatch(/^invalid:sha256:[0-9a-f]{16}$/);
    } finally {
      await connection.close();
    }
  }, 60_000);

  it('a flood of forged bearer tokens is cut off after the per-IP budget, without more signature checks', async () => {
    const forged = await (await startTestIssuer()).token('mallory'); // well-formed, signed by a key nobody trusts
    const result = await replay('rejectedTokenFlood', () => attack.rejectedTokenFlood({ ...target, from: '192.0.2.2' }, forged));
    expect(result.codes).toEqual({ UNAUTHENTICATED: 60, RATE_LIMITED: 140 });
    expect(result.statuses).toEqual({ 401: 60, 429: 140 });
    expect(Number(result.retryAfter)).toBeGreaterThan(0);
    // Signature checks stop once the IP is over its budget: 60, plus those already in flight (10 at a time).
    expect(result.signatureChecks).toBeGreaterThanOrEqual(60);
    expect(result.signatureChecks).toBeLessThanOrEqual(70);
  }, 60_000);

  it('a /readyz flood costs ACS a probe per cache period, not one per request', async () => {
    const before = emulator.stats().requests;
    const result = await replay('readyzFlood', () => attack.readyzFlood(target));
    const acsCalls = emulator.stats().requests - before;
    (figures['readyzFlood'] as Record<string, unknown>).acsCalls = acsCalls;
    expect(result.statuses).toEqual({ 200: 600 });
    // READINESS_CACHE_MS is 2 s: one probe per 2 s of flood, plus the first.
    expect(acsCalls).toBeLessThanOrEqual(Math.ceil(result.ms / 2000) + 1);
  }, 60_000);

  it.each(['headers', 'body'] as const)('slow %s are cut off by the server timeouts while /healthz answers', async (kind) => {
    const result = await replay(`slow-${kind}`, () => attack.slowClients(target, kind));
    const limit = kind === 'headers' ? HEADERS_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
    // Node checks the timeouts every second.
    expect(result.maxLivedMs).toBeLessThan(limit + 2500);
    expect(result.medianLivedMs).toBeGreaterThanOrEqual(limit - 100);
    expect(Object.keys(result.answers)).toEqual(['HTTP/1.1 408 Request Timeout']);
  }, 60_000);

  it('many different documents do not fill the heap: parsed documents are cached within a bound', async () => {
    const token = await issuer.token('document-flooder');
    const result = await replay('uniqueDocumentFlood', () => attack.uniqueDocumentFlood(target, token));
    expect(result.codes).toEqual({ OK: 1500 });
  }, 180_000);

  it.each(['lists', 'ofType'] as const)('an introspection bomb of nested %s is refused by its own bound', async (kind) => {
    const result = await replay(`introspectionBomb-${kind}`, () => attack.introspectionBomb({ ...target, from: '192.0.2.3' }, kind));
    expect(result.codes).toEqual({ GRAPHQL_VALIDATION_FAILED: 1 });
    // graphql-js's own rule refuses nested fields/interfaces lists first; the gateway's bounds the rest.
    expect(result.message).toMatch(kind === 'lists' ? /Maximum introspection depth exceeded|more than 3 nested lists/ : /deeper than 16 levels/);
  }, 60_000);

  it('standard introspection, as GraphiQL and codegen send it, still works', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const standard = await attack.post({ ...target, from: '192.0.2.3' }, { query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }) });
    expect(standard.errors).toBeUndefined();
    expect(standard.data.__schema.queryType.name).toBe('Query');
  }, 60_000);

  describe("issue 22's attacks", () => {
    /**
     * The control: the first requests were answered in full, ten reads each; then 429, once the 120 points were
     * spent: exactly twelve requests (points an instance holds ahead count towards its next charge).
     */
    const expectReadsCharged = (result: { answeredReads: number; codes: Record<string, number>; statuses: Record<string, number> }) => {
      const answered = result.codes.OK ?? 0;
      expect(result.answeredReads).toBe(answered * 10);
      expect(answered).toBe(12);
      expect(result.codes).toEqual({ OK: answered, RATE_LIMITED: 200 - answered });
      expect(result.statuses).toEqual({ 200: answered, 429: 200 - answered });
    };

    it('200 requests of 10 aliased `me` from one user get 429 once the reads budget (120) is spent', async () => {
      const token = await issuer.token('alias-reader');
      const result = await replay('aliasedMe', () => attack.aliasedReads(target, token, 'me { id }'));
      expectReadsCharged(result);
      expect(Number(result.retryAfter)).toBeGreaterThan(0);
    }, 120_000);

    it('the same for communicationIdentity', async () => {
      const token = await issuer.token('alias-looker');
      const result = await replay('aliasedCommunicationIdentity', () => attack.aliasedReads(target, token, 'communicationIdentity(appUserId: "alias-looker") { id }'));
      expectReadsCharged(result);
    }, 120_000);

    it('the same for anonymous _entities, charged to the client IP', async () => {
      const result = await replay('anonymousEntities', () => attack.anonymousEntities({ ...target, from: '192.0.2.4' }));
      // The control: requests of ten joined users each were answered, until the IP's 60 points were spent: six.
      expect(result.joined).toBe(result.codes.OK! * 10);
      expect(result.codes.OK).toBe(6);
      expect(result.codes).toEqual({ OK: result.codes.OK, RATE_LIMITED: 200 - result.codes.OK! });
    }, 120_000);

    it.each([
      ['with a token', true],
      ['without a token', false],
    ])('each malformed representation, %s, is BAD_USER_INPUT naming representations, with no error-level log line', async (_with, withToken) => {
      const errorLinesBefore = gateway.errorLines().length;
      const token = withToken ? await issuer.token('representation-sender') : null;
      const result = await replay(`malformedRepresentations-${withToken ? 'token' : 'anonymous'}`, () =>
        attack.malformedRepresentations({ ...target, from: withToken ? undefined : '192.0.2.5' }, token),
      );
      // The control: the same request, well-formed, is resolved.
      expect(result.control).toEqual({ status: 200, data: { _entities: [{ id: 'well-formed' }] }, errors: null });
      expect(result.byCase).toEqual(
        Object.keys(attack.MALFORMED_REPRESENTATIONS).map((name) => ({ name, code: 'BAD_USER_INPUT', field: 'representations', status: 200 })),
      );
      expect(gateway.errorLines().slice(errorLinesBefore)).toEqual([]);
    }, 60_000);

    it('every Zs, Zl and Zp code point appended to a valid id is refused, as appUserId and as sub', async () => {
      const admin = await issuer.token('separator-admin', { roles: ['identity.admin'] });
      // Read from the runtime's Unicode data before the attack: the scan of every code point takes seconds.
      const separators = attack.separatorCodePoints();
      const result = await replay('separatorIds', () => attack.separatorIds({ ...target, from: '192.0.2.6' }, (sub) => issuer.token(sub), admin, separators));
      // The control: the plain id is accepted both ways.
      expect(result.control.asInput.errors).toBeUndefined();
      expect(result.control.asSub).toMatchObject({ status: 200, data: { me: null } });
      expect(result.codePoints).toBeGreaterThanOrEqual(19);
      expect(result.accepted).toEqual([]);
      expect(result.outcomes).toEqual({ 'appUserId:BAD_USER_INPUT:appUserId': result.codePoints, 'sub:UNAUTHENTICATED': result.codePoints });
    }, 60_000);

    it('a production instance with the default settings serves no /metrics on its API port', async () => {
      const result = await replay('metricsOnApiPort', () => attack.metricsOnApiPort(target));
      expect(result.apiPort).toEqual({ status: 404, bytes: expect.any(Number), hasMetrics: false });
      // The control: the metrics are there, on their own port.
      expect(result.metricsPort).toEqual({ status: 200, hasMetrics: true });
    }, 60_000);

    it("the Teams exchange returns identity.id = 8:orgid:<the caller's oid>, whatever the case of the claim, and only the caller's", async () => {
      const oid = randomUUID();
      const teamsToken = await issuer.token(randomUUID(), {
        issuer: `https://login.microsoftonline.com/${TEAMS_TENANT_ID}/v2.0`,
        audience: '1fd5118e-2576-4263-8130-9503064c837a',
        claims: { ver: '2.0', tid: TEAMS_TENANT_ID, oid, scp: 'Teams.ManageCalls Teams.ManageChats', azp: TEAMS_CLIENT_ID },
      });
      const exchange = (callerOid: string) => async () =>
        attack.post(
          target,
          { query: 'mutation($input: ExchangeTeamsUserTokenInput!) { exchangeTeamsUserToken(input: $input) { identity { id } accessToken { expiresOn } } }', variables: { input: { teamsUserAadToken: teamsToken } } },
          { authorization: `Bearer ${await issuer.token(`teams-${callerOid}`, { claims: { oid: callerOid } })}` },
        );
      const own = await replay('teamsIdentity', exchange(oid.toUpperCase()));
      expect(own.errors).toBeUndefined();
      expect(own.data.exchangeTeamsUserToken.identity).toEqual({ id: `8:orgid:${oid.toLowerCase()}` });
      // Someone else sending the same Teams token learns nothing of it.
      const other = await exchange(randomUUID())();
      expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(other.data).toBeNull();
    }, 60_000);
  });

  it('is still up and answering once every attack is over', async () => {
    const health = await fetch(new URL('/healthz', target.url));
    expect(health.status).toBe(200);
    const me = await attack.post(target, { query: '{ me { id } }' }, { authorization: `Bearer ${await issuer.token('after-the-attacks')}` });
    expect(me).toMatchObject({ status: 200, data: { me: null } });
    figures['final'] = await attack.memory(target);
  });
});
