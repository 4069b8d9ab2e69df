import { z } from 'zod';
import { ALL_SCOPE_NAMES, parseScopeName, TOKEN_LIFETIME_MINUTES, type ScopeName } from '../vocabulary/scopes.js';
import { booleanFlag, commaList, ConfigError, optionalString, type AreaContext, type EnvOf } from './env.js';

export const tokensEnv = {
  ALLOWED_SCOPES: commaList,
  /** JSON: role (AUTH_ROLES_CLAIM), or `*` for everyone else, to { scopes, maxExpiresInMinutes? } (see scopePolicy). */
  SCOPE_POLICY: optionalString,
  DEFAULT_TOKEN_EXPIRES_IN_MINUTES: z.coerce.number().int().min(TOKEN_LIFETIME_MINUTES.min).max(TOKEN_LIFETIME_MINUTES.max).default(1440),
  MAPPING_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  MAPPING_CACHE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  TOKEN_CACHE: booleanFlag(false),
  TOKEN_CACHE_KEYS: optionalString,
  TOKEN_CACHE_MIN_REMAINING_MINUTES: z.coerce.number().int().min(1).max(1380).default(15),
};

/** A named AES-256 key of the token cache (TOKEN_CACHE_KEYS); the first in a ring encrypts, every one decrypts, so keys can be rotated. */
export interface CacheKey {
  id: string;
  key: Buffer;
}

export type TokenStrategy =
  /** TOKEN_CACHE on: still-valid tokens are reused. Keys null (outside production only): a generated key kept in DATA_DIR. */
  | { kind: 'tokenCache'; keys: CacheKey[] | null; minRemainingMinutes: number }
  /** TOKEN_CACHE off: every token from ACS, with mappings read in the last `seconds` reused (0: read every time). */
  | { kind: 'recentMappings'; seconds: number; maxEntries: number };

/** What tokens may be asked for (the token request rules, bootstrap/core.ts) and how issueToken gets them (bootstrap/tokens.ts). */
export interface TokensConfig {
  allowedScopes: ScopeName[];
  /** Which scopes and lifetimes a caller may ask for themself, by role; null (SCOPE_POLICY unset): ALLOWED_SCOPES for all. */
  scopePolicy: ScopePolicy | null;
  defaultTokenExpiresInMinutes: number;
  /** How issueToken gets tokens: one named choice, made from TOKEN_CACHE. */
  tokens: TokenStrategy;
}

export function tokensConfig(e: EnvOf<typeof tokensEnv>, { production }: AreaContext): TokensConfig {
  return {
    allowedScopes: allowedScopes(e.ALLOWED_SCOPES),
    scopePolicy: e.SCOPE_POLICY === undefined ? null : scopePolicy(e.SCOPE_POLICY),
    defaultTokenExpiresInMinutes: e.DEFAULT_TOKEN_EXPIRES_IN_MINUTES,
    tokens: tokenStrategy(e, production),
  };
}

function tokenStrategy(e: EnvOf<typeof tokensEnv>, production: boolean): TokenStrategy {
  if (!e.TOKEN_CACHE) return { kind: 'recentMappings', seconds: e.MAPPING_CACHE_SECONDS, maxEntries: e.MAPPING_CACHE_SIZE };
  if (!e.TOKEN_CACHE_KEYS) {
    if (production) throw new ConfigError('TOKEN_CACHE is on: set TOKEN_CACHE_KEYS to <id>:<base64 32-byte key>[,<older id>:<key>…].');
    return { kind: 'tokenCache', keys: null, minRemainingMinutes: e.TOKEN_CACHE_MIN_REMAINING_MINUTES };
  }
  let keys: CacheKey[];
  try {
    keys = parseCacheKeys(e.TOKEN_CACHE_KEYS);
  } catch (error) {
    throw new ConfigError(`TOKEN_CACHE_KEYS: ${(error as Error).message}.`);
  }
  const short = keys.find(({ key }) => key.length !== 32);
  if (keys.length === 0 || short) {
    throw new ConfigError(`TOKEN_CACHE_KEYS: every key must be 32 bytes, base64-encoded${short ? ` ("${short.id}" is not)` : ''}.`);
  }
  return { kind: 'tokenCache', keys, minRemainingMinutes: e.TOKEN_CACHE_MIN_REMAINING_MINUTES };
}

