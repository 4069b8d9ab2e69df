import type { TokenScope } from '@azure/communication-identity';
import { SCOPE_BY_NAME, TOKEN_LIFETIME_MINUTES, type ScopeName } from '../vocabulary/scopes.js';
import type { ScopeGrant } from '../config/config.js';
import { badInput, ErrorCode, GatewayError } from '../errors.js';

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
  /** SCOPE_POLICY's grant for this caller acting on this user (accessPolicy.tokenGrant); null: ALLOWED_SCOPES alone. */
  grant: ScopeGrant | null = null,
): TokenRequest {
  if (!scopes || scopes.length === 0) throw badInput('scopes', 'scopes must name at least one scope.');
  const duplicates = scopes.filter((scope, index) => scopes.indexOf(scope) !== index);
  if (duplicates.length > 0) throw badInput('scopes', `scopes lists ${[...new Set(duplicates)].join(', ')} more than once.`);
  const refused = scopes.filter((scope) => !rules.allowedScopes.includes(scope));
  if (refused.length > 0) {
    throw badInput('scopes', `These scopes are not allowed here: ${refused.join(', ')}. Allowed: ${rules.allowedScopes.join(', ')}.`);
  }

  const outside = grant ? scopes.filter((scope) => !grant.scopes.includes(scope)) : [];
  if (outside.length > 0) {
    const mayAsk = grant!.scopes.filter((scope) => rules.allowedScopes.includes(scope));
    throw new GatewayError(ErrorCode.FORBIDDEN, `Your roles may not ask for ${outside.join(', ')} (SCOPE_POLICY); they may ask for ${mayAsk.length > 0 ? mayAsk.join(', ') : 'no scope'}.`, { field: 'scopes' });
  }

  const cap = grant?.maxExpiresInMinutes;
  // A cap also caps the default lifetime: a request that names none gets the longest it may have.
  const minutes = expiresInMinutes ?? (cap === undefined ? rules.defaultExpiresInMinutes : Math.min(cap, rules.defaultExpiresInMinutes));
  const { min, max } = TOKEN_LIFETIME_MINUTES;
  if (!Number.isInteger(minutes) || minutes < min || minutes > max) {
    throw badInput('expiresInMinutes', `expiresInMinutes must be a whole number from ${min} to ${max}; got ${minutes}.`);
  }
  if (cap !== undefined && minutes > cap) {
    throw badInput('expiresInMinutes', `expiresInMinutes may be at most ${cap} for your roles (SCOPE_POLICY maxExpiresInMinutes); got ${minutes}.`);
  }
  return { scopeNames: [...scopes], acsScopes: scopes.map((scope) => SCOPE_BY_NAME[scope]), expiresInMinutes: minutes };
}
