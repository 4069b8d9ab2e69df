import mongoose, { type Connection } from 'mongoose';
import { isFerretDb } from '../../src/bootstrap/database.js';
import { EXPIRING_ROWS, setUpExpiry } from '../../src/bootstrap/expiry.js';
import { Lease } from '../../src/identity/reconcile/lease.js';
import { leaseModel } from '../../src/identity/reconcile/leaseModel.js';
import { scheduleReconciler } from '../../src/identity/reconcile/schedule.js';
import { createLogger } from '../../src/observability/logger.js';
import { uniqueDbUri } from '../support/mongo.js';

const DAY = 86_400_000;
type Row = { _id: string; [field: string]: unknown };

// Expiry is one path on every server: plain indexes and a sweep, no TTL index. Run against the suite's real server.
describe('expiry: the sweep and its indexes', () => {
  let connection: Connection;
  beforeEach(async () => {
    connection = await mongoose.createConnection(uniqueDbUri('expiry')).asPromise();
  });
  afterEach(() => connection.close());

  /** The indexes the server reports for a collection, as name → key. */
  const indexesOf = async (name: string) =>
    Object.fromEntries((await connection.collection(name).indexes()).map((index) => [index.name, { key: index.key, ttl: index.expireAfterSeconds }]));

  it('creates the index each sweep uses, read back with listIndexes, with no TTL option anywhere', async () => {
    await setUpExpiry(connection, { auditRetentionDays: 30 });
    for (const { collection, field, index } of EXPIRING_ROWS) {
      const indexes = await indexesOf(collection);
      expect(indexes[index]).toEqual({ key: { [field]: 1 }, ttl: undefined });
    }
    expect(EXPIRING_ROWS.map((rows) => rows.collection).sort()).toEqual(['audit_events', 'rate_limits', 'token_cache', 'token_leases']);
    // Twice is a no-op: every instance runs it at start.
    await expect(setUpExpiry(connection, { auditRetentionDays: 30 })).resolves.toBeInstanceOf(Function);
  });

  it('drops the TTL indexes of earlier versions by name, so that the sweep alone decides (audit retention included)', async () => {
    // The former names on the same keys; without their TTL option where the server has no TTL indexes.
    const ttl = !(await isFerretDb(connection));
    for (const { collection, field, formerTtlIndex } of EXPIRING_ROWS) {
      await connection.collection(collection).createIndex({ [field]: field === 'expire' ? -1 : 1 }, { name: formerTtlIndex, ...(ttl && { expireAfterSeconds: 0 }) });
    }
    await setUpExpiry(connection, { auditRetentionDays: 30 });
    for (const { collection, index, formerTtlIndex } of EXPIRING_ROWS) {
      const names = Object.keys(await indexesOf(collection));
      expect(names).not.toContain(formerTtlIndex);
      expect(names).toContain(index);
    }
  });

  it('sweeps exactly the rows past their date, and audit events past the retention only', async () => {
    const now = Date.now();
    const rows = (field: string, pastMs: number, futureMs: number) => [
      { _id: 'past', [field]: new Date(now - pastMs) },
      { _id: 'future', [field]: new Date(now + futureMs) },
    ];
    await connection.collection<Row>('token_cache').insertMany(rows('expiresOn', 1000, DAY));
    await connection.collection<Row>('token_leases').insertMany(rows('until', 1000, 60_000));
    await connection.collection<Row>('rate_limits').insertMany([...rows('expire', 1000, 60_000), { _id: 'never', expire: null }]);
    await connection.collection<Row>('audit_events').insertMany([
      { _id: 'old', at: new Date(now - 3 * DAY) },
      { _id: 'recent', at: new Date(now - DAY) },
    ]);
    const ids = async (name: string) => (await connection.collection<Row>(name).find().toArray()).map((row) => row._id).sort();

    const sweep = await setUpExpiry(connection, { auditRetentionDays: 2 });
    await sweep();
    expect(await ids('token_cache')).toEqual(['future']);
    expect(await ids('token_leases')).toEqual(['future']);
    expect(await ids('rate_limits')).toEqual(['future', 'never']);
    expect(await ids('audit_events')).toEqual(['recent']);

    // AUDIT_RETENTION_DAYS=0 keeps the audit trail forever; a shorter retention applies at the next sweep.
    await (await setUpExpiry(connection, { auditRetentionDays: 0 }))();
    expect(await ids('audit_events')).toEqual(['recent']);
    await connection.collection('audit_events').insertOne({ at: new Date(now - 10 * DAY) });
    await (await setUpExpiry(connection, { auditRetentionDays: 0 }))();
    expect(await ids('audit_events')).toHaveLength(2);
    await (await setUpExpiry(connection, { auditRetentionDays: 1 }))();
    expect(await ids('audit_events')).toEqual([]);
  });

  it('sweeps on the schedule with the reconciler turned off (RECONCILE_INTERVAL_MS=0), under the lease', async () => {
    await connection.collection<Row>('token_cache').insertOne({ _id: 'past', expiresOn: new Date(Date.now() - 1000) });
    const sweep = await setUpExpiry(connection, { auditRetentionDays: 0 });
    let sweeps = 0;
    const lease = new Lease(leaseModel(connection), 'reconciler', 'expiry-test');
    const schedule = scheduleReconciler(null, lease, 50, createLogger({ level: 'silent' }), async () => {
      sweeps++;
      await sweep();
    });
    try {
      for (let attempt = 0; attempt < 100 && sweeps < 2; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await schedule.stop();
    }
    expect(sweeps).toBeGreaterThanOrEqual(2);
    expect(await connection.collection('token_cache').countDocuments()).toBe(0);
    // Another holder's live lease: this instance skips its turns.
    await leaseModel(connection).create({ _id: 'reconciler', holder: 'someone-else', expiresAt: new Date(Date.now() + 60_000) });
    const skipped = scheduleReconciler(null, lease, 20, createLogger({ level: 'silent' }), async () => {
      sweeps = -1;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await skipped.stop();
    expect(sweeps).toBeGreaterThanOrEqual(2);
  });

  it('is needed: the embedded database refuses a TTL index (on MongoDB it is made)', async () => {
    const ferretDb = await isFerretDb(connection);
    const creating = connection.collection('ttl_probe').createIndex({ at: 1 }, { name: 'probe', expireAfterSeconds: 60 });
    if (ferretDb) await expect(creating).rejects.toMatchObject({ code: 238 }); // NotImplemented
    else await expect(creating).resolves.toBe('probe');
  });
});
