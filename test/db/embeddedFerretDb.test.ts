import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mongoose, { Schema } from 'mongoose';
import { ensureFerretDbBinary, startEmbeddedMongo, type EmbeddedMongo } from '../../src/local/embeddedMongo/index.js';
import { withDatabase } from '../support/mongo.js';
import { isListening } from '../harness/net.js';

// Shaped like the gateway's mapping: a unique app-user key and a unique ACS id.
const mappingSchema = new Schema({
  key: { type: String, required: true, unique: true },
  acsId: { type: String, required: true, unique: true },
  hits: { type: Number, default: 0 },
});

describe('startEmbeddedMongo with FerretDB', () => {
  let dataDir: string;
  const started: EmbeddedMongo[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-ferretdb-test-'));
    await ensureFerretDbBinary((msg) => process.stderr.write(`${msg}\n`)); // a cold build takes minutes
  }, 15 * 60_000);

  afterAll(async () => {
    await Promise.all(started.map((m) => m.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<EmbeddedMongo> {
    const mongo = await startEmbeddedMongo({ dataDir, preferMemoryServer: false });
    started.push(mongo);
    return mongo;
  }

  it('serves mongoose: unique indexes, duplicate-key rejection, upsert; data survives a restart; stop closes the port', async () => {
    const first = await start();
    expect(first.kind).toBe('ferretdb');
    expect(first.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);

    const uri = withDatabase(first.uri, 'embedded_test');
    let conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
    let Mapping = conn.model('Mapping', mappingSchema);
    await Mapping.init(); // builds the unique indexes

    await Mapping.create({ key: 'iss|alice', acsId: '8:acs:alice' });
    await expect(Mapping.create({ key: 'iss|alice', acsId: '8:acs:other' })).rejects.toMatchObject({ code: 11000 });
    await expect(Mapping.create({ key: 'iss|bob', acsId: '8:acs:alice' })).rejects.toMatchObject({ code: 11000 });

    const upserted = await Mapping.findOneAndUpdate(
      { key: 'iss|carol' },
      { $setOnInsert: { acsId: '8:acs:carol' }, $inc: { hits: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(upserted).toMatchObject({ key: 'iss|carol', acsId: '8:acs:carol', hits: 1 });
    const again = await Mapping.findOneAndUpdate({ key: 'iss|carol' }, { $inc: { hits: 1 } }, { upsert: true, returnDocument: 'after' });
    expect(again?.hits).toBe(2);
    expect(await Mapping.countDocuments()).toBe(2);
    await conn.close();

    await first.stop();
    expect(await isListening(first.uri)).toBe(false);
    await first.stop(); // idempotent

    const second = await start();
    conn = await mongoose.createConnection(withDatabase(second.uri, 'embedded_test'), { serverSelectionTimeoutMS: 5000 }).asPromise();
    Mapping = conn.model('Mapping', mappingSchema);
    const keys = (await Mapping.find().sort({ key: 1 }).lean()).map((d) => d.key);
    expect(keys).toEqual(['iss|alice', 'iss|carol']);
    // The unique index survived too, not just the documents.
    await expect(Mapping.create({ key: 'iss|alice', acsId: '8:acs:x' })).rejects.toMatchObject({ code: 11000 });
    await conn.close();

    const pid = second.pid;
    await second.stop();
    expect(await isListening(second.uri)).toBe(false);
    expect(pid).toBeDefined();
    expect(() => process.kill(pid!, 0)).toThrow(); // reaped by us, so ESRCH
  });

  it('indexes the `_id` lookups FerretDB pushes down to SQLite, which its own `_id` index does not serve', async () => {
    const mongo = await start();
    const client = await mongoose.createConnection(withDatabase(mongo.uri, 'pushdown_test'), { serverSelectionTimeoutMS: 5000 }).asPromise();
    const things = client.collection('things');
    await things.insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 2 }] as never[]);

    const file = join(dataDir, 'ferretdb', 'pushdown_test.sqlite');
    const sqlite = new DatabaseSync(file, { readOnly: true });
    try {
      // FerretDB's table for the collection, then the wrapper's index on it, which it adds within a check or two.
      const table = () =>
        (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'things%'`).get() as { name: string } | undefined)?.name;
      const indexOf = (t: string) =>
        sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).get(`${t}__id_pushdown`) as { sql: string } | undefined;
      let index: { sql: string } | undefined;
      for (let i = 0; i < 50 && !index; i++) {
        const t = table();
        index = t ? indexOf(t) : undefined;
        if (!index) await new Promise((r) => setTimeout(r, 100));
      }
      expect(index?.sql).toContain(`_ferretdb_sjson->'$._id'`);

      // The statement FerretDB v1.24 runs for find({_id}) now searches the index instead of scanning the table.
      const plan = sqlite
        .prepare(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "${table()!}" WHERE _ferretdb_sjson->'$._id' = ?`)
        .all('"a"') as { detail: string }[];
      expect(plan.map((row) => row.detail).join('\n')).toMatch(/SEARCH .* USING INDEX .*__id_pushdown/);
    } finally {
      sqlite.close();
    }

    // Invisible to MongoDB clients, and lookups still answer the same.
    expect((await things.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
    expect(await things.findOne({ _id: 'b' } as never)).toEqual({ _id: 'b', n: 2 });
    await things.updateOne({ _id: 'a' } as never, { $set: { n: 10 } });
    expect(await things.find({}).sort({ _id: 1 }).toArray()).toEqual([{ _id: 'a', n: 10 }, { _id: 'b', n: 2 }]);
    await client.close();
  });

  it('ensureFerretDbBinary is idempotent and fast once built', async () => {
    const first = await ensureFerretDbBinary();
    const t = performance.now();
    const second = await ensureFerretDbBinary(() => {
      throw new Error('must not build or log when up to date');
    });
    const ms = performance.now() - t;
    expect(second).toBe(first);
    expect(ms).toBeLessThan(200);
  });

  it('says what to set when no MongoDB can be had', async () => {
    const saved = process.env.MONGOMS_SYSTEM_BINARY;
    process.env.MONGOMS_SYSTEM_BINARY = join(dataDir, 'no-such-mongod'); // memory-server route unavailable
    try {
      // A data dir under a regular file cannot be created, so the FerretDB route fails too.
      const blocked = join(dataDir, 'a-file');
      await writeFile(blocked, '');
      await expect(startEmbeddedMongo({ dataDir: blocked })).rejects.toThrow(
        /Set MONGODB_URI[\s\S]*mongodb-memory-server: MONGOMS_SYSTEM_BINARY=[\s\S]*FerretDB: /,
      );
    } finally {
      if (saved === undefined) delete process.env.MONGOMS_SYSTEM_BINARY;
      else process.env.MONGOMS_SYSTEM_BINARY = saved;
    }
  });
});
