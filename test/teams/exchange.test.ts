// exchangeTeamsUserToken against the real stack: the SDK, the emulator's Teams route checking signatures against the
// development issuer's keys, real HTTP to the gateway and the suite's MongoDB.
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { startEmulator, type RunningEmulator } from '@acs-identity-gateway/emulator';
import { devObjectId, type DevIssuer } from '../../src/local/devIssuer.js';
import { errorCode, graphql } from '../harness/graphqlClient.js';
import type { Harness } from '../harness/gatewayHarness.js';
import { startTeamsHarness, type TeamsHarness } from '../harness/teamsHarness.js';

const EXCHANGE = `mutation Exchange($input: ExchangeTeamsUserTokenInput!) {
  exchangeTeamsUserToken(input: $input) { identity { id } teamsUserId accessToken { token expiresOn } }
}`;

let h: Harness;
let dev: DevIssuer;
/** A development issuer of its own, whose keys nobody trusts. */
let forger: DevIssuer;
let teamsStack: TeamsHarness;
/** Every token this file hands out or gets back, to look for in the logs and the audit trail. */
let secrets: Set<string>;

beforeAll(async () => {
  teamsStack = await startTeamsHarness({ name: 'teams_exchange' });
  ({ h, dev, forger, secrets } = teamsStack);
});
afterAll(async () => {
  await teamsStack?.stop();
});

/** A caller signed in through the gateway's OIDC provider, with the Entra object id claim. */
async function caller(name: string, claims: Record<string, unknown> = { oid: devObjectId(name) }): Promise<string> {
  const token = await h.issuer.token(name, { claims });
  secrets.add(token);
  return token;
}

const teamsToken: TeamsHarness['teamsToken'] = (...args) => teamsStack.teamsToken(...args);

const exchanges = () => h.emulator.stats().requestsByOperation.exchange;

