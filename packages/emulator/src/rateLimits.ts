// Per-operation request limits in fixed windows, as documented for ACS (requests per 30 s per resource).
import { tooManyRequests } from './errors.js';
import { OPERATIONS, type Operation, type RateLimit } from './types.js';

// The documented limits; get and the assignment routes have none documented, so they are unlimited.
export const DEFAULT_RATE_LIMITS: Record<Operation, RateLimit> = {
  create: 1000,
  issue: 1000,
  revoke: 500,
  delete: 500,
  get: 'off',
  exchange: 500,
  // Inferred: the Entra exchanges are throttled like the Teams user exchange.
  entraExchange: 500,
  assignments: 'off',
};

export class RateLimiter {
  private windowStart = -Infinity;
  private readonly counts = new Map<Operation, number>();
  private readonly limits: Record<Operation, number>;

  constructor(
    limits: Partial<Record<Operation, RateLimit>>,
    private readonly windowMs = 30_000,
  ) {
    checkRateLimits(limits, windowMs);
    const merged = { ...DEFAULT_RATE_LIMITS, ...limits };
    this.limits = Object.fromEntries(OPERATIONS.map((op) => [op, merged[op] === 'off' ? Infinity : merged[op]])) as Record<Operation, number>;
  }

  /**
   * Counts one request; throws a 429 with Retry-After once the window's limit is used up. A window opens with
   * the first request after the last one closed, so a burst is never split by a clock boundary.
   */
  take(op: Operation, nowMs = Date.now()): void {
    const limit = this.limits[op];
    if (limit === Infinity) return;
    if (nowMs >= this.windowStart + this.windowMs) {
      this.windowStart = nowMs;
      this.counts.clear();
    }
    const start = this.windowStart;
    const used = (this.counts.get(op) ?? 0) + 1;
    this.counts.set(op, used);
    if (used > limit) {
      throw tooManyRequests(Math.max(1, Math.ceil((start + this.windowMs - nowMs) / 1000)));
    }
  }
}

/** Programming errors in startEmulator's options: thrown as TypeError, before anything listens. */
export function checkRateLimits(limits: Partial<Record<string, unknown>>, windowMs: number): void {
  for (const [op, limit] of Object.entries(limits)) {
    if (!(OPERATIONS as readonly string[]).includes(op)) throw new TypeError(`rateLimits: unknown operation '${op}'`);
    const ok = limit === 'off' || limit === Infinity || (typeof limit === 'number' && Number.isInteger(limit) && limit >= 0);
    if (!ok) throw new TypeError(`rateLimits.${op} must be a whole number of requests or 'off'`);
  }
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new TypeError('rateLimitWindowMs must be a positive whole number');
}
