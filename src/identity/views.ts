import type { AcsToken } from '../acs/acsIdentityClient.js';
import type { ScopeName } from '../acs/scopes.js';
import type { IdentityMapping } from './mapping/identityMappingModel.js';
import type { TokenRequest } from './tokenRequest.js';

/** What callers see of a mapping. */
export interface IdentityView {
  id: string;
  appUserId: string;
  createdAt: Date;
  /** A promise when it is read only if a client asks for it (see FreshTokens). */
  tokensRevokedAt: Date | null | Promise<Date | null>;
}

export interface TokenView {
  token: string;
  expiresOn: Date;
  scopes: ScopeName[];
}

export interface IssuedToken {
  identity: IdentityView;
  accessToken: TokenView;
}

export function toView(mapping: IdentityMapping): IdentityView {
  return {
    id: mapping.acsId!,
    appUserId: mapping.appUserId,
    createdAt: mapping.createdAt,
    tokensRevokedAt: mapping.tokensRevokedAt ?? null,
  };
}

export function toTokenView(token: AcsToken, request: TokenRequest): TokenView {
  return { token: token.token, expiresOn: token.expiresOn, scopes: request.scopeNames };
}
