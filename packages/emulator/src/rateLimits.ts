// Per-operation request limits in fixed windows, as documented for ACS (requests per 30 s per resource).
import { tooManyRequests } from './errors.js';
import type { LimitedOperation } from './types.js';

export const DEFAULT_RATE_LIMITS: Record<LimitedOperation, number> = {
  create: 1000,
  issue: 1000,
  revoke: 500,
  delete: 500,
  exchange: 500,
};

export class RateLimiter {
  private windowStart = 0;
  private readonly counts = new Map<LimitedOperation, number>();

  constructor(
    private readonly limits: Record<LimitedOperation, number>,
    private readonly windowMs = 30_000,
  ) {}

  /** Counts one request; throws a 429 with Retry-After once the window's limit is used up. */
  take(op: LimitedOperation, nowMs = Date.now()): void {
    const start = nowMs - (nowMs % this.windowMs);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.counts.clear();
    }
    const used = (this.counts.get(op) ?? 0) + 1;
    this.counts.set(op, used);
    if (used > this.limits[op]) {
      throw tooManyRequests(Math.max(1, Math.ceil((start + this.windowMs - nowMs) / 1000)));
    }
  }
}
