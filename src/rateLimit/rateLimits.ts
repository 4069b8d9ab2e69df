import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import type { Connection } from 'mongoose';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Caller } from '../auth/caller.js';
import { BUDGETS, RATE_BUDGETS, type RateBudget, type RateLimitConfig } from '../config/rateLimits.js';
import { ErrorCode, GatewayError } from '../errors.js';

export const RATE_LIMIT_COLLECTION = 'rate_limits';

/**
 * The lookup index rate-limiter-flexible would create, made here because its own creation always adds a TTL index,
 * which the embedded database refuses; expired windows are swept instead (bootstrap/expiry.ts). Without it MongoDB
 * scans the collection on every request.
 */
export async function createRateLimitIndexes(connection: Connection): Promise<void> {
  const collection = connection.collection(RATE_LIMIT_COLLECTION);
  // Unique: the first hits of one key, racing, share one document. On MongoDB it is also the lookup's index.
  const uniqueKey = () => collection.createIndex({ key: 1 }, { unique: true, name: 'key' });
  await uniqueKey().catch(async (error: unknown) => {
    if ((error as { code?: number }).code !== 11000) throw error;
    // Duplicates left from before the index: the documents are one-minute windows, so starting them over is harmless.
    await collection.deleteMany({});
    await uniqueKey();
  });
}

export interface RateLimitOptions {
  /**
   * Consume one key's budget one request at a time in this process. For a server that runs the store's upsert as
   * read-modify-write (DatabaseTraits): two consumes of a key at once would both read the same count, and a flood
   * would pass at several times its limit. Across instances such a server can still lose counts; MongoDB's is atomic.
   */
  oneConsumePerKey?: boolean;
}

/**
 * Per-caller, per-operation limits (and per-IP for anonymous traffic and rejected bearer tokens), kept in
 * MongoDB so every gateway instance on the same database counts against the same budget.
 */
export class RateLimits {
  private readonly limiters: Record<RateBudget, RateLimiterAbstract> | null;
  /**
   * Client IPs whose anonymous budget ran out, until it refills: checked before a bearer token is verified, so
   * that a flood of forged tokens costs neither signature checks nor store writes once it is over the limit.
   */
  private readonly exhaustedIps = new LRUCache<string, number>({ max: 100_000 });
  /** Per key, the consume in flight (see RateLimitOptions.oneConsumePerKey, and leases). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * With the shared store: points this instance has already taken from a key's budget in the store and not yet
   * spent, by budget and key (see consumeLeased). Null with the in-memory store, which needs none.
   */
  private readonly leases: LRUCache<string, Lease> | null;

