import type { Caller } from '../auth/caller.js';
import type { ScopeGrant, ScopePolicy } from '../config/config.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { TeamsUserRef } from '../teams/teamsUser.js';
import { requireAppUserId, type AppUserRef } from './appUser.js';

// Who may act on whom, and who may see whom: every rule an operation's policy (graphql/policy/) names, in one file.

export function requireCaller(caller: Caller | null): Caller {
  if (!caller) {
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'Send "Authorization: Bearer <token>" from your identity provider.');
  }
  return caller;
}

/** May act: on themself when no id is given; anyone else's id needs the admin role. The id is checked before anything else. */
export function resolveTarget(caller: Caller | null, requested: unknown): AppUserRef {
  const self = requireCaller(caller);
  if (requested === undefined || requested === null) return { issuer: self.issuer, appUserId: self.userId };
  const appUserId = requireAppUserId(requested);
  if (appUserId === self.userId) return { issuer: self.issuer, appUserId };
  if (!self.isAdmin) {
    throw new GatewayError(ErrorCode.FORBIDDEN, "Acting on another app user's identity needs the admin role.");
  }
  return { issuer: self.issuer, appUserId };
}

/**
 * May act as a Teams user: only as the caller's own, by the Entra object id in their verified token
 * (AUTH_OBJECT_ID_CLAIM), never one from the input. objectId is null when the caller's token carries none.
 */
export function teamsUserOf(caller: Caller | null): TeamsUserRef {
  const self = requireCaller(caller);
  return { issuer: self.issuer, appUserId: self.userId, objectId: self.objectId ?? null, roles: self.roles ?? [] };
}

/** May act on everyone's records (the audit trail): the admin role only. */
export function requireAdmin(caller: Caller | null, refusal: string): Caller {
  const self = requireCaller(caller);
  if (!self.isAdmin) throw new GatewayError(ErrorCode.FORBIDDEN, refusal);
  return self;
}

/** May see an identity without acting on it (federation joins): the user themself, or an admin of the same provider. */
export function maySee(caller: Caller, user: AppUserRef): boolean {
  return user.issuer === caller.issuer && (user.appUserId === caller.userId || caller.isAdmin);
}

/**
 * What tokens a caller may ask for, beside whom they may act on (resolveTarget): acting on themself, the union of
 * their roles' scopes in SCOPE_POLICY (`*` when none of their roles is listed) and the largest of their roles'
 * lifetime caps (none when one of them has none). An admin acting on another user is bound by ALLOWED_SCOPES only:
 * null, as without a policy.
 */
export function tokenGrant(caller: Caller, user: AppUserRef, policy: ScopePolicy | null): ScopeGrant | null {
  if (!policy) return null;
  if (user.issuer !== caller.issuer || user.appUserId !== caller.userId) return null; // only an admin gets here (resolveTarget)
  const listed = (caller.roles ?? []).map((role) => policy.byRole.get(role)).filter((grant): grant is ScopeGrant => grant !== undefined);
  const grants = listed.length > 0 ? listed : policy.everyoneElse ? [policy.everyoneElse] : [];
  const caps = grants.map((grant) => grant.maxExpiresInMinutes);
  const uncapped = grants.length === 0 || caps.some((cap) => cap === undefined);
  return {
    scopes: [...new Set(grants.flatMap((grant) => grant.scopes))],
    ...(!uncapped && { maxExpiresInMinutes: Math.max(...(caps as number[])) }),
  };
}
