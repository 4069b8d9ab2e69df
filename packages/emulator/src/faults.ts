// Injected faults for reliability tests: latency, a share of 500/503 answers, forced 429s.
import { setTimeout as sleep } from 'node:timers/promises';
import { AcsError, tooManyRequests } from './errors.js';
import type { FaultOptions } from './types.js';

export class Faults {
  private current: FaultOptions;

  constructor(initial: FaultOptions = {}) {
    this.current = validateFaults(initial);
  }

  get(): FaultOptions {
    return { ...this.current };
  }

  set(f: FaultOptions): void {
    this.current = validateFaults(f);
  }

  /** Waits the configured latency, then throws the injected error for this request, if any. */
  async apply(): Promise<void> {
    const f = this.current;
    if (f.latencyMs) await sleep(f.latencyMs);
    const retryAfter = f.retryAfterSeconds ?? 1;
    if (f.force429 && f.force429 > 0) {
      f.force429 -= 1;
      throw tooManyRequests(retryAfter);
    }
    if (f.force429Rate && Math.random() < f.force429Rate) throw tooManyRequests(retryAfter);
    if (f.errorRate && Math.random() < f.errorRate) throw injectedError(f.errorStatus ?? 503, retryAfter);
  }
}

function injectedError(status: 500 | 503, retryAfterSeconds: number): AcsError {
  return status === 503
    ? new AcsError(503, 'ServiceUnavailable', 'The service is temporarily unavailable.', undefined, {
        'Retry-After': String(retryAfterSeconds),
      })
    : new AcsError(500, 'InternalServerError', 'An internal server error occurred.');
}

/** Rejects malformed settings (PUT /_emulator/faults takes them from the wire). */
export function validateFaults(f: FaultOptions): FaultOptions {
  const rate = (v: unknown) => v === undefined || (typeof v === 'number' && v >= 0 && v <= 1);
  const count = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
  const ok =
    typeof f === 'object' && f !== null &&
    count(f.latencyMs) && rate(f.errorRate) && count(f.force429) && rate(f.force429Rate) && count(f.retryAfterSeconds) &&
    (f.errorStatus === undefined || f.errorStatus === 500 || f.errorStatus === 503);
  if (!ok) throw new AcsError(400, 'ValidationError', 'Invalid fault settings.');
  return {
    ...(f.latencyMs !== undefined && { latencyMs: f.latencyMs }),
    ...(f.errorRate !== undefined && { errorRate: f.errorRate }),
    ...(f.errorStatus !== undefined && { errorStatus: f.errorStatus }),
    ...(f.force429 !== undefined && { force429: f.force429 }),
    ...(f.force429Rate !== undefined && { force429Rate: f.force429Rate }),
    ...(f.retryAfterSeconds !== undefined && { retryAfterSeconds: f.retryAfterSeconds }),
  };
}
