import mongoose from 'mongoose';
import { uniqueDbName, uniqueDbUri, withDatabase } from '../support/mongo.js';

describe('withDatabase', () => {
  it('appends the database to a bare base URI', () => {
    expect(withDatabase('mongodb://127.0.0.1:40000/', 'x')).toBe('mongodb://127.0.0.1:40000/x');
    expect(withDatabase('mongodb://127.0.0.1:40000', 'x')).toBe('mongodb://127.0.0.1:40000/x');
  });

  it('replaces an existing database and keeps the query string', () => {
    expect(withDatabase('mongodb://h1:1,h2:2/old?replicaSet=rs0&w=majority', 'new')).toBe(
      'mongodb://h1:1,h2:2/new?replicaSet=rs0&w=majority',
    );
    expect(withDatabase('mongodb+srv://cluster.example.net/?retryWrites=true', 'new')).toBe(
      'mongodb+srv://cluster.example.net/new?retryWrites=true',
    );
  });

  it('pins authSource so credentials keep authenticating against the original database', () => {
    expect(withDatabase('mongodb://u:p%2F@h/app', 'new')).toBe('mongodb://u:p%2F@h/new?authSource=app');
    expect(withDatabase('mongodb://u:p@h/?tls=true', 'new')).toBe('mongodb://u:p@h/new?tls=true&authSource=admin');
    expect(withDatabase('mongodb://u:p@h/app?authSource=other', 'new')).toBe('mongodb://u:p@h/new?authSource=other');
  });

  it('rejects non-MongoDB URIs without echoing credentials', () => {
    expect(() => withDatabase('postgres://u:secret@h/db', 'x')).toThrow(/Not a MongoDB connection string/);
    expect(() => withDatabase('postgres://u:secret@h/db', 'x')).not.toThrow(/secret/);
  });
});

describe('uniqueDbName', () => {
  it('is unique per call and safe for MongoDB and FerretDB', () => {
    const a = uniqueDbName('test/db/some file.test.ts');
    const b = uniqueDbName('test/db/some file.test.ts');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,63}$/);
    expect(uniqueDbName('x'.repeat(200)).length).toBeLessThanOrEqual(63);
  });
});

describe('the suite MongoDB from globalSetup', () => {
  it('is reachable through uniqueDbUri', async () => {
    const conn = await mongoose.createConnection(uniqueDbUri('mongoUri'), { serverSelectionTimeoutMS: 5000 }).asPromise();
    try {
      const col = conn.db!.collection('probe');
      await col.insertOne({ hello: 'world' });
      expect(await col.countDocuments()).toBe(1);
    } finally {
      await conn.dropDatabase();
      await conn.close();
    }
  });
});