async function exchange(bearer: string, teamsUserAadToken: unknown, url = h.gateway.url) {
  const result = await graphql(url, EXCHANGE, { input: { teamsUserAadToken } }, bearer);
  const token = result.data?.exchangeTeamsUserToken?.accessToken?.token;
  if (token) secrets.add(token);
  return result;
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('exchangeTeamsUserToken', () => {
  it("exchanges the caller's own Teams token for an ACS token whose identity is that Teams user", async () => {
    const before = exchanges();
    const teams = await teamsToken('alice');
    const result = await exchange(await caller('alice'), teams);
    expect(result.errors).toBeUndefined();
    const { identity, teamsUserId, accessToken } = result.data!.exchangeTeamsUserToken;
    expect(identity).toEqual({ id: `8:orgid:${devObjectId('alice')}` });
    // The deprecated name says the same.
    expect(teamsUserId).toBe(identity.id);
    expect(await h.introspect(accessToken.token)).toEqual({ active: true, identity: identity.id, kind: 'microsoftTeamsUser', expiresOn: expect.any(String) });
    // ACS gives a Teams user's token the Entra token's own expiry, counted from its own clock (to the second below).
    const expiresOnSeconds = Date.parse(accessToken.expiresOn) / 1000;
    const entraExp = Number(claimsOf(teams).exp);
    expect(expiresOnSeconds).toBeLessThanOrEqual(entraExp);
    expect(expiresOnSeconds).toBeGreaterThan(entraExp - 1);
    expect(exchanges()).toBe(before + 1);
  });

  it("answers FORBIDDEN for bob's caller token with alice's Teams token, and never calls ACS", async () => {
    const before = exchanges();
    const result = await exchange(await caller('bob'), await teamsToken('alice'));
    expect(result.status).toBe(200);
    expect(errorCode(result)).toBe('FORBIDDEN');
    expect(result.data).toBeNull();
    expect(exchanges()).toBe(before);
  });

  it('matches object ids whatever their case, and reads them from AUTH_OBJECT_ID_CLAIM', async () => {
    const upper = await exchange(await caller('carol', { oid: devObjectId('carol').toUpperCase() }), await teamsToken('carol'));
    expect(upper.data?.exchangeTeamsUserToken.identity.id).toBe(`8:orgid:${devObjectId('carol')}`);
    const nested = await h.startInstance({ AUTH_OBJECT_ID_CLAIM: 'entra.objectId' });
    const viaClaim = await exchange(await caller('dave', { entra: { objectId: devObjectId('dave') } }), await teamsToken('dave'), nested.url);
    expect(viaClaim.data?.exchangeTeamsUserToken.teamsUserId).toBe(`8:orgid:${devObjectId('dave')}`);
    // That instance no longer reads `oid`.
    expect(errorCode(await exchange(await caller('erin'), await teamsToken('erin'), nested.url))).toBe('FORBIDDEN');
  });

  it('answers FORBIDDEN when the caller\'s token carries no object id, and never calls ACS', async () => {
    const before = exchanges();
    for (const claims of [{}, { oid: 'not-a-guid' }, { oid: 42 }]) {
      const result = await exchange(await caller('no-oid', claims), await teamsToken('no-oid'));
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect(result.errors?.[0]?.message).toContain('"oid" claim');
    }
    expect(exchanges()).toBe(before);
  });

  it.each<[string, (name: string) => Promise<string>, RegExp]>([
    ['an expired token', (name) => teamsToken(name, { expiresInSeconds: -600 }), /expired/],
    ['a token without the Teams scopes', (name) => teamsToken(name, { scopes: ['User.Read'] }), /lacks the scopes Teams.ManageCalls, Teams.ManageChats/],
    ['a token with only one of the scopes', (name) => teamsToken(name, { scopes: ['Teams.ManageCalls'] }), /lacks the scope Teams.ManageChats/],
    ['a token for another audience', (name) => teamsToken(name, { audience: 'https://graph.microsoft.com' }), /not for Azure Communication Services/],
    ['a token of a foreign application', (name) => teamsToken(name, { clientId: randomUUID() }), /another application/],
    ['a token from another tenant', (name) => teamsToken(name, { tenantId: randomUUID() }), /tenant/],
    ['a token signed with a key nobody publishes', (name) => teamsToken(name, {}, forger), /unknown key/],
    ["a bearer token for the gateway instead", (name) => dev.sign({ sub: name }), /not for Azure Communication Services/],
    ['garbage', async () => 'not-a-jwt', /not a signed JWT/],
    ['a JWT with a broken signature', async (name) => (await teamsToken(name)).slice(0, -4) + 'AAAA', /signature/],
  ])('answers TEAMS_TOKEN_INVALID for %s, and never calls ACS', async (_case, makeToken, reason) => {
    const name = `invalid-${randomUUID().slice(0, 8)}`;
    const before = exchanges();
    const result = await exchange(await caller(name), await makeToken(name));
    expect(errorCode(result)).toBe('TEAMS_TOKEN_INVALID');
    expect(result.errors?.[0]?.message).toMatch(reason);
    expect(exchanges()).toBe(before);
  });

  it('refuses huge, nested and malformed inputs with clear errors, never calls ACS, and stays up', async () => {
    const bearer = await caller('shaper');
    const real = await teamsToken('shaper');
    const before = exchanges();
    const huge = await exchange(bearer, 'e'.repeat(90 * 1024));
    expect(errorCode(huge)).toBe('BAD_USER_INPUT');
    expect(huge.errors?.[0]?.extensions?.field).toBe('teamsUserAadToken');
    expect(huge.errors?.[0]?.message).toContain('16384 characters');
    expect(errorCode(await exchange(bearer, ''))).toBe('BAD_USER_INPUT');

    // A token where graphql-js expects a string is quoted in its message: the gateway redacts it.
    for (const wrong of [{ token: real }, [real], { a: { b: { c: [real] } } }, 42]) {
      const result = await exchange(bearer, wrong);
      expect(result.status).toBe(400);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toContain('String cannot represent a non string value');
      expect(JSON.stringify(result)).not.toContain(real);
    }
    const missing = await graphql(h.gateway.url, EXCHANGE, { input: {} }, bearer);
    expect(errorCode(missing)).toBe('BAD_USER_INPUT');
    expect(missing.errors?.[0]?.message).toContain('teamsUserAadToken');
    const misspelt = await graphql(h.gateway.url, EXCHANGE, { input: { teamsUserAADToken: real } }, bearer);
    expect(errorCode(misspelt)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(misspelt)).not.toContain(real);
    const literal = await graphql(h.gateway.url, `mutation { exchangeTeamsUserToken(input: { teamsUserAadToken: { nested: "${real}" } }) { teamsUserId } }`, {}, bearer);
    expect(errorCode(literal)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(literal)).not.toContain(real);

    expect(exchanges()).toBe(before);
    expect((await graphql(h.gateway.url, '{ __typename }')).status).toBe(200);
    expect(errorCode(await exchange(bearer, real))).toBeUndefined();
  });

  it('answers UNAUTHENTICATED (401) without a caller token, whatever the Teams token', async () => {
    const before = exchanges();
    const result = await graphql(h.gateway.url, EXCHANGE, { input: { teamsUserAadToken: await teamsToken('anonymous') } });
    expect(result.status).toBe(401);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(exchanges()).toBe(before);
  });
});

describe("ACS's own answers", () => {
  let untrusting: RunningEmulator;
  beforeAll(async () => {
    // An ACS that trusts no Teams token: it refuses what the gateway accepted.
    untrusting = await startEmulator();
  });
  afterAll(() => untrusting.close());

  it('maps ACS refusing the Teams token to TEAMS_TOKEN_INVALID', async () => {
    const gateway = await h.startInstance({ COMMUNICATION_SERVICES_CONNECTION_STRING: untrusting.connectionString });
    const result = await exchange(await caller('refused'), await teamsToken('refused'), gateway.url);
    expect(errorCode(result)).toBe('TEAMS_TOKEN_INVALID');
    expect(result.errors?.[0]?.message).toContain('ACS refused');
    expect(untrusting.stats().requestsByOperation.exchange).toBe(1);
  });

  it('maps ACS throttling to RATE_LIMITED with its Retry-After', async () => {
    // The SDK retries a 429 three times after its Retry-After; the fourth answer reaches the gateway.
    h.emulator.setFaults({ force429: 4, retryAfterSeconds: 1 });
    const before = exchanges();
    try {
      const result = await exchange(await caller('throttled'), await teamsToken('throttled'));
      expect(result.status).toBe(429);
      expect(errorCode(result)).toBe('RATE_LIMITED');
      expect(result.errors?.[0]?.extensions?.retryAfterSeconds).toBe(1);
      expect(exchanges()).toBe(before + 4);
    } finally {
      h.emulator.setFaults({});
    }
  });
});

describe('the ACS call', () => {
  it('is abandoned after ACS_TIMEOUT_MS, and counted in the ACS metrics like every other call', async () => {
    const gateway = await h.startInstance({ ACS_TIMEOUT_MS: '300' });
    h.emulator.setFaults({ latencyMs: 2000 });
    try {
      const started = Date.now();
      const result = await exchange(await caller('patient'), await teamsToken('patient'), gateway.url);
      expect(errorCode(result)).toBe('UPSTREAM_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      h.emulator.setFaults({});
    }
    expect(errorCode(await exchange(await caller('prompt'), await teamsToken('prompt'), gateway.url))).toBeUndefined();
    const metrics = await (await fetch(new URL('/metrics', gateway.url))).text();
    expect(metrics).toMatch(/gateway_acs_requests_total\{operation="getTokenForTeamsUser",outcome="error",status="none"\} 1/);
    expect(metrics).toMatch(/gateway_acs_requests_total\{operation="getTokenForTeamsUser",outcome="success",status="ok"\} 1/);
    expect(metrics).not.toMatch(/eyJ/);
  });
});

describe('SCOPE_POLICY lifetime cap', () => {
  // ACS gives a Teams user's token the Entra token's expiry: the cap is kept by refusing a token with more life left.
  it('refuses, before ACS, an Entra token that runs longer than the caller\'s cap; exchanges one within it, and any for an uncapped role', async () => {
    const policy = JSON.stringify({ '*': { scopes: ['VOIP_JOIN'], maxExpiresInMinutes: 60 }, staff: { scopes: ['CHAT', 'VOIP'] } });
    const gateway = await h.startInstance({ SCOPE_POLICY: policy });
    const before = exchanges();
    const long = await exchange(await caller('cap-guest'), await teamsToken('cap-guest', { expiresInSeconds: 85 * 60 }), gateway.url);
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0]!.extensions!.field).toBe('teamsUserAadToken');
    expect(long.errors![0]!.message).toMatch(/over the 60 minutes/);
    expect(exchanges()).toBe(before);
    const within = await exchange(await caller('cap-guest'), await teamsToken('cap-guest', { expiresInSeconds: 50 * 60 }), gateway.url);
    expect(within.errors).toBeUndefined();
    const staff = await exchange(await caller('cap-staff', { oid: devObjectId('cap-staff'), roles: ['staff'] }), await teamsToken('cap-staff', { expiresInSeconds: 85 * 60 }), gateway.url);
    expect(staff.errors).toBeUndefined();
    expect(exchanges()).toBe(before + 2);
  });
});

