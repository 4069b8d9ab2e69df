import mongoose, { type Connection } from 'mongoose';
import { databaseTraits, MONGODB_TRAITS } from '../../src/bootstrap/database.js';
import type { RateLimitConfig } from '../../src/config/config.js';
import { GatewayError } from '../../src/errors.js';
import { createRateLimitIndexes, RateLimits } from '../../src/rateLimit/rateLimits.js';
import { uniqueDbUri } from '../support/mongo.js';

const LIMIT = 5;
const config: RateLimitConfig = {
  store: 'mongo',
  perMinute: { issueToken: LIMIT, createUserAndToken: LIMIT, mutation: LIMIT, anonymous: LIMIT, entities: LIMIT, reads: LIMIT, teamsExchange: LIMIT },
};
const caller = (userId: string) => ({ issuer: 'https://issuer.test/', userId, isAdmin: false });
const outcome = (consume: Promise<void>) =>
  consume.then(
    () => 'OK',
    (error: unknown) => (error instanceof GatewayError ? error.code : String(error)),
  );

// The shared (mongo) store both ways, against the suite's real server: each consume as its own upsert (MongoDB's
// path: atomic there), and one consume per key at a time in the process (the path for a server whose upserts are a
// read then a write, see bootstrap/database.ts).
describe.each([
  ['each consume its own upsert (MongoDB)', false],
  ['one consume per key at a time', true],
])('the shared rate-limit store, %s', (_how, oneConsumePerKey) => {
  let connection: Connection;
  let limits: RateLimits;
  beforeAll(async () => {
    connection = await mongoose.createConnection(uniqueDbUri(`rate_limits_${oneConsumePerKey}`)).asPromise();
    await createRateLimitIndexes(connection);
    limits = new RateLimits(config, connection, { oneConsumePerKey });
  });
  afterAll(() => connection.close());

  it('counts one caller sequentially to the limit, then RATE_LIMITED; another caller is unaffected', async () => {
    const results: string[] = [];
    for (let i = 0; i < LIMIT + 2; i++) results.push(await outcome(limits.consume('issueToken', caller('sequential'), '203.0.113.1')));
    expect(results).toEqual([...Array<string>(LIMIT).fill('OK'), 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(await outcome(limits.consume('issueToken', caller('bystander'), '203.0.113.1'))).toBe('OK');
    // One document per caller and operation.
    expect(await connection.collection('rate_limits').countDocuments({ key: 'issueToken:https://issuer.test/|sequential' })).toBe(1);
  });

  it('counts a concurrent flood of one key exactly where the path promises it', async () => {
    const traits = await databaseTraits(connection);
    const results = await Promise.all(Array.from({ length: 30 }, () => outcome(limits.consume('mutation', caller('flood'), '203.0.113.2'))));
    const served = results.filter((result) => result === 'OK').length;
    expect(results.every((result) => result === 'OK' || result === 'RATE_LIMITED')).toBe(true);
    // Serialized, or on a server whose upsert is atomic, exactly the limit; otherwise at least the limit.
    if (oneConsumePerKey || traits === MONGODB_TRAITS) expect(served).toBe(LIMIT);
    else expect(served).toBeGreaterThanOrEqual(LIMIT);
  });

  it('turns a store failure into UPSTREAM_UNAVAILABLE, and a closed store costs no process', async () => {
    const closing = await mongoose.createConnection(uniqueDbUri(`rate_limits_closed_${oneConsumePerKey}`)).asPromise();
    const broken = new RateLimits(config, closing, { oneConsumePerKey });
    await closing.close();
    expect(await outcome(broken.consume('issueToken', caller('anyone'), '203.0.113.3'))).toBe('UPSTREAM_UNAVAILABLE');
  });
});
