import type { AppUserRef } from '../appUser.js';
import type { TokenRequest } from '../tokenRequest.js';
import type { IssuedToken } from '../views.js';

/**
 * How issueToken gets a token for an existing identity. One of two, chosen once in the bootstrap (TOKEN_CACHE):
 * CachedTokens reuses still-valid tokens, FreshTokens asks ACS every time.
 */
export interface TokenSource {
  issue(user: AppUserRef, request: TokenRequest, options: { forceRefresh: boolean }): Promise<IssuedToken>;
  /** After a revoke or a deletion: nothing this source kept for the user may be served again. */
  forget(user: AppUserRef): Promise<void>;
}
