// @acs-identity-gateway/client: typed operations, a request function and a token refresher for the ACS identity gateway.
export { createTeamsTokenRefresher, createTokenRefresher } from './refresher.js';
export type {
  GetAuthToken,
  GetTeamsUserAadToken,
  RefresherBaseOptions,
  RefresherEvent,
  TeamsTokenRefresherOptions,
  TokenRefresher,
  TokenRefresherOptions,
} from './refresher.js';
export { scopeNames } from './scopes.js';
export type { AcsTokenScope, TokenScope } from './scopes.js';
export { request } from './request.js';
export type { GatewayDocument, RequestOptions } from './request.js';
export { AbortError, GatewayClientError, GatewayError, GatewayNetworkError, GatewayResponseError, isGatewayError } from './errors.js';
export type { GatewayErrorCode, GatewayErrorEntry, GatewayResponseProblem } from './errors.js';
export type { AbortSignalLike } from './abort.js';
// The operations in operations/ as document strings (TypedDocumentString), with their result and variables types.
export * from './generated-string/graphql.js';
