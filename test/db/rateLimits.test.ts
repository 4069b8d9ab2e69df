import mongoose, { type Connection } from 'mongoose';
import type { RateLimitConfig } from '../../src/config/config.js';
import { createRateLimitIndexes, RateLimits } from '../../src/rateLimit/rateLimits.js';
import { uniqueDbUri } from '../support/mongo.js';

// The shared rate-limit store against the suite's real server: what it costs in writes, and that instances
// together never admit more than the budget.
const config = (issueToken: number): RateLimitConfig => ({
  store: 'mongo',
  perMinute: { issueToken, createUserAndToken: 10, mutation: 10, anonymous: 10, entities: 10, reads: 10, teamsExchange: 10 },
});
const caller = (userId: string) => ({ issuer: 'https://issuer.test/', userId, isAdmin: false });
const admitted = (attempt: Promise<void>) =>
  attempt.then(
    () => true,
    (error: { extensions?: { code?: string } }) => {
      if (error.extensions?.code !== 'RATE_LIMITED') throw error;
      return false;
    },
  );

describe('rate limits in the shared store', () => {
  let uri: string;
  const connections: Connection[] = [];
  const connect = async () => {
    const connection = await mongoose.createConnection(uri, { monitorCommands: true }).asPromise();
    connections.push(connection);
    return connection;
  };
  /** Commands that write the rate_limits collection, as the driver sends them. */
  const countWrites = (connection: Connection) => {
    const seen = { writes: 0 };
    connection.getClient().on('commandStarted', (event) => {
      const target = event.command[event.commandName];
      if (target === 'rate_limits' && ['findAndModify', 'update', 'insert'].includes(event.commandName)) seen.writes++;
    });
    return seen;
  };

  beforeAll(async () => {
    uri = uniqueDbUri('rate_limits');
    const first = await connect();
    await createRateLimitIndexes(first);
  });
  afterAll(() => Promise.all(connections.map((c) => c.close())));

  it('costs a busy caller far less than one store write per request', async () => {
    const connection = await connect();
    const limits = new RateLimits(config(1000), connection);
    const seen = countWrites(connection);
    for (let i = 0; i < 100; i++) await limits.consume('issueToken', caller('busy'), '10.0.0.1');
    expect(seen.writes).toBeGreaterThan(0);
    expect(seen.writes).toBeLessThanOrEqual(10);
    // Concurrent requests of one key share the points taken too.
    const before = seen.writes;
    await Promise.all(Array.from({ length: 50 }, () => limits.consume('issueToken', caller('busy'), '10.0.0.1')));
    expect(seen.writes - before).toBeLessThanOrEqual(6);
  });

  it('admits no more than the budget across two instances, and refuses a spent key without writing', async () => {
    const [a, b] = [await connect(), await connect()];
    const instances = [new RateLimits(config(200), a), new RateLimits(config(200), b)];
    const writes = [countWrites(a), countWrites(b)];
    const outcomes: boolean[] = [];
    // Alternating, as a client spreading its requests over instances would.
    for (let i = 0; i < 300; i++) outcomes.push(await admitted(instances[i % 2]!.consume('issueToken', caller('spreader'), '10.0.0.2')));
    const admittedCount = outcomes.filter(Boolean).length;
    expect(admittedCount).toBeLessThanOrEqual(200);
    // What an instance took ahead and did not spend is lost for the window, at most 15 points each; the last 64
    // points of a budget go one at a time.
    expect(admittedCount).toBeGreaterThanOrEqual(170);
    expect(writes[0]!.writes + writes[1]!.writes).toBeLessThan(admittedCount / 2);
    expect(outcomes.slice(-40).some(Boolean)).toBe(false);
    // Once the store said the key is spent, each instance refuses it from memory.
    const spent = writes[0]!.writes + writes[1]!.writes;
    for (let i = 0; i < 20; i++) expect(await admitted(instances[i % 2]!.consume('issueToken', caller('spreader'), '10.0.0.2'))).toBe(false);
    expect(writes[0]!.writes + writes[1]!.writes).toBe(spent);
  });

  it('spends a small budget exactly, one request at a time, across two instances', async () => {
    const [a, b] = [await connect(), await connect()];
    const instances = [new RateLimits(config(10), a), new RateLimits(config(10), b)];
    const outcomes: boolean[] = [];
    for (let i = 0; i < 14; i++) outcomes.push(await admitted(instances[i % 2]!.consume('issueToken', caller('small'), '10.0.0.3')));
    expect(outcomes).toEqual([...Array(10).fill(true), ...Array(4).fill(false)]);
  });
});
