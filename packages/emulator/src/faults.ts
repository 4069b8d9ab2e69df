// Injected faults for reliability tests: latency, a share of error answers (429, 5xx), forced 429s;
// globally or per operation. Settings come from code, the command line and PUT /_emulator/faults, so every
// value is checked and refused with a 400 naming the field.
import { setTimeout as sleep } from 'node:timers/promises';
import { AcsError, tooManyRequests, validation } from './errors.js';
import { FAULT_STATUSES, OPERATIONS, type FaultOptions, type FaultStatus, type Operation, type OperationFaults } from './types.js';

export const MAX_LATENCY_MS = 300_000;
const MAX_RETRY_AFTER_S = 86_400;
const MAX_COUNT = 1_000_000_000;

export class Faults {
  private current: FaultOptions;

  constructor(initial: unknown = {}) {
    this.current = validateFaults(initial);
  }

  get(): FaultOptions {
    return structuredClone(this.current);
  }

  set(f: unknown): void {
    this.current = validateFaults(f);
  }

  /** Waits the configured latency, then throws the injected error for this request, if any. */
  async apply(op: Operation | undefined): Promise<void> {
    const f = this.current;
    const rule: OperationFaults | undefined = op ? f.byOperation?.[op] : undefined;
    const latencyMs = rule?.latencyMs ?? f.latencyMs;
    if (latencyMs) await sleep(latencyMs);
    const retryAfter = f.retryAfterSeconds ?? 1;
    if (f.force429 && f.force429 > 0) {
      f.force429 -= 1;
      throw tooManyRequests(retryAfter);
    }
    if (f.force429Rate && Math.random() < f.force429Rate) throw tooManyRequests(retryAfter);
    const [rate, status] = rule?.errorRate !== undefined ? [rule.errorRate, rule.errorStatus] : [f.errorRate, f.errorStatus];
    if (rate && Math.random() < rate) throw injectedError(status ?? 503, retryAfter);
  }
}

function injectedError(status: FaultStatus, retryAfterSeconds: number): AcsError {
  const retryAfter = { 'Retry-After': String(retryAfterSeconds) };
  switch (status) {
    case 429:
      return tooManyRequests(retryAfterSeconds);
    case 503:
      return new AcsError(503, 'ServiceUnavailable', 'The service is temporarily unavailable.', undefined, retryAfter, true);
    case 502:
      return new AcsError(502, 'BadGateway', 'The service received an invalid response from an upstream server.', undefined, {}, true);
    case 504:
      return new AcsError(504, 'GatewayTimeout', 'The service did not answer in time.', undefined, {}, true);
    default:
      return new AcsError(500, 'InternalServerError', 'An internal server error occurred.', undefined, {}, true);
  }
}

const GLOBAL_KEYS = ['latencyMs', 'errorRate', 'errorStatus', 'force429', 'force429Rate', 'retryAfterSeconds', 'customIdRaceMs', 'byOperation'];
const OPERATION_KEYS = ['latencyMs', 'errorRate', 'errorStatus'];

/** The settings, checked field by field; throws a 400 ValidationError whose target names the bad field. */
export function validateFaults(input: unknown): FaultOptions {
  const f = plainObject(input, 'faults', GLOBAL_KEYS);
  const out: FaultOptions = {
    ...optional(f, 'latencyMs', (v, t) => integer(v, t, 0, MAX_LATENCY_MS)),
    ...optional(f, 'errorRate', share),
    ...optional(f, 'errorStatus', status),
    ...optional(f, 'force429', (v, t) => integer(v, t, 0, MAX_COUNT)),
    ...optional(f, 'force429Rate', share),
    ...optional(f, 'retryAfterSeconds', (v, t) => integer(v, t, 0, MAX_RETRY_AFTER_S)),
    ...optional(f, 'customIdRaceMs', (v, t) => integer(v, t, 0, MAX_LATENCY_MS)),
  };
  if (f['byOperation'] !== undefined) {
    const byOp = plainObject(f['byOperation'], 'byOperation', OPERATIONS);
    const rules: Partial<Record<Operation, OperationFaults>> = {};
    for (const op of Object.keys(byOp) as Operation[]) {
      const t = `byOperation.${op}`;
      const r = plainObject(byOp[op], t, OPERATION_KEYS);
      rules[op] = {
        ...optional(r, 'latencyMs', (v, tt) => integer(v, tt, 0, MAX_LATENCY_MS), t),
        ...optional(r, 'errorRate', share, t),
        ...optional(r, 'errorStatus', status, t),
      };
    }
    out.byOperation = rules;
  }
  return out;
}

function plainObject(v: unknown, target: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw validation(`${target} must be a JSON object.`, target);
  const unknown = Object.keys(v).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    const name = `${target === 'faults' ? '' : `${target}.`}${unknown}`.slice(0, 100);
    throw validation(`Unknown setting '${name}'; allowed: ${allowed.join(', ')}.`, name);
  }
  return v as Record<string, unknown>;
}

function optional<K extends string, T>(
  o: Record<string, unknown>,
  key: K,
  check: (v: unknown, target: string) => T,
  prefix?: string,
): Partial<Record<K, T>> {
  const v = o[key];
  if (v === undefined) return {};
  return { [key]: check(v, prefix ? `${prefix}.${key}` : key) } as Partial<Record<K, T>>;
}

function integer(v: unknown, target: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw validation(`${target} must be an integer from ${min} to ${max}.`, target);
  }
  return v;
}

function share(v: unknown, target: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw validation(`${target} must be a number from 0 to 1.`, target);
  return v;
}

function status(v: unknown, target: string): FaultStatus {
  if (!(FAULT_STATUSES as readonly unknown[]).includes(v)) throw validation(`${target} must be one of ${FAULT_STATUSES.join(', ')}.`, target);
  return v as FaultStatus;
}