/** Parses TOKEN_CACHE_KEYS: `id:base64key,id2:base64key`, newest first. */
export function parseCacheKeys(value: string): CacheKey[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const separator = entry.indexOf(':');
      if (separator <= 0) throw new Error('each entry must be <id>:<base64 32-byte key>');
      return { id: entry.slice(0, separator), key: Buffer.from(entry.slice(separator + 1), 'base64') };
    });
}

function allowedScopes(values: string[]): ScopeName[] {
  if (values.length === 0) return [...ALL_SCOPE_NAMES];
  return values.map((value) => {
    const name = parseScopeName(value);
    if (!name) throw new ConfigError(`ALLOWED_SCOPES has an unknown scope "${value}"; use ${ALL_SCOPE_NAMES.join(', ')}.`);
    return name;
  });
}

/** What one role (or everyone else) may ask for: these scopes, for at most this long (no cap when absent). */
export interface ScopeGrant {
  scopes: ScopeName[];
  maxExpiresInMinutes?: number;
}

export interface ScopePolicy {
  byRole: ReadonlyMap<string, ScopeGrant>;
  /** `*`: callers with none of the listed roles; absent, they may ask for nothing. */
  everyoneElse?: ScopeGrant;
}

const grantShape = z
  .object({
    scopes: z.array(z.string()).max(ALL_SCOPE_NAMES.length * 2),
    maxExpiresInMinutes: z.number().int().min(TOKEN_LIFETIME_MINUTES.min).max(TOKEN_LIFETIME_MINUTES.max).optional(),
  })
  .strict();

/**
 * SCOPE_POLICY, e.g. {"*":{"scopes":["CHAT_JOIN_LIMITED","VOIP_JOIN"],"maxExpiresInMinutes":60},"staff":{"scopes":["CHAT","VOIP"]}}.
 * Every problem names its key, so the start stops with the entry to fix.
 */
function scopePolicy(raw: string): ScopePolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('SCOPE_POLICY is not JSON; write {"<role>" or "*": {"scopes": ["CHAT_JOIN_LIMITED", …], "maxExpiresInMinutes": 60}}.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw new ConfigError('SCOPE_POLICY must be a JSON object with at least one role (or "*").');
  }
  const byRole = new Map<string, ScopeGrant>();
  let everyoneElse: ScopeGrant | undefined;
  for (const [role, value] of Object.entries(parsed)) {
    const key = `SCOPE_POLICY[${JSON.stringify(role.slice(0, 100))}]`;
    if (role.trim() === '' || role.length > 256) throw new ConfigError(`${key}: a role is a non-empty name of at most 256 characters.`);
    const shaped = grantShape.safeParse(value);
    if (!shaped.success) {
      const issue = shaped.error.issues[0]!;
      throw new ConfigError(`${key}${issue.path.map((part) => `.${String(part)}`).join('')}: ${issue.message}; each role takes {"scopes": [scope names], "maxExpiresInMinutes"?: ${TOKEN_LIFETIME_MINUTES.min}-${TOKEN_LIFETIME_MINUTES.max}}.`);
    }
    const scopes = shaped.data.scopes.map((name) => {
      const scope = parseScopeName(name);
      if (!scope) throw new ConfigError(`${key}.scopes has an unknown scope "${name.slice(0, 100)}"; use ${ALL_SCOPE_NAMES.join(', ')}.`);
      return scope;
    });
    const grant: ScopeGrant = { scopes: [...new Set(scopes)], ...(shaped.data.maxExpiresInMinutes !== undefined && { maxExpiresInMinutes: shaped.data.maxExpiresInMinutes }) };
    if (role === '*') everyoneElse = grant;
    else byRole.set(role, grant);
  }
  return { byRole, ...(everyoneElse && { everyoneElse }) };
}
