import type { Connection } from 'mongoose';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Caller } from '../auth/caller.js';
import type { RateLimitConfig } from '../config/config.js';
import { ErrorCode, GatewayError } from '../errors.js';

export type LimitedOperation = 'issueToken' | 'createUserAndToken' | 'mutation' | 'anonymous';

/**
 * Per-caller, per-operation limits (and per-IP for anonymous traffic), kept in MongoDB so every
 * gateway instance on the same database counts against the same budget.
 */
export class RateLimits {
  private readonly limiters: Record<LimitedOperation, RateLimiterAbstract> | null;

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
            tableName: 'rate_limits',
            keyPrefix,
            points,
            duration: 60,
            // Its TTL index is a clean-up aid only; FerretDB v1 has no TTL indexes and correctness does not need one.
            disableIndexesCreation: true,
          });
    this.limiters = {
      issueToken: limiter('issueToken', config.perUserPerMinute.issueToken),
      createUserAndToken: limiter('createUserAndToken', config.perUserPerMinute.createUserAndToken),
      mutation: limiter('mutation', config.perUserPerMinute.otherMutations),
      anonymous: limiter('anonymous', config.anonymousPerMinute),
    };
  }

  /** Spends `points` of the caller's budget for an operation; past it, RATE_LIMITED with a retry hint. */
  async consume(operation: LimitedOperation, caller: Caller | null, clientIp: string, points = 1): Promise<void> {
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
