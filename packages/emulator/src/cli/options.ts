// The command line and its environment variables, read into startEmulator's options. Every value is checked
// here; a bad one is a UsageError with a one-line message naming the flag (or variable) and what it takes.
import { parseArgs } from 'node:util';
import type { DevEntraTokenOptions } from '../entra/devIssuer.js';
import { MAX_LATENCY_MS } from '../faults.js';
import { FAULT_STATUSES, OPERATIONS, type FaultOptions, type FaultStatus, type Operation, type OperationFaults, type RateLimit } from '../types.js';

export class UsageError extends Error {}

export interface ServeSettings {
  command: 'serve';
  port: number;
  host?: string;
  accessKey?: string;
  dataDir?: string;
  https: boolean;
  rateLimits: Partial<Record<Operation, RateLimit>>;
  rateLimitWindowMs?: number;
  faults: FaultOptions;
  /** Every user token lives this long, whatever was asked (tests of clients' refresh). */
  tokenLifetimeSeconds?: number;
  /** A URL or a file holding a JWKS. */
  entraJwks?: string;
  /** A file holding a JWKS trusted for bearer (managed identity) tokens on the data plane. */
  bearerJwks?: string;
  devEntra: boolean;
  /** One stderr line per request. */
  verbose: boolean;
}

/** The development Entra issuer's options that the command line sets (see DevEntraTokenOptions). */
export type EntraTokenSettings = Pick<DevEntraTokenOptions, 'tenantId' | 'userId' | 'appId' | 'scopes' | 'expiresInSeconds' | 'groups'> & {
  command: 'entra-token';
  dataDir?: string;
};

export type Settings = ServeSettings | EntraTokenSettings | { command: 'help' };

const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'access-key': { type: 'string' },
  'data-dir': { type: 'string' },
  https: { type: 'boolean' },
  'rate-limit': { type: 'string', multiple: true },
  'rate-limit-window': { type: 'string' },
  latency: { type: 'string', multiple: true },
  fault: { type: 'string', multiple: true },
  'retry-after': { type: 'string' },
  'token-lifetime': { type: 'string' },
  'entra-jwks': { type: 'string' },
  'bearer-jwks': { type: 'string' },
  'no-dev-entra': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ENTRA_TOKEN_OPTIONS = {
  'tenant-id': { type: 'string' },
  'user-id': { type: 'string' },
  'app-id': { type: 'string' },
  scope: { type: 'string', multiple: true },
  group: { type: 'string', multiple: true },
  'expires-in': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  if (argv[0] === 'entra-token') return readEntraToken(argv.slice(1), env);
  const { values } = parse(argv, SERVE_OPTIONS);
  if (values.help) return { command: 'help' };

  const rateLimits: Partial<Record<Operation, RateLimit>> = {};
  for (const [source, item] of listItems('--rate-limit', values['rate-limit'], 'ACS_EMULATOR_RATE_LIMITS', env)) {
    Object.assign(rateLimits, rateLimit(item, source));
  }
  const faults: FaultOptions = {};
  const byOperation: Partial<Record<Operation, OperationFaults>> = {};
  const forOp = (op: Operation) => (byOperation[op] ??= {});
  for (const [source, item] of listItems('--latency', values.latency, 'ACS_EMULATOR_LATENCY', env)) {
    const [op, text] = operationPrefixed(item, source);
    const ms = integer(text, source, 0, MAX_LATENCY_MS, 'milliseconds');
    if (op) forOp(op).latencyMs = ms;
    else faults.latencyMs = ms;
  }
  for (const [source, item] of listItems('--fault', values.fault, 'ACS_EMULATOR_FAULTS', env)) {
    const [op, text] = operationPrefixed(item, source);
    const { status, share } = fault(text, source);
    if (op) Object.assign(forOp(op), { errorRate: share, errorStatus: status });
    else Object.assign(faults, { errorRate: share, errorStatus: status });
  }
  if (Object.keys(byOperation).length > 0) faults.byOperation = byOperation;
  const retryAfter = pick(values['retry-after'], '--retry-after', env, 'ACS_EMULATOR_RETRY_AFTER');
  if (retryAfter) faults.retryAfterSeconds = integer(retryAfter.value, retryAfter.source, 0, 86_400, 'seconds');

  const port = pick(values.port, '--port', env, 'ACS_EMULATOR_PORT');
  const window = pick(values['rate-limit-window'], '--rate-limit-window', env, 'ACS_EMULATOR_RATE_LIMIT_WINDOW_MS');
  const accessKey = pick(values['access-key'], '--access-key', env, 'ACS_EMULATOR_ACCESS_KEY');
  if (accessKey && !/^[A-Za-z0-9+/]+={0,2}$/.test(accessKey.value)) {
    throw new UsageError(`${accessKey.source} must be base64 (the key of a connection string)`);
  }
  const host = pick(values.host, '--host', env, 'ACS_EMULATOR_HOST');
  const dataDir = pick(values['data-dir'], '--data-dir', env, 'ACS_EMULATOR_DATA_DIR');
  const entraJwks = pick(values['entra-jwks'], '--entra-jwks', env, 'ACS_EMULATOR_ENTRA_JWKS');
  const bearerJwks = pick(values['bearer-jwks'], '--bearer-jwks', env, 'ACS_EMULATOR_BEARER_JWKS');
  const lifetime = pick(values['token-lifetime'], '--token-lifetime', env, 'ACS_EMULATOR_TOKEN_LIFETIME_SECONDS');
  return {
    command: 'serve',
    port: port ? integer(port.value, port.source, 0, 65_535, 'a port number') : 0,
    ...(host ? { host: host.value } : {}),
    ...(accessKey ? { accessKey: accessKey.value } : {}),
    ...(dataDir ? { dataDir: dataDir.value } : {}),
    https: values.https ?? flag(env, 'ACS_EMULATOR_HTTPS', false),
    rateLimits,
    ...(window ? { rateLimitWindowMs: integer(window.value, window.source, 1, 86_400_000, 'milliseconds') } : {}),
    faults,
    ...(lifetime ? { tokenLifetimeSeconds: integer(lifetime.value, lifetime.source, 1, 86_400, 'seconds') } : {}),
    ...(entraJwks ? { entraJwks: entraJwks.value } : {}),
    ...(bearerJwks ? { bearerJwks: bearerJwks.value } : {}),
    devEntra: values['no-dev-entra'] ? false : flag(env, 'ACS_EMULATOR_DEV_ENTRA', true),
    verbose: values.verbose ?? flag(env, 'ACS_EMULATOR_VERBOSE', false),
  };
}