describe('rate limit', () => {
  it('lets a caller exchange 10 times a minute by default, then answers 429 RATE_LIMITED with retryAfterSeconds', async () => {
    // The memory store, as with the embedded database: the suite's FerretDB does not serialize concurrent upserts,
    // so the shared store undercounts a concurrent flood there (it does not on MongoDB); see the sequential case below.
    const gateway = await h.startInstance({ RATE_LIMIT_STORE: 'memory' });
    const bearer = await caller('flooder');
    const teams = await teamsToken('flooder');
    const before = exchanges();
    const results = await Promise.all(Array.from({ length: 25 }, () => exchange(bearer, teams, gateway.url)));
    const served = results.filter((result) => result.errors === undefined);
    const limited = results.filter((result) => errorCode(result) === 'RATE_LIMITED');
    expect(served).toHaveLength(10);
    expect(limited).toHaveLength(15);
    for (const result of limited) {
      expect(result.status).toBe(429);
      const retryAfter = result.errors?.[0]?.extensions?.retryAfterSeconds as number;
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(result.headers.get('retry-after')).toBe(String(retryAfter));
    }
    expect(exchanges()).toBe(before + 10);
    // Another caller still has their own budget.
    expect((await exchange(await caller('bystander'), await teamsToken('bystander'), gateway.url)).errors).toBeUndefined();
  });

  it('counts in the shared store too, across instances', async () => {
    const other = await h.startInstance();
    const bearer = await caller('steady');
    const teams = await teamsToken('steady');
    const outcomes = [];
    for (let i = 0; i < 11; i += 1) outcomes.push(errorCode(await exchange(bearer, teams, i % 2 === 0 ? h.gateway.url : other.url)) ?? 'ok');
    expect(outcomes).toEqual([...Array(10).fill('ok'), 'RATE_LIMITED']);
  });
});

