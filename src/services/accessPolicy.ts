import type { Caller } from '../auth/caller.js';
import { ErrorCode, GatewayError } from '../errors.js';

/** The app user an operation acts on: always within the caller's own identity provider. */
export interface AppUserRef {
  issuer: string;
  appUserId: string;
}

export function requireCaller(caller: Caller | null): Caller {
  if (!caller) {
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'Send "Authorization: Bearer <token>" from your identity provider.');
  }
  return caller;
}

/** No id means the caller; anyone else's id needs the admin role. */
export function resolveTarget(caller: Caller | null, appUserId: string | null | undefined): AppUserRef {
  const self = requireCaller(caller);
  if (appUserId === undefined || appUserId === null || appUserId === self.userId) {
    return { issuer: self.issuer, appUserId: self.userId };
  }
  if (appUserId.trim() === '') {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'appUserId must not be empty.', { field: 'appUserId' });
  }
  if (!self.isAdmin) {
    throw new GatewayError(ErrorCode.FORBIDDEN, "Acting on another app user's identity needs the admin role.");
  }
  return { issuer: self.issuer, appUserId };
}
