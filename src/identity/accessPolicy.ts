import type { Caller } from '../auth/caller.js';
import { ErrorCode, GatewayError } from '../errors.js';
import { requireAppUserId, type AppUserRef } from './appUser.js';

export function requireCaller(caller: Caller | null): Caller {
  if (!caller) {
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'Send "Authorization: Bearer <token>" from your identity provider.');
  }
  return caller;
}

/** No id means the caller; anyone else's id needs the admin role. The id is checked before anything else. */
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

/** Who may see an identity without acting on it (federation joins): the user themself, or an admin of the same provider. */
export function maySee(caller: Caller, user: AppUserRef): boolean {
  return user.issuer === caller.issuer && (user.appUserId === caller.userId || caller.isAdmin);
}
