import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { AuditLog, type AuditEntry } from '../../src/audit/auditLog.js';
import { auditEventModel } from '../../src/audit/auditEventModel.js';
import { startEmbeddedMongo } from '../../src/local/embeddedMongo/index.js';
import { uniqueDbUri } from '../support/mongo.js';

// The audit trail's group commit against the suite's real server: which requests a write's failure reaches.
const entry = (requestId: string): AuditEntry => ({
  requestId,
  action: 'issueToken',
  outcome: 'success',
  actor: { issuer: 'https://issuer.test/', userId: 'auditee', isAdmin: false },
  subjectAppUserId: 'auditee',
});
const outcomes = (writes: Promise<void>[]) => Promise.all(writes.map((w) => w.then(() => 'stored', () => 'failed')));

describe('AuditLog group commit', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await mongoose.createConnection(uniqueDbUri('audit_log'), { monitorCommands: true }).asPromise();
  });
  afterAll(() => connection.close());

  it('writes the events of one turn in bounded batches, and each caller waits for the write holding its event', async () => {
    const model = auditEventModel(connection);
    const log = new AuditLog(model, { maxBatch: 4, maxWaitMs: 1, writeTimeoutMs: 10_000 });
    // What the server is sent, through the driver's command monitoring.
    const inserts: number[] = [];
    const onCommand = (event: { commandName: string; command: { documents?: unknown[] } }) => {
      if (event.commandName === 'insert') inserts.push(event.command.documents?.length ?? 0);
    };
    connection.getClient().on('commandStarted', onCommand);
    try {
      const ids = Array.from({ length: 10 }, (_, i) => `batched-${i}`);
      expect(await outcomes(ids.map((id) => log.record(entry(id))))).toEqual(ids.map(() => 'stored'));
      // Ten events of one turn with at most four a write: 4 + 4 + 2, never one write per event. The writes go
      // out together, so the driver may start them in any order.
      expect([...inserts].sort((a, b) => b - a)).toEqual([4, 4, 2]);
      expect(await model.collection.countDocuments({ requestId: { $in: ids } })).toBe(10);
    } finally {
      connection.getClient().off('commandStarted', onCommand);
    }
  });

  it('fails exactly the callers whose events the database refused, and stores the rest', async () => {
    const model = auditEventModel(connection);
    // A real refusal by the server: a unique index on requestId, and events already stored under two of the ids.
    await model.collection.createIndex({ requestId: 1 }, { unique: true, name: 'doom_request_id' });
    await model.collection.insertMany([{ requestId: 'doomed-3' }, { requestId: 'doomed-7' }]);
    try {
      const log = new AuditLog(model, { maxBatch: 64, maxWaitMs: 1, writeTimeoutMs: 10_000 });
      const ids = Array.from({ length: 10 }, (_, i) => (i === 3 || i === 7 ? `doomed-${i}` : `fine-${i}`));
      const results = await outcomes(ids.map((id) => log.record(entry(id))));
      expect(results).toEqual(ids.map((id) => (id.startsWith('doomed') ? 'failed' : 'stored')));
      expect(await model.collection.countDocuments({ requestId: { $regex: '^fine-' } })).toBe(8);

      // Every event of a write refused: every caller fails.
      const all = await outcomes([log.record(entry('doomed-3')), log.record(entry('doomed-7'))]);
      expect(all).toEqual(['failed', 'failed']);
    } finally {
      await model.collection.dropIndex('doom_request_id');
    }
  });

  it('fails every caller of a write that never reached a database that is down', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-audit-down-'));
    const mongo = await startEmbeddedMongo({ dataDir });
    const down = await mongoose.createConnection(new URL('audit_down', mongo.uri).toString(), { serverSelectionTimeoutMS: 1000 }).asPromise();
    try {
      const log = new AuditLog(auditEventModel(down), { maxBatch: 64, maxWaitMs: 1, writeTimeoutMs: 10_000 });
      expect(await outcomes([log.record(entry('before'))])).toEqual(['stored']);
      await mongo.stop();
      expect(await outcomes([1, 2, 3].map((i) => log.record(entry(`lost-${i}`))))).toEqual(['failed', 'failed', 'failed']);
    } finally {
      await down.close(true);
      await mongo.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fails the callers of a write the server never answers once its deadline passes, and goes on writing', async () => {
    // The driver's lost write (seen when the server restarted under load, test/consistency/crashes.test.ts) made
    // real: the server is frozen (SIGSTOP) with the connection open, and the socket has no timeout of its own.
    const dataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-audit-frozen-'));
    const mongo = await startEmbeddedMongo({ dataDir });
    const frozen = await mongoose.createConnection(new URL('audit_frozen', mongo.uri).toString(), { socketTimeoutMS: 0 }).asPromise();
    try {
      const log = new AuditLog(auditEventModel(frozen), { maxBatch: 64, maxWaitMs: 1, writeTimeoutMs: 300 });
      expect(await outcomes([log.record(entry('before'))])).toEqual(['stored']);
      process.kill(mongo.pid!, 'SIGSTOP');
      let first: Promise<void>[];
      try {
        const started = performance.now();
        first = [1, 2, 3].map((i) => log.record(entry(`never-answered-${i}`)));
        expect(await outcomes(first)).toEqual(['failed', 'failed', 'failed']);
        expect(performance.now() - started).toBeGreaterThanOrEqual(290);
        await expect(first[0]).rejects.toThrow('The audit write was not answered within 300 ms.');
      } finally {
        process.kill(mongo.pid!, 'SIGCONT');
      }
      expect(await outcomes([4, 5].map((i) => log.record(entry(`after-${i}`))))).toEqual(['stored', 'stored']);
      expect(await auditEventModel(frozen).collection.countDocuments({ requestId: { $in: ['after-4', 'after-5'] } })).toBe(2);
    } finally {
      await frozen.close(true);
      await mongo.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
