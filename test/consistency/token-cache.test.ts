import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { errorCode, graphql, type GraphqlResponse } from '../harness/graphqlClient.js';
import { recordFigures } from './agreement.js';
import { leaseIdOf } from '../../src/identity/tokens/tokenCache.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';
import type { RunningGateway } from '../../src/app.js';

const ISSUE = 'mutation($force: Boolean) { issueToken(input: { scopes: [CHAT, VOIP], forceRefresh: $force }) { accessToken { token expiresOn } } }';
const key = () => randomBytes(32).toString('base64');
const OLD_KEY = `old:${key()}`;
const NEW_KEY = `new:${key()}`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ name: 'consistency_cache', env: { TOKEN_CACHE: 'true', TOKEN_CACHE_KEYS: OLD_KEY, RATE_LIMIT_STORE: 'off' } });
});
afterAll(() => h?.stop());


type Row = { _id: string; [field: string]: unknown };

/** gateway_token_cache_lookups_total of one instance, by result. */
async function lookups(gateway: RunningGateway): Promise<Record<string, number>> {
  const text = await (await fetch(gateway.metricsUrl!)).text();
  return Object.fromEntries([...text.matchAll(/^gateway_token_cache_lookups_total\{result="(\w+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}
const tokenOf = (result: GraphqlResponse<any>) => result.data?.issueToken.accessToken.token as string;

describe('the token cache', () => {
  it('serves the same token from every instance without calling ACS, and forceRefresh bypasses it', async () => {
    const other = await h.startInstance();
    const user = await h.tokenFor('cached-user');
    await h.gql('mutation { createUser { created } }', {}, user);
    const issuedBefore = h.emulator.stats().tokensIssued;
    const first = tokenOf(await h.gql(ISSUE, {}, user));
    const again = await Promise.all(Array.from({ length: 20 }, (_, i) => graphql(i % 2 ? other.url : h.gateway.url, ISSUE, {}, user)));
    expect(again.map(tokenOf)).toEqual(Array(20).fill(first));
    expect(h.emulator.stats().tokensIssued).toBe(issuedBefore + 1);
    const forced = tokenOf(await graphql(other.url, ISSUE, { force: true }, user));
    expect(forced).not.toBe(first);
    expect(h.emulator.stats().tokensIssued).toBe(issuedBefore + 2);
    await recordFigures('tokenCache', { requests: 22, acsTokenCalls: h.emulator.stats().tokensIssued - issuedBefore });
  });

  it('makes one ACS call for concurrent first requests of one entry on an instance, and a new one after a revoke', async () => {
    const user = await h.tokenFor('storming-user');
    await h.gql('mutation { createUser { created } }', {}, user);
    const issuedBefore = h.emulator.stats().tokensIssued;
    h.emulator.setFaults({ byOperation: { issue: { latencyMs: 300 } } });
    try {
      const first = await Promise.all(Array.from({ length: 20 }, () => h.gql(ISSUE, {}, user)));
      expect(new Set(first.map(tokenOf)).size).toBe(1);
      expect(h.emulator.stats().tokensIssued).toBe(issuedBefore + 1);

      // Requests that read the mapping after a revoke never wait for a call begun before it.
      const user2 = await h.tokenFor('storming-user-2');
      await h.gql('mutation { createUser { created } }', {}, user2);
      const before = h.emulator.stats().tokensIssued;
      const early = Promise.all(Array.from({ length: 5 }, () => h.gql(ISSUE, {}, user2)));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await h.gql('mutation { revokeTokens { revokedAt } }', {}, user2)).errors).toBeUndefined();
      const late = await Promise.all(Array.from({ length: 5 }, () => h.gql(ISSUE, {}, user2)));
      const earlyTokens = new Set((await early).map(tokenOf));
      expect(earlyTokens.size).toBe(1);
      expect(new Set(late.map(tokenOf)).size).toBe(1);
      expect(earlyTokens.has(tokenOf(late[0]!))).toBe(false);
      expect(h.emulator.stats().tokensIssued).toBe(before + 2);
      expect(await h.introspect(tokenOf(late[0]!))).toMatchObject({ active: true });
    } finally {
      h.emulator.setFaults({});
    }
  });

  it('makes one ACS call for concurrent first requests of one entry spread over two instances', async () => {
    const other = await h.startInstance();
    const user = await h.tokenFor('storming-across');
    await h.gql('mutation { createUser { created } }', {}, user);
    const issuedBefore = h.emulator.stats().tokensIssued;
    h.emulator.setFaults({ byOperation: { issue: { latencyMs: 300 } } });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => graphql(i % 2 ? other.url : h.gateway.url, ISSUE, {}, user)));
      expect(results.every((result) => result.errors === undefined)).toBe(true);
      expect(new Set(results.map(tokenOf)).size).toBe(1);
      expect(h.emulator.stats().tokensIssued).toBe(issuedBefore + 1);
    } finally {
      h.emulator.setFaults({});
    }
    const connection = await mongoose.createConnection(h.mongoUri).asPromise();
    try {
      expect(await connection.collection('token_leases').countDocuments({})).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('takes over a claim its holder left behind, at once when it has lapsed and after it would have when not', async () => {
    const connection = await mongoose.createConnection(h.mongoUri).asPromise();
    const leases = connection.collection<{ _id: string; until: Date }>('token_leases');
    try {
      for (const [name, until] of [
        ['crashed-holder-lapsed', new Date(Date.now() - 1_000)],
        ['crashed-holder-live', new Date(Date.now() + 60_000)],
      ] as const) {
        const user = await h.tokenFor(name);
        const created = await h.gql('mutation { createUser { identity { id } } }', {}, user);
        const lookup = { user: { issuer: h.issuer.issuer, appUserId: name }, acsId: created.data?.createUser.identity.id, scopes: ['chat', 'voip'], expiresInMinutes: 1440, revocations: 0 };
        // As a holder that crashed mid-call leaves it.
        await leases.insertOne({ _id: leaseIdOf(lookup), until });
        const issuedBefore = h.emulator.stats().tokensIssued;
        const result = await h.gql(ISSUE, {}, user);
        expect(result.errors).toBeUndefined();
        expect(await h.introspect(tokenOf(result))).toMatchObject({ active: true });
        expect(h.emulator.stats().tokensIssued).toBe(issuedBefore + 1);
        // The lapsed claim was taken over and released; the live one is left to lapse, and the sweep removes it.
        expect(await leases.countDocuments({ _id: leaseIdOf(lookup) })).toBe(until.getTime() < Date.now() ? 0 : 1);
      }
    } finally {
      await connection.close();
    }
  });

  it('sweeps lapsed claims, expired cached tokens and audit events past retention, on every database (no TTL index)', async () => {
    const connection = await mongoose.createConnection(h.mongoUri).asPromise();
    try {
      const day = 86_400_000;
      await connection.collection<Row>('token_leases').insertMany([
        { _id: 'lapsed', until: new Date(Date.now() - 1_000) },
        { _id: 'live', until: new Date(Date.now() + 60_000) },
      ]);
      const cached = { issuer: 'sweep', appUserId: 'sweep', acsId: '8:acs:x', issuedAt: new Date(), keyId: 'k', iv: 'i', ciphertext: 'c', tag: 't' };
      await connection.collection<Row>('token_cache').insertMany([
        { _id: 'expired', ...cached, expiresOn: new Date(Date.now() - 1_000) },
        { _id: 'valid', ...cached, expiresOn: new Date(Date.now() + day) },
      ]);
      const event = { requestId: 'r', action: 'issueToken', outcome: 'success', actorIssuer: 'sweep', actorId: 'sweep', subjectAppUserId: 'sweep' };
      await connection.collection('audit_events').insertMany([
        { ...event, at: new Date(Date.now() - 3 * day) },
        { ...event, at: new Date() },
      ]);
      // An instance that reconciles (and sweeps) every 200 ms, keeping audit events for 2 days.
      await h.startInstance({ RECONCILE_INTERVAL_MS: '200', AUDIT_RETENTION_DAYS: '2' });
      const ids = async (name: string) =>
        (await connection.collection<Row>(name).find({ _id: { $in: ['lapsed', 'live', 'expired', 'valid'] } }).toArray()).map((row) => row._id).sort();
      const auditEvents = () => connection.collection('audit_events').countDocuments({ actorIssuer: 'sweep' });
      // The sweep deletes one collection after another: wait for the whole of one turn.
      const swept = async () => !(await ids('token_leases')).includes('lapsed') && !(await ids('token_cache')).includes('expired') && (await auditEvents()) === 1;
      for (let attempt = 0; attempt < 50 && !(await swept()); attempt++) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await ids('token_leases')).toEqual(['live']);
      expect(await ids('token_cache')).toEqual(['valid']);
      expect(await auditEvents()).toBe(1);
    } finally {
      await connection.close();
    }
  });

  it('serves an entry another instance stored with one read of it and no mapping read, and never one whose check was changed', async () => {
    const reads = new Map<string, number>();
    mongoose.set('debug', (collectionName: string, method: string) => {
      // Reads by _id, as a request makes them, of what a token request may read (the suite's instances also
      // renew leases and scan mappings in the background, with other calls).
      if (method === 'findOne' && ['token_cache', 'token_revocations', 'identity_mappings'].includes(collectionName)) {
        reads.set(collectionName, (reads.get(collectionName) ?? 0) + 1);
      }
    });
    try {
      const user = await h.tokenFor('shared-entry-user');
      const created = await h.gql('mutation { createUser { identity { id createdAt } } }', {}, user);
      const identity = created.data?.createUser.identity as { id: string; createdAt: string };
      const ISSUE_WITH_IDENTITY = 'mutation { issueToken(input: { scopes: [CHAT, VOIP] }) { identity { id appUserId createdAt tokensRevokedAt } accessToken { token } } }';
      const stored = await h.gql(ISSUE_WITH_IDENTITY, {}, user);
      const issuedBefore = h.emulator.stats().tokensIssued;

      const fresh = await h.startInstance();
      reads.clear();
      const served = await graphql(fresh.url, ISSUE_WITH_IDENTITY, {}, user);
      expect(served.errors).toBeUndefined();
      expect(served.data).toEqual(stored.data);
      expect(served.data?.issueToken.identity).toEqual({ id: identity.id, appUserId: 'shared-entry-user', createdAt: identity.createdAt, tokensRevokedAt: null });
      expect(h.emulator.stats().tokensIssued).toBe(issuedBefore);
      // The entry itself, and the revocation clock (one read shared by concurrent hits): never the mapping.
      expect(Object.fromEntries(reads)).toEqual({ token_cache: 1, token_revocations: 1 });
      expect(await lookups(fresh)).toMatchObject({ shared: 1 });

      // What a hit serves unread is sealed with the token: an identity changed in the database opens nothing.
      const connection = await mongoose.createConnection(h.mongoUri).asPromise();
      try {
        const forged = new Date('2001-01-01T00:00:00Z');
        const changed = await connection.collection('token_cache').updateMany({ appUserId: 'shared-entry-user' }, { $set: { createdAt: forged } });
        expect(changed.modifiedCount).toBeGreaterThan(0);
        const another = await h.startInstance();
        reads.clear();
        const afterForgery = await graphql(another.url, ISSUE_WITH_IDENTITY, {}, user);
        // A miss reads the entry once to look, and once more after claiming the ACS call (another instance may have
        // stored it meanwhile): never a third time for the check against the mapping.
        expect(reads.get('token_cache')).toBe(2);
        expect(afterForgery.errors).toBeUndefined();
        expect(afterForgery.data?.issueToken.identity.createdAt).toBe(identity.createdAt);
        expect(afterForgery.data?.issueToken.accessToken.token).not.toBe(stored.data?.issueToken.accessToken.token);
        expect(await lookups(another)).toMatchObject({ miss: 1 });
      } finally {
        await connection.close();
      }
    } finally {
      mongoose.set('debug', false);
    }
  });

  it('never serves a token issued before revokeTokens or deleteUser, on any instance', async () => {
    const other = await h.startInstance();
    const user = await h.tokenFor('revoked-user');
    await h.gql('mutation { createUser { created } }', {}, user);
    const old = tokenOf(await h.gql(ISSUE, {}, user));
    expect(tokenOf(await graphql(other.url, ISSUE, {}, user))).toBe(old);

    expect((await graphql(other.url, 'mutation { revokeTokens { revokedAt } }', {}, user)).errors).toBeUndefined();
    expect(await h.introspect(old)).toMatchObject({ active: false, reason: 'revoked' });
    const afterRevoke = await Promise.all([h.gateway.url, other.url].map((url) => graphql(url, ISSUE, {}, user)));
    for (const result of afterRevoke) {
      expect(tokenOf(result)).not.toBe(old);
      expect(await h.introspect(tokenOf(result))).toMatchObject({ active: true });
    }

    expect((await h.gql('mutation { deleteUser { deletedIdentityId } }', {}, user)).errors).toBeUndefined();
    for (const url of [h.gateway.url, other.url]) {
      expect(errorCode(await graphql(url, ISSUE, {}, user))).toBe('IDENTITY_NOT_FOUND');
    }
    const connection = await mongoose.createConnection(h.mongoUri).asPromise();
    try {
      expect(await connection.collection('token_cache').countDocuments({ appUserId: 'revoked-user' })).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('keeps tokens encrypted at rest and reads them after a key rotation', async () => {
    const user = await h.tokenFor('sealed-user');
    await h.gql('mutation { createUser { created } }', {}, user);
    const token = tokenOf(await h.gql(ISSUE, {}, user));

    const connection = await mongoose.createConnection(h.mongoUri).asPromise();
    try {
      const raw = await connection.collection('token_cache').find({}).toArray();
      expect(raw.length).toBeGreaterThan(0);
      const dump = JSON.stringify(raw);
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(token.split('.')[1]);
      expect(dump).not.toMatch(/eyJ[\w-]+\.eyJ/);
      expect(raw.every((entry) => entry.keyId && entry.iv && entry.tag && entry.ciphertext)).toBe(true);
    } finally {
      await connection.close();
    }

    const rotated = await h.startInstance({ TOKEN_CACHE_KEYS: `${NEW_KEY},${OLD_KEY}` });
    expect(tokenOf(await graphql(rotated.url, ISSUE, {}, user))).toBe(token);
    const keyDropped = await h.startInstance({ TOKEN_CACHE_KEYS: NEW_KEY });
    const fresh = tokenOf(await graphql(keyDropped.url, ISSUE, {}, user));
    expect(fresh).not.toBe(token);
    expect(await h.introspect(fresh)).toMatchObject({ active: true });
  });
});
