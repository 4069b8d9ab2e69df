import type { TokenScope } from '@azure/communication-identity';
import { SCOPE_BY_NAME, TOKEN_LIFETIME_MINUTES, type ScopeName } from '../vocabulary/scopes.js';
import { badInput } from '../errors.js';

export interface TokenRequest {
  scopeNames: ScopeName[];
  acsScopes: TokenScope[];
  expiresInMinutes: number;
}

export interface TokenRequestRules {
  allowedScopes: readonly ScopeName[];
  defaultExpiresInMinutes: number;
}

/** Checks a token request before anything reaches ACS; each failure names its field. */
export function validateTokenRequest(
  scopes: readonly ScopeName[] | null | undefined,
  expiresInMinutes: number | null | undefined,
  rules: TokenRequestRules,
): TokenRequest {
  if (!scopes || scopes.length === 0) throw badInput('scopes', 'scopes must name at least one scope.');
  const duplicates = scopes.filter((scope, index) => scopes.indexOf(scope) !== index);
  if (duplicates.length > 0) throw badInput('scopes', `scopes lists ${[...new Set(duplicates)].join(', ')} more than once.`);
  const refused = scopes.filter((scope) => !rules.allowedScopes.includes(scope));
  if (refused.length > 0) {
    throw badInput('scopes', `These scopes are not allowed here: ${refused.join(', ')}. Allowed: ${rules.allowedScopes.join(', ')}.`);
  }

  const minutes = expiresInMinutes ?? rules.defaultExpiresInMinutes;
  const { min, max } = TOKEN_LIFETIME_MINUTES;
  if (!Number.isInteger(minutes) || minutes < min || minutes > max) {
    throw badInput('expiresInMinutes', `expiresInMinutes must be a whole number from ${min} to ${max}; got ${minutes}.`);
  }
  return { scopeNames: [...scopes], acsScopes: scopes.map((scope) => SCOPE_BY_NAME[scope]), expiresInMinutes: minutes };
}