describe('turned off', () => {
  it('answers TEAMS_EXCHANGE_DISABLED with TEAMS_ENABLED=false, and never calls ACS', async () => {
    const off = await h.startInstance({ TEAMS_ENABLED: 'false' });
    const before = exchanges();
    for (const bearer of [await caller('switched-off'), await caller('switched-off', {})]) {
      const result = await exchange(bearer, await teamsToken('switched-off'), off.url);
      expect(errorCode(result)).toBe('TEAMS_EXCHANGE_DISABLED');
    }
    expect(exchanges()).toBe(before);
  });
});

describe('the audit trail and the logs', () => {
  it("record the Teams user acted on, and hold no token", async () => {
    const connection = await mongoose.createConnection(h.mongoUri).asPromise();
    try {
      const events = await connection.collection('audit_events').find({ action: 'exchangeTeamsUserToken' }).toArray();
      expect(events.length).toBeGreaterThan(20);
      const of = (actorId: string) => events.filter((event) => event.actorId === actorId);
      expect(of('alice')).toEqual([
        expect.objectContaining({ outcome: 'success', subjectAppUserId: 'alice', identityId: `8:orgid:${devObjectId('alice')}` }),
      ]);
      // bob tried alice's token: the audit names the only Teams user bob may act as, himself.
      expect(of('bob')).toEqual([
        expect.objectContaining({ outcome: 'failure', errorCode: 'FORBIDDEN', subjectAppUserId: 'bob', identityId: `8:orgid:${devObjectId('bob')}` }),
      ]);
      // No object id: no Teams user to name.
      expect(of('no-oid').map((event) => [event.errorCode, event.identityId ?? null])).toEqual(Array(3).fill(['FORBIDDEN', null]));
      expect(new Set(events.map((event) => event.errorCode ?? null))).toEqual(
        new Set([null, 'FORBIDDEN', 'TEAMS_TOKEN_INVALID', 'BAD_USER_INPUT', 'RATE_LIMITED', 'UPSTREAM_UNAVAILABLE', 'TEAMS_EXCHANGE_DISABLED']),
      );
      const stored = JSON.stringify(events);
      expect(secrets.size).toBeGreaterThan(40);
      for (const secret of secrets) expect(stored).not.toContain(secret);
      expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    } finally {
      await connection.close();
    }

    const logged = h.logLines.join('\n');
    expect(h.logLines.filter((line) => line.includes('"operation":"exchangeTeamsUserToken"')).length).toBeGreaterThan(20);
    for (const secret of secrets) expect(logged).not.toContain(secret);
    expect(logged).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
