import { z } from 'zod';
import { ALL_SCOPE_NAMES, parseScopeName, TOKEN_LIFETIME_MINUTES, type ScopeName } from '../vocabulary/scopes.js';
import { booleanFlag, commaList, ConfigError, optionalString, type AreaContext, type EnvOf } from './env.js';

export const tokensEnv = {
  ALLOWED_SCOPES: commaList,
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
  defaultTokenExpiresInMinutes: number;
  /** How issueToken gets tokens: one named choice, made from TOKEN_CACHE. */
  tokens: TokenStrategy;
}

export function tokensConfig(e: EnvOf<typeof tokensEnv>, { production }: AreaContext): TokensConfig {
  return { allowedScopes: allowedScopes(e.ALLOWED_SCOPES), defaultTokenExpiresInMinutes: e.DEFAULT_TOKEN_EXPIRES_IN_MINUTES, tokens: tokenStrategy(e, production) };
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
