import type { Connection } from 'mongoose';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Caller } from '../auth/caller.js';
import type { RateLimitConfig } from '../config/config.js';
import { ErrorCode, GatewayError } from '../errors.js';

/** A budget per caller (or per client IP, for anonymous requests) per minute; mutations declare theirs with @RateLimited. */
export type RateBudget = 'issueToken' | 'createUserAndToken' | 'teamsExchange' | 'mutation' | 'anonymous';

const COLLECTION = 'rate_limits';

/**
 * The indexes rate-limiter-flexible would create, made here because its own creation always adds the TTL index,
 * which FerretDB v1 does not have. Without them MongoDB scans the collection on every request, and one document
 * per caller and operation stays forever.
 */
export async function createRateLimitIndexes(connection: Connection, { expireWithTtl }: { expireWithTtl: boolean }): Promise<void> {
  const collection = connection.collection(COLLECTION);
  // Unique: the first hits of one key, racing, share one document. On MongoDB it is also the lookup's index.
  const uniqueKey = () => collection.createIndex({ key: 1 }, { unique: true, name: 'key' });
  await uniqueKey().catch(async (error: unknown) => {
    if ((error as { code?: number }).code !== 11000) throw error;
    // Duplicates left from before the index: the documents are one-minute windows, so starting them over is harmless.
    await collection.deleteMany({});
    await uniqueKey();
  });
  if (expireWithTtl) await collection.createIndex({ expire: -1 }, { expireAfterSeconds: 0, name: 'expire_ttl' });
}

/**
 * Per-caller, per-operation limits (and per-IP for anonymous traffic), kept in MongoDB so every
 * gateway instance on the same database counts against the same budget.
 */
export class RateLimits {
  private readonly limiters: Record<RateBudget, RateLimiterAbstract> | null;

  constructor(config: RateLimitConfig, connection: Connection) {
    if (config.store === 'off') {
      this.limiters = null;
      return;
    }
    const limiter = (keyPrefix: string, points: number): RateLimiterAbstract =>
      config.store === 'memory'
        ? new RateLimiterMemory({ keyPrefix, points, duration: 60 })
        : new RateLimiterMongo({
            storeClient: connection,
            dbName: connection.db?.databaseName,
            tableName: COLLECTION,
            keyPrefix,
            points,
            duration: 60,
            disableIndexesCreation: true, // see createRateLimitIndexes
          });
    this.limiters = {
      issueToken: limiter('issueToken', config.perUserPerMinute.issueToken),
      createUserAndToken: limiter('createUserAndToken', config.perUserPerMinute.createUserAndToken),
      teamsExchange: limiter('teamsExchange', config.perUserPerMinute.teamsExchange),
      mutation: limiter('mutation', config.perUserPerMinute.otherMutations),
      anonymous: limiter('anonymous', config.anonymousPerMinute),
    };
  }

  /** Spends `points` of the caller's budget for an operation; past it, RATE_LIMITED with a retry hint. */
  async consume(operation: RateBudget, caller: Caller | null, clientIp: string, points = 1): Promise<void> {
    if (!this.limiters) return;
    const key = operation === 'anonymous' || !caller ? `ip:${clientIp}` : `${caller.issuer}|${caller.userId}`;
    try {
      await this.limiters[operation].consume(key, points);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new GatewayError(ErrorCode.RATE_LIMITED, `Too many ${operation} requests; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
      }
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The rate-limit store is unavailable; retry later.', { cause: rejection });
    }
  }
}