function readEntraToken(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  const { values } = parse(argv, ENTRA_TOKEN_OPTIONS);
  if (values.help) return { command: 'help' };
  const need = (name: 'tenant-id' | 'user-id') => {
    const v = values[name];
    if (!v) throw new UsageError(`entra-token needs --${name} (a GUID)`);
    return v;
  };
  const expires = values['expires-in'];
  const dataDir = pick(values['data-dir'], '--data-dir', env, 'ACS_EMULATOR_DATA_DIR');
  return {
    command: 'entra-token',
    tenantId: need('tenant-id'),
    userId: need('user-id'),
    ...(values['app-id'] ? { appId: values['app-id'] } : {}),
    ...(values.scope ? { scopes: values.scope } : {}),
    ...(values.group ? { groups: values.group } : {}),
    ...(expires !== undefined ? { expiresInSeconds: integer(expires, '--expires-in', -86_400, 86_400, 'seconds') } : {}),
    ...(dataDir ? { dataDir: dataDir.value } : {}),
  };
}

type OptionsConfig = Parameters<typeof parseArgs>[0] extends infer C ? (C extends { options?: infer O } ? NonNullable<O> : never) : never;

function parse<O extends OptionsConfig>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const message = (e as Error).message;
    const name = /'(-[^' ]*)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${name ?? '?'}' (see --help)`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option '${name ?? '?'}' ${/argument missing/.test(message) ? 'needs a value' : 'takes no value'}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument '${/'([^']*)'/.exec(message)?.[1] ?? '?'}' (see --help)`);
    throw new UsageError(message.split('\n')[0]!);
  }
}

/** The command line's value, else the environment's; with where it came from, for messages. */
function pick(cli: string | undefined, flagName: string, env: NodeJS.ProcessEnv, variable: string) {
  if (cli !== undefined) return { value: cli, source: flagName };
  const v = env[variable];
  return v !== undefined && v !== '' ? { value: v, source: variable } : undefined;
}

/** Items of a list setting: the environment's comma-separated ones first, so the command line overrides them. */
function listItems(flagName: string, cli: string[] | undefined, variable: string, env: NodeJS.ProcessEnv): Array<[string, string]> {
  const fromEnv = (env[variable] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s): [string, string] => [variable, s]);
  return [...fromEnv, ...(cli ?? []).map((s): [string, string] => [flagName, s.trim()])];
}

function flag(env: NodeJS.ProcessEnv, variable: string, fallback: boolean): boolean {
  const v = env[variable];
  if (v === undefined || v === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new UsageError(`${variable} must be 1 or 0 (got '${shorten(v)}')`);
}

function rateLimit(item: string, source: string): Partial<Record<Operation, RateLimit>> {
  if (item === 'off') return Object.fromEntries(OPERATIONS.map((op) => [op, 'off']));
  const m = /^([A-Za-z]+)=(.+)$/.exec(item);
  if (!m) throw new UsageError(`${source} takes OP=N, OP=off or off (got '${shorten(item)}')`);
  const op = operation(m[1]!, source);
  const limit = m[2] === 'off' ? 'off' : integer(m[2]!, `${source} ${op}`, 0, 1_000_000_000, 'a whole number of requests or off');
  return { [op]: limit };
}

function operationPrefixed(item: string, source: string): [Operation | undefined, string] {
  const m = /^([A-Za-z]+)=(.*)$/.exec(item);
  return m ? [operation(m[1]!, source), m[2]!] : [undefined, item];
}

function operation(name: string, source: string): Operation {
  if (!(OPERATIONS as readonly string[]).includes(name)) {
    throw new UsageError(`${source}: unknown operation '${shorten(name)}' (one of ${OPERATIONS.join(', ')})`);
  }
  return name as Operation;
}

function fault(text: string, source: string): { status: FaultStatus; share: number } {
  const m = /^(\d{3}):(\d+(?:\.\d+)?)(%?)$/.exec(text);
  const status = Number(m?.[1]);
  const share = m ? Number(m[2]) / (m[3] ? 100 : 1) : NaN;
  if (!m || !(FAULT_STATUSES as readonly number[]).includes(status) || !(share >= 0 && share <= 1)) {
    throw new UsageError(
      `${source} takes [OP=]STATUS:SHARE with STATUS one of ${FAULT_STATUSES.join(', ')} and SHARE from 0 to 1 or 0% to 100% (got '${shorten(text)}')`,
    );
  }
  return { status: status as FaultStatus, share };
}

function integer(text: string, source: string, min: number, max: number, what: string): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${source} must be ${what} from ${min} to ${max} (got '${shorten(text)}')`);
  }
  return n;
}

const shorten = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}...` : s);
