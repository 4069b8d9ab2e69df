import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import type { RunningGateway } from '../../src/app.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/local/embeddedMongo/index.js';
import { errorCode, graphql } from '../harness/graphqlClient.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const CREATE_USER = 'mutation { createUser { created identity { id } } }';
const ISSUE_TOKEN = 'mutation { issueToken(input: { scopes: [CHAT] }) { accessToken { token } } }';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ name: 'gateway_protection', env: { RATE_LIMIT_ISSUE_TOKEN_PER_MINUTE: '4' } });
});
afterAll(async () => {
  await h?.stop();
});

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('query limits', () => {
  let strict: RunningGateway;
  beforeAll(async () => {
    strict = await h.startInstance({ MAX_QUERY_DEPTH: '1', MAX_QUERY_COST: '40', MAX_QUERY_TOKENS: '200', MAX_QUERY_CHARACTERS: '5000', MAX_QUERY_DIRECTIVES: '3' });
  });

  it.each([
    ['depth', '{ me { id } }', 'GRAPHQL_VALIDATION_FAILED', 'epth'],
    ['directives', '{ __typename @include(if: true) @include(if: true) @include(if: true) @include(if: true) }', 'GRAPHQL_VALIDATION_FAILED', 'irective'],
    ['cost', `{ ${'__typename '.repeat(60)}}`, 'GRAPHQL_VALIDATION_FAILED', 'ost'],
    ['tokens', `{ ${'__typename '.repeat(250)}}`, 'GRAPHQL_PARSE_FAILED', 'tokens'],
  ])('refuses a query over the %s limit and stays up', async (_limit, query, code, messagePart) => {
    const token = await h.tokenFor('limits');
    const result = await graphql(strict.url, query, {}, token);
    expect(result.status).toBe(400);
    expect(errorCode(result)).toBe(code);
    expect(result.errors?.[0]?.message).toContain(messagePart);
    expect((await graphql(strict.url, '{ __typename }')).status).toBe(200);
  });

  it('refuses a query over the character limit before parsing it', async () => {
    const response = await post(strict.url, JSON.stringify({ query: `{ __typename ${' '.repeat(5100)} }` }));
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('characters');
  });

  it('refuses more aliases than allowed on the default limits', async () => {
    const aliased = `{ ${Array.from({ length: 12 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const result = await h.gql(aliased, {}, await h.tokenFor('limits'));
    expect(result.status).toBe(400);
    expect(errorCode(result)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.[0]?.message).toContain('lias');
  });

  it('refuses an alias bomb of mutations on the default limits', async () => {
    const token = await h.tokenFor('bomber');
    const issuedBefore = h.emulator.stats().tokensIssued;
    const bomb = `mutation { ${Array.from({ length: 200 }, (_, i) => `t${i}: issueToken(input: { scopes: [CHAT] }) { accessToken { token } }`).join(' ')} }`;
    const result = await h.gql(bomb, {}, token);
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(h.emulator.stats().tokensIssued).toBe(issuedBefore);
  });

  it('refuses batched requests while batching is off', async () => {
    const response = await post(h.gateway.url, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(response.status).toBe(400);
  });

  it('refuses CSRF-style simple requests (GET without preflight header, text/plain POST)', async () => {
    const get = await fetch(`${h.gateway.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('CSRF');
    const form = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(form.status).toBe(400);
    const preflighted = await fetch(`${h.gateway.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
  });
});

describe('answers', () => {
  it('are never to be cached, a token answer included', async () => {
    const token = await h.tokenFor('no-store');
    await h.gql(CREATE_USER, {}, token);
    const issued = await h.gql(ISSUE_TOKEN, {}, token);
    expect(issued.data).toMatchObject({ issueToken: { accessToken: { token: expect.any(String) } } });
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect((await h.gql('{ __typename }')).headers.get('cache-control')).toBe('no-store');
    const refused = await post(h.gateway.url, '{not json');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it('refuse a body over MAX_REQUEST_BYTES, declared or streamed, and the gateway stays up', async () => {
    const big = JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(110_000) } });
    const declared = await post(h.gateway.url, big);
    expect(declared.status).toBe(413);
    // Without a length, the body is read until it passes the limit, and then its connection is dropped.
    const streamed = await new Promise<string>((resolve) => {
      const req = httpRequest(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => resolve(`status ${res.statusCode}`));
      req.on('error', () => resolve('dropped'));
      for (let i = 0; i < 12; i++) req.write('x'.repeat(10_000));
      req.end();
    });
    expect(['dropped', 'status 413']).toContain(streamed);
    expect((await fetch(new URL('/healthz', h.gateway.url))).status).toBe(200);
  });

  it('carry a federated trace (ftv1) only when a router asks for one', async () => {
    const token = await h.tokenFor('traced');
    await h.gql(CREATE_USER, {}, token);
    const me = JSON.stringify({ query: 'query { me { id } }' });
    const asked = await post(h.gateway.url, me, { authorization: `Bearer ${token}`, 'apollo-federation-include-trace': 'ftv1' });
    const traced = (await asked.json()) as { data?: { me?: { id?: string } }; extensions?: { ftv1?: unknown } };
    expect(traced.data?.me?.id).toMatch(/^8:acs:/);
    expect(typeof traced.extensions?.ftv1).toBe('string');
    const plain = await post(h.gateway.url, me, { authorization: `Bearer ${token}` });
    expect(((await plain.json()) as { extensions?: unknown }).extensions).toBeUndefined();
  });
});

describe('production defaults', () => {
  it('turns introspection and field suggestions off, and INTROSPECTION=true turns introspection back on', async () => {
    // Free documents here: with trusted documents only (production's default) none of these would be parsed at all.
    const production = await h.startInstance({ NODE_ENV: 'production', HOST: '127.0.0.1', TRUSTED_DOCUMENTS_ONLY: 'false', METRICS_PORT: '0' });
    const introspection = await graphql(production.url, '{ __schema { queryType { name } } }');
    expect(introspection.status).toBe(400);
    expect(errorCode(introspection)).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await graphql(production.url, '{ mee { id } }', {}, await h.tokenFor('typo'));
    expect(errorCode(typo)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(typo.errors)).not.toContain('Did you mean');
    const devTypo = await h.gql('{ mee { id } }', {}, await h.tokenFor('typo'));
    expect(JSON.stringify(devTypo.errors)).toContain('Did you mean');

    const opened = await h.startInstance({ NODE_ENV: 'production', HOST: '127.0.0.1', INTROSPECTION: 'true', TRUSTED_DOCUMENTS_ONLY: 'false', METRICS_PORT: '0' });
    expect((await graphql(opened.url, '{ __schema { queryType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('rate limits', () => {
  it('answers RATE_LIMITED with HTTP 429 and Retry-After, counted across two instances on one database', async () => {
    const token = await h.tokenFor('flooder');
    expect((await h.gql(CREATE_USER, {}, token)).errors).toBeUndefined();
    const other = await h.startInstance();
    const outcomes = [];
    for (const url of [h.gateway.url, other.url, h.gateway.url, other.url]) {
      outcomes.push(await graphql(url, ISSUE_TOKEN, {}, token));
    }
    expect(outcomes.every((outcome) => outcome.status === 200 && !outcome.errors)).toBe(true);
    const refused = await graphql(other.url, ISSUE_TOKEN, {}, token);
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    const retryAfter = refused.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
    // Another user is unaffected, and the server stays up.
    const bystander = await h.tokenFor('bystander');
    await h.gql(CREATE_USER, {}, bystander);
    expect((await h.gql(ISSUE_TOKEN, {}, bystander)).errors).toBeUndefined();
    const metrics = await (await fetch(new URL('/metrics', other.url))).text();
    expect(metrics).toMatch(/gateway_rate_limit_rejections_total\{[^}]*\} [1-9]/);
  });

  it('charges every read to its caller, one point per appearance: aliases, fragments and entities fields alike', async () => {
    const reads = await h.startInstance({ RATE_LIMIT_READS_PER_MINUTE: '20' });
    const token = await h.tokenFor('reader');
    const aliased = `{ ${Array.from({ length: 10 }, (_, i) => `m${i}: me { id }`).join(' ')} }`;
    const first = await graphql(reads.url, aliased, {}, token);
    expect(first.errors).toBeUndefined();
    expect(Object.keys(first.data!)).toHaveLength(10);
    // 10 spent; a fragment and an inline fragment hide 9 more, and User.communicationIdentity under _entities 1 more.
    const hidden = 'query { ...Mine ... on Query { a: me { id } b: me { id } c: communicationIdentity(appUserId: "reader") { id } } } fragment Mine on Query { d: me { id } e: me { id } f: me { id } g: me { id } h: me { id } i: me { id } }';
    expect((await graphql(reads.url, hidden, {}, token)).errors).toBeUndefined();
    const joined = await graphql(reads.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { communicationIdentity { id } } } }', { r: [{ __typename: 'User', id: 'reader' }] }, token);
    expect(joined.errors).toBeUndefined();
    // 20 of 20 spent: the next read is refused before it runs, a request without reads is not.
    const refused = await graphql(reads.url, '{ me { id } }', {}, token);
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.message).toMatch(/reads/);
    expect((await graphql(reads.url, '{ __typename }', {}, token)).errors).toBeUndefined();
    // Another caller has a budget of their own.
    expect((await graphql(reads.url, aliased, {}, await h.tokenFor('other-reader'))).errors).toBeUndefined();
  });

  it('declares a budget on every field that reads storage, so a field added later cannot be read for free', async () => {
    const { policyOf } = await import('../../src/graphql/policy/operationPolicy.js');
    const { buildGatewaySchema } = await import('../../src/graphql/schema.js');
    const unused = new Proxy({}, { get: () => () => undefined }) as never;
    const schema = await buildGatewaySchema({ identities: unused, teams: unused, audit: unused, logger: unused });
    // _entities is charged per representation (RATE_LIMIT_ENTITIES_PER_MINUTE); _service reads nothing stored.
    const queries = Object.values(schema.getQueryType()!.getFields()).filter((field) => !['_entities', '_service'].includes(field.name));
    expect(queries.map((field) => [field.name, policyOf(field)?.budget])).toEqual(queries.map((field) => [field.name, 'reads']));
    const user = schema.getType('User') as import('graphql').GraphQLObjectType;
    expect(policyOf(user.getFields()['communicationIdentity'])?.budget).toBe('reads');
  });

  it('keeps one indexed document per caller and operation, indexed for the sweep that expires it', async () => {
    const connection = await mongoose.createConnection(h.mongoUri).asPromise();
    try {
      // Read back from the server (listIndexes): the lookup index, and the sweep's; no TTL index on any server.
      const indexes = await connection.collection('rate_limits').indexes();
      expect(indexes.find((index) => index.name === 'key')).toMatchObject({ key: { key: 1 }, unique: true });
      expect(indexes.find((index) => index.name === 'expire')).toMatchObject({ key: { expire: 1 } });
      expect(indexes.filter((index) => index.expireAfterSeconds !== undefined)).toEqual([]);
      const flooder = await connection.collection('rate_limits').countDocuments({ key: { $regex: '^issueToken:.*flooder$' } });
      expect(flooder).toBe(1);
    } finally {
      await connection.close();
    }
  });
});

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz with the checks', async () => {
    expect((await fetch(new URL('/healthz', h.gateway.url))).status).toBe(200);
    const ready = await fetch(new URL('/readyz', h.gateway.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mongodb: 'ok', acs: 'ok' }, customId: 'inUse' });
  });

  it('exposes real figures at /metrics', async () => {
    const token = await h.tokenFor('metered');
    await h.gql(CREATE_USER, {}, token);
    await h.gql(ISSUE_TOKEN, {}, token);
    await h.gql(ISSUE_TOKEN, {}, await h.tokenFor('nobody-yet'));
    const text = await (await fetch(new URL('/metrics', h.gateway.url))).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 'NaN');
    expect(value(/gateway_graphql_requests_total\{operation="issueToken",outcome="success"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/gateway_acs_requests_total\{operation="getToken",outcome="success",status="ok"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/gateway_acs_request_duration_seconds_count\{operation="createUser"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/gateway_graphql_errors_total\{code="IDENTITY_NOT_FOUND"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(text).toContain('gateway_process_resident_memory_bytes');
  });

  it('reports MongoDB down: /readyz 503, mutations fail fast with UPSTREAM_UNAVAILABLE, the process stays up', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-mongo-down-'));
    const mongo: EmbeddedMongo = await startEmbeddedMongo({ dataDir });
    const instance = await h.startInstance({ MONGODB_URI: `${mongo.uri}down`, MONGODB_TIMEOUT_MS: '1000' });
    try {
      const token = await h.tokenFor('downtime');
      expect((await graphql(instance.url, CREATE_USER, {}, token)).errors).toBeUndefined();
      await mongo.stop();
      const identitiesBefore = h.emulator.listIdentities().length;
      const started = Date.now();
      const failed = await graphql(instance.url, 'mutation { createUser(input: { appUserId: "x" }) { created } }', {}, await h.tokenFor('root', ['identity.admin']));
      expect(errorCode(failed)).toBe('UPSTREAM_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(h.emulator.listIdentities().length).toBe(identitiesBefore);
      const ready = await fetch(new URL('/readyz', instance.url));
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: { mongodb: string } }).checks.mongodb).toBe('unavailable');
      expect((await fetch(new URL('/healthz', instance.url))).status).toBe(200);
    } finally {
      await mongo.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('audit trail', () => {
  it('records who did what to whom, never token material, and pages for admins only', async () => {
    const admin = await h.tokenFor('auditor', ['identity.admin']);
    await h.gql('mutation { createUser(input: { appUserId: "audited" }) { created } }', {}, admin);
    const issued = await h.gql('mutation { issueToken(input: { appUserId: "audited", scopes: [VOIP] }) { accessToken { token } } }', {}, admin);
    await h.gql('mutation { revokeTokens(input: { appUserId: "audited" }) { revokedAt } }', {}, admin);
    const denied = await h.gql('mutation { deleteUser(input: { appUserId: "audited" }) { appUserId } }', {}, await h.tokenFor('mallory'));
    expect(errorCode(denied)).toBe('FORBIDDEN');

    const query = 'query($after: String) { auditEvents(appUserId: "audited", first: 2, after: $after) { nodes { action outcome errorCode actorId subjectAppUserId identityId requestId at } endCursor hasNextPage } }';
    const first = await h.gql(query, {}, admin);
    const second = await h.gql(query, { after: first.data?.auditEvents.endCursor }, admin);
    const events = [...first.data?.auditEvents.nodes, ...second.data?.auditEvents.nodes];
    expect(first.data?.auditEvents.hasNextPage).toBe(true);
    expect(second.data?.auditEvents.hasNextPage).toBe(false);
    expect(events.map((event: { action: string; outcome: string }) => `${event.action}:${event.outcome}`)).toEqual([
      'deleteUser:failure',
      'revokeTokens:success',
      'issueToken:success',
      'createUser:success',
    ]);
    expect(events[0]).toMatchObject({ actorId: 'mallory', errorCode: 'FORBIDDEN', subjectAppUserId: 'audited' });
    expect(events[3].identityId).toMatch(/^8:acs:/);
    expect(JSON.stringify(events)).not.toContain(issued.data?.issueToken.accessToken.token);

    expect(errorCode(await h.gql(query, {}, await h.tokenFor('mallory')))).toBe('FORBIDDEN');
  });

  it('answers a call whose audit write the database refused as failed, never with its result, and the others of its batch as done', async () => {
    const connection = await mongoose.createConnection(h.mongoUri).asPromise();
    const events = connection.collection('audit_events');
    // A real refusal: a unique index on requestId, and events already stored under the ids two calls will carry.
    await events.createIndex({ requestId: 1 }, { unique: true, name: 'doom_request_id' });
    await events.insertMany([{ requestId: 'doomed-call-1' }, { requestId: 'doomed-call-4' }]);
    try {
      const callers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => h.tokenFor(`audit-batch-${i}`)));
      for (const token of callers) expect((await h.gql(CREATE_USER, {}, token)).errors).toBeUndefined();
      const requestIds = callers.map((_, i) => (i === 1 || i === 4 ? `doomed-call-${i}` : `audit-batch-call-${i}`));
      // At once, so that their events share writes.
      const answers = await Promise.all(callers.map((token, i) => graphql(h.gateway.url, ISSUE_TOKEN, {}, token, { 'x-request-id': requestIds[i]! })));
      answers.forEach((answer, i) => {
        if (requestIds[i]!.startsWith('doomed')) {
          expect(errorCode(answer)).toBe('UPSTREAM_UNAVAILABLE');
          expect(answer.data?.issueToken ?? null).toBeNull();
          expect(JSON.stringify(answer)).not.toMatch(/eyJ/); // no token, not even in part
        } else {
          expect(answer.errors).toBeUndefined();
          expect(answer.data?.issueToken.accessToken.token).toMatch(/^eyJ/);
        }
      });
      // Each call answered as done has its event stored.
      const stored = await events.find({ requestId: { $in: requestIds.filter((id) => !id.startsWith('doomed')) } }).toArray();
      expect(stored.map((event) => event.outcome)).toEqual(['success', 'success', 'success', 'success']);
    } finally {
      await events.dropIndex('doom_request_id');
      await connection.close();
    }
  });
});

describe('CORS', () => {
  it('answers preflights from allowed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(h.gateway.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const local = await preflight('http://localhost:5173');
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const listed = await h.startInstance({ CORS_ORIGINS: 'https://app.example' });
    const allowed = await fetch(listed.url, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests and then refuses new connections', async () => {
    const instance = await h.startInstance({ RATE_LIMIT_STORE: 'off' });
    const token = await h.tokenFor('inflight');
    await graphql(instance.url, CREATE_USER, {}, token);
    h.emulator.setFaults({ latencyMs: 400 });
    try {
      const issuedBefore = h.emulator.stats().requestsByOperation.issue;
      const inFlight = Array.from({ length: 20 }, () => graphql(instance.url, ISSUE_TOKEN, {}, token));
      // Stop only once all 20 are inside the gateway (waiting on ACS), so each is truly in flight.
      while (h.emulator.stats().requestsByOperation.issue < issuedBefore + 20) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const stopping = instance.stop();
      const results = await Promise.all(inFlight);
      await stopping;
      expect(results.map((result) => result.status)).toEqual(Array(20).fill(200));
      expect(results.every((result) => !result.errors && result.data?.issueToken.accessToken.token)).toBe(true);
      await expect(fetch(new URL('/healthz', instance.url))).rejects.toThrow();
    } finally {
      h.emulator.setFaults({});
    }
  });
});
