import type { AcsToken } from '../acs/acsIdentityClient.js';
import type { CommunicationIdentity } from '../graphql/identity/CommunicationIdentity.js';
import type { CommunicationAccessToken, IssueTokenPayload } from '../graphql/identity/payloads.js';
import type { IdentityMapping } from './mapping/identityMappingModel.js';
import type { TokenRequest } from './tokenRequest.js';

// What callers see is declared once, as the GraphQL types; these names only point at them.
export type IdentityView = CommunicationIdentity;
export type TokenView = CommunicationAccessToken;
export type IssuedToken = IssueTokenPayload;

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
