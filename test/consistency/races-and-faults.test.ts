import { graphql, type GraphqlResponse } from '../harness/graphqlClient.js';
import { checkAgreement, countBy, recordFigures } from './agreement.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';
import { MONGODB_TRAITS, type DatabaseTraits } from '../../src/bootstrap/database.js';

/** Both of the mapping store's paths, on the suite's server: the one it picks, and MongoDB's (atomic filtered updates). */
const DATABASE_PATHS: [string, DatabaseTraits | undefined][] = [
  ["the suite server's own path", undefined],
  ["MongoDB's path", MONGODB_TRAITS],
];
const figuresName = (name: string, traits: DatabaseTraits | undefined) => (traits ? `${name}-mongodb-path` : name);

const CREATE_USER = 'mutation($id: ID) { createUser(input: { appUserId: $id }) { created identity { id } } }';
const CREATE_USER_AND_TOKEN = 'mutation($id: ID) { createUserAndToken(input: { appUserId: $id, scopes: [CHAT] }) { created identity { id } accessToken { token } } }';
const ISSUE_TOKEN = 'mutation($id: ID) { issueToken(input: { appUserId: $id, scopes: [VOIP] }) { accessToken { token } } }';
const REVOKE = 'mutation($id: ID) { revokeTokens(input: { appUserId: $id }) { revokedAt } }';
const DELETE = 'mutation($id: ID) { deleteUser(input: { appUserId: $id }) { deletedIdentityId } }';

const codeOf = (response: GraphqlResponse<unknown>) => String(response.errors?.[0]?.extensions?.code ?? 'OK');

describe.each(DATABASE_PATHS)('races across three gateway instances, %s', (_path, databaseTraits) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'consistency_races', env: { RATE_LIMIT_STORE: 'off', RECONCILE_INTERVAL_MS: '0' }, databaseTraits });
  });
  afterAll(() => h?.stop());

  it('leaves exactly one ACS identity per user and no orphan', async () => {
    const instances = [h.gateway, await h.startInstance(), await h.startInstance()];
    const admin = await h.tokenFor('racer-admin', ['identity.admin']);
    const users = Array.from({ length: 30 }, (_, i) => `race-${i}`);
    const calls = Array.from({ length: 300 }, (_, i) => ({
      url: instances[i % 3]!.url,
      query: i % 2 === 0 ? CREATE_USER : CREATE_USER_AND_TOKEN,
      id: users[i % users.length]!,
    }));
    const started = performance.now();
    const results = await Promise.all(calls.map((call) => graphql(call.url, call.query, { id: call.id }, admin)));
    const durationMs = Math.round(performance.now() - started);

    const outcomes = countBy(results, codeOf);
    const createdFlags = results.filter((result) => Object.values(result.data ?? {})[0]?.created === true).length;
    const idsPerUser = new Map<string, Set<string>>();
    results.forEach((result, i) => {
      const id = (Object.values(result.data ?? {})[0] as { identity?: { id: string } } | undefined)?.identity?.id;
      if (id) idsPerUser.set(calls[i]!.id, (idsPerUser.get(calls[i]!.id) ?? new Set()).add(id));
    });
    const agreement = await checkAgreement(h.emulator, h.mongoUri);
    await recordFigures(figuresName('races', databaseTraits), { instances: 3, users: users.length, calls: calls.length, durationMs, outcomes, createdFlags, agreement });

    expect(outcomes).toEqual({ OK: 300 });
    expect(createdFlags).toBe(30);
    expect([...idsPerUser.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(agreement).toMatchObject({ liveAcsIdentities: 30, activeMappings: 30, orphans: [], dangling: [], unfinished: 0, duplicates: 0 });
  });
});

describe.each(DATABASE_PATHS)('faults injected by the emulator, %s', (_path, databaseTraits) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      databaseTraits,
      name: 'consistency_faults',
      env: { RATE_LIMIT_STORE: 'off', RECONCILE_INTERVAL_MS: '0', RECONCILE_STALE_AFTER_MS: '1000', ACS_TIMEOUT_MS: '3000' },
    });
  });
  afterAll(() => h?.stop());

  it('ends with the emulator and MongoDB in exact agreement once the reconciler has run', async () => {
    const admin = await h.tokenFor('fault-admin', ['identity.admin']);
    const users = Array.from({ length: 40 }, (_, i) => `fault-${i}`);
    h.emulator.setFaults({ latencyMs: 15, errorRate: 0.2, errorStatus: 503, force429Rate: 0.1, retryAfterSeconds: 0 });
    const started = performance.now();
    const results = await Promise.all(
      users.map(async (id, i) => {
        const steps = [CREATE_USER_AND_TOKEN, ISSUE_TOKEN, REVOKE, CREATE_USER, ...(i % 2 === 0 ? [DELETE] : [])];
        const outcomes: string[] = [];
        for (const step of steps) outcomes.push(codeOf(await h.gql(step, { id }, admin)));
        return outcomes;
      }),
    );
    const loadMs = Math.round(performance.now() - started);
    h.emulator.setFaults({});
    const outcomes = countBy(results.flat(), (code) => code);
    const before = await checkAgreement(h.emulator, h.mongoUri);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const summary = await h.gateway.reconcile();
    const after = await checkAgreement(h.emulator, h.mongoUri);
    await recordFigures(figuresName('faults', databaseTraits), {
      users: users.length,
      operations: results.flat().length,
      faults: '20% 503, 10% 429, 15 ms latency',
      loadMs,
      outcomes,
      emulatorStats: h.emulator.stats(),
      beforeReconcile: { ...before, orphans: before.orphans.length, dangling: before.dangling.length },
      reconcile: summary,
      afterReconcile: after,
    });

    // The faults did bite: some calls failed, with the documented codes only.
    expect(Object.keys(outcomes).every((code) => ['OK', 'UPSTREAM_UNAVAILABLE', 'RATE_LIMITED', 'IDENTITY_NOT_FOUND'].includes(code))).toBe(true);
    // Counted by the emulator itself: how many ACS calls the gateway makes depends on its caches and retries.
    expect(h.emulator.stats().faultsInjected).toBeGreaterThan(10);
    expect(after).toMatchObject({ orphans: [], dangling: [], unfinished: 0, duplicates: 0 });
    expect(after.liveAcsIdentities).toBe(after.activeMappings);
  });
});