  constructor(
    config: RateLimitConfig,
    connection: Connection,
    private readonly options: RateLimitOptions = {},
  ) {
    // Bounded lower than the refusals above: only busy keys gain from a lease, and one evicted loses at most MAX_AHEAD points.
    this.leases = config.store === 'mongo' ? new LRUCache({ max: 10_000 }) : null;
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
            tableName: RATE_LIMIT_COLLECTION,
            keyPrefix,
            points,
            duration: 60,
            disableIndexesCreation: true, // see createRateLimitIndexes
            // No inMemoryBlockOnConsumed: the leases below refuse a spent key from memory until its window ends,
            // and the block would outlive the points consumeLeased gives back.
          });
    // One limiter per budget of the table, keyed by the budget's name.
    this.limiters = Object.fromEntries(RATE_BUDGETS.map((budget) => [budget, limiter(budget, config.perMinute[budget])])) as Record<RateBudget, RateLimiterAbstract>;
  }

  /** Spends `points` of the caller's budget (of the client IP's, when anonymous); past it, RATE_LIMITED with a retry hint. */
  async consume(budget: RateBudget, caller: Caller | null, clientIp: string, points = 1): Promise<void> {
    if (!this.limiters) return;
    const anonymous = BUDGETS[budget].per === 'clientIp' || !caller;
    if (anonymous) this.assertIpNotExhausted(clientIp);
    const key = anonymous ? `ip:${rateLimitKeyOf(clientIp)}` : `${caller.issuer}|${caller.userId}`;
    const limiter = this.limiters[anonymous ? 'anonymous' : budget];
    const budgetKey = `${budget}:${key}`;
    try {
      if (this.leases) {
        if (!this.spendLeased(budgetKey, points)) await this.oneAtATime(budgetKey, () => this.consumeLeased(limiter, budgetKey, key, points));
      } else await (this.options.oneConsumePerKey ? this.oneAtATime(budgetKey, () => limiter.consume(key, points)) : limiter.consume(key, points));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        if (anonymous) this.exhaustedIps.set(rateLimitKeyOf(clientIp), Date.now() + rejection.msBeforeNext, { ttl: rejection.msBeforeNext });
        throw rateLimited(budget, rejection.msBeforeNext);
      }
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The rate-limit store is unavailable; retry later.', { cause: rejection });
    }
  }

  /**
   * Spends points this instance already took from the store for the key; false when it holds too few (then the
   * store is asked). Throws the refusal when the store said the budget is spent until the window ends.
   */
  private spendLeased(budgetKey: string, points: number): boolean {
    const lease = this.leases!.get(budgetKey);
    const now = Date.now();
    if (!lease || lease.until <= now) return false;
    if (lease.left >= points) {
      lease.left -= points;
      return true;
    }
    if (lease.left + lease.remaining < points) throw new RateLimiterRes(0, lease.until - now, lease.consumed + points);
    return false;
  }

  /**
   * Takes points from the shared store, and with them some in advance, so that a busy key costs the store a write
   * per several requests instead of one per request. Every point spent was first taken from the store, so all
   * instances together never admit more than the budget; what an instance took and did not spend is lost to the
   * key until its window ends. So it takes ahead only for a key it has already seen in the window and while the
   * store said at least LEASE_FROM points were left, never more than a quarter of them (MAX_AHEAD at most): a
   * small budget, and the last points of any budget, are taken one request at a time, as without leases.
   * Written by hand: rate-limiter-flexible has no such lease.
   */
  private async consumeLeased(limiter: RateLimiterAbstract, budgetKey: string, key: string, points: number): Promise<void> {
    if (this.spendLeased(budgetKey, points)) return; // a consume of the same key ran while this one queued
    const now = Date.now();
    const previous = this.leases!.get(budgetKey);
    const live = previous && previous.until > now ? previous : null;
    // Points still held count towards this request.
    const held = live?.left ?? 0;
    const ahead = live && live.remaining >= LEASE_FROM ? Math.min(MAX_AHEAD, Math.floor(live.remaining / 4)) : 0;
    try {
      const taken = await limiter.consume(key, points - held + ahead);
      this.leases!.set(budgetKey, { left: ahead, remaining: taken.remainingPoints, consumed: taken.consumedPoints, until: Date.now() + taken.msBeforeNext });
    } catch (rejection) {
      // Refused for the points taken ahead only (another instance spent some meanwhile): give those back, and the
      // request, which fits, goes on.
      if (ahead > 0 && rejection instanceof RateLimiterRes && rejection.consumedPoints - ahead <= limiter.points) {
        const back = await limiter.reward(key, ahead);
        this.leases!.set(budgetKey, { left: 0, remaining: back.remainingPoints, consumed: back.consumedPoints, until: Date.now() + back.msBeforeNext });
        return;
      }
      if (rejection instanceof RateLimiterRes) {
        // The points held stay held: a smaller request may still fit them.
        this.leases!.set(budgetKey, { left: held, remaining: 0, consumed: rejection.consumedPoints, until: Date.now() + rejection.msBeforeNext });
      }
      throw rejection;
    }
  }

  /** Runs consumes of one key one after the other; the map holds only the keys with a consume in flight. */
  private oneAtATime<T>(key: string, run: () => Promise<T>): Promise<T> {
    const result = (this.inFlight.get(key) ?? Promise.resolve()).then(run);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(key, settled);
    void settled.then(() => {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    });
    return result;
  }

  /** A bearer token was refused: it costs the client IP one request of its anonymous budget. */
  rejectedToken(clientIp: string): Promise<void> {
    return this.consume('anonymous', null, clientIp);
  }

  /** RATE_LIMITED, without asking the store, while the client IP's anonymous budget is known to be spent. */
  assertIpNotExhausted(clientIp: string): void {
    if (!this.limiters) return;
    const until = this.exhaustedIps.get(rateLimitKeyOf(clientIp));
    if (until !== undefined && until > Date.now()) throw rateLimited('anonymous', until - Date.now());
  }
}

/** Points an instance takes from a key's budget ahead of its requests, at most. */
const MAX_AHEAD = 15;
/** Points must be left in the store's window for an instance to take any ahead. */
const LEASE_FROM = 64;

interface Lease {
  /** Points taken from the store and not yet spent. */
  left: number;
  /** What the store said was left of the budget, and had been consumed, when the points were taken. */
  remaining: number;
  consumed: number;
  /** The end of the store's window: the points lapse with it. */
  until: number;
}

function rateLimited(budget: RateBudget, msBeforeNext: number): GatewayError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new GatewayError(ErrorCode.RATE_LIMITED, `Too many ${budget} requests; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
}

/**
 * The key an anonymous budget is counted under: the IPv4 address, or the IPv6 /64 network, since one host can
 * give itself any address of its /64.
 */
export function rateLimitKeyOf(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
