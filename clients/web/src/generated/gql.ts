/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query CommunicationIdentityOf($appUserId: ID!) {\n  communicationIdentity(appUserId: $appUserId) {\n    ...CommunicationIdentityFields\n  }\n}": typeof types.CommunicationIdentityOfDocument,
    "mutation CreateUser($input: CreateUserInput) {\n  createUser(input: $input) {\n    created\n    identity {\n      ...CommunicationIdentityFields\n    }\n  }\n}": typeof types.CreateUserDocument,
    "mutation CreateUserAndToken($input: CreateUserAndTokenInput!) {\n  createUserAndToken(input: $input) {\n    created\n    identity {\n      ...CommunicationIdentityFields\n    }\n    accessToken {\n      ...CommunicationAccessTokenFields\n    }\n  }\n}": typeof types.CreateUserAndTokenDocument,
    "mutation DeleteUser($input: DeleteUserInput) {\n  deleteUser(input: $input) {\n    appUserId\n    deletedIdentityId\n  }\n}": typeof types.DeleteUserDocument,
    "mutation ExchangeTeamsUserToken($input: ExchangeTeamsUserTokenInput!) {\n  exchangeTeamsUserToken(input: $input) {\n    identity {\n      id\n    }\n    accessToken {\n      token\n      expiresOn\n    }\n  }\n}": typeof types.ExchangeTeamsUserTokenDocument,
    "fragment CommunicationIdentityFields on CommunicationIdentity {\n  id\n  appUserId\n  createdAt\n  tokensRevokedAt\n}\n\nfragment CommunicationAccessTokenFields on CommunicationAccessToken {\n  token\n  expiresOn\n  scopes\n}": typeof types.CommunicationIdentityFieldsFragmentDoc,
    "mutation IssueToken($input: IssueTokenInput!) {\n  issueToken(input: $input) {\n    identity {\n      ...CommunicationIdentityFields\n    }\n    accessToken {\n      ...CommunicationAccessTokenFields\n    }\n  }\n}": typeof types.IssueTokenDocument,
    "query Me {\n  me {\n    ...CommunicationIdentityFields\n  }\n}": typeof types.MeDocument,
    "mutation RevokeTokens($input: RevokeTokensInput) {\n  revokeTokens(input: $input) {\n    revokedAt\n    identity {\n      ...CommunicationIdentityFields\n    }\n  }\n}": typeof types.RevokeTokensDocument,
};
const documents: Documents = {
    "query CommunicationIdentityOf($appUserId: ID!) {\n  communicationIdentity(appUserId: $appUserId) {\n    ...CommunicationIdentityFields\n  }\n}": types.CommunicationIdentityOfDocument,
    "mutation CreateUser($input: CreateUserInput) {\n  createUser(input: $input) {\n    created\n    identity {\n      ...CommunicationIdentityFields\n    }\n  }\n}": types.CreateUserDocument,
    "mutation CreateUserAndToken($input: CreateUserAndTokenInput!) {\n  createUserAndToken(input: $input) {\n    created\n    identity {\n      ...CommunicationIdentityFields\n    }\n    accessToken {\n      ...CommunicationAccessTokenFields\n    }\n  }\n}": types.CreateUserAndTokenDocument,
    "mutation DeleteUser($input: DeleteUserInput) {\n  deleteUser(input: $input) {\n    appUserId\n    deletedIdentityId\n  }\n}": types.DeleteUserDocument,
    "mutation ExchangeTeamsUserToken($input: ExchangeTeamsUserTokenInput!) {\n  exchangeTeamsUserToken(input: $input) {\n    identity {\n      id\n    }\n    accessToken {\n      token\n      expiresOn\n    }\n  }\n}": types.ExchangeTeamsUserTokenDocument,
    "fragment CommunicationIdentityFields on CommunicationIdentity {\n  id\n  appUserId\n  createdAt\n  tokensRevokedAt\n}\n\nfragment CommunicationAccessTokenFields on CommunicationAccessToken {\n  token\n  expiresOn\n  scopes\n}": types.CommunicationIdentityFieldsFragmentDoc,
    "mutation IssueToken($input: IssueTokenInput!) {\n  issueToken(input: $input) {\n    identity {\n      ...CommunicationIdentityFields\n    }\n    accessToken {\n      ...CommunicationAccessTokenFields\n    }\n  }\n}": types.IssueTokenDocument,
    "query Me {\n  me {\n    ...CommunicationIdentityFields\n  }\n}": types.MeDocument,
    "mutation RevokeTokens($input: RevokeTokensInput) {\n  revokeTokens(input: $input) {\n    revokedAt\n    identity {\n      ...CommunicationIdentityFields\n    }\n  }\n}": types.RevokeTokensDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CommunicationIdentityOf($appUserId: ID!) {\n  communicationIdentity(appUserId: $appUserId) {\n    ...CommunicationIdentityFields\n  }\n}"): (typeof documents)["query CommunicationIdentityOf($appUserId: ID!) {\n  communicationIdentity(appUserId: $appUserId) {\n    ...CommunicationIdentityFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateUser($input: CreateUserInput) {\n  createUser(input: $input) {\n    created\n    identity {\n      ...CommunicationIdentityFields\n    }\n  }\n}"): (typeof documents)["mutation CreateUser($input: CreateUserInput) {\n  createUser(input: $input) {\n    created\n    identity {\n      ...CommunicationIdentityFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateUserAndToken($input: CreateUserAndTokenInput!) {\n  createUserAndToken(input: $input) {\n    created\n    identity {\n      ...CommunicationIdentityFields\n    }\n    accessToken {\n      ...CommunicationAccessTokenFields\n    }\n  }\n}"): (typeof documents)["mutation CreateUserAndToken($input: CreateUserAndTokenInput!) {\n  createUserAndToken(input: $input) {\n    created\n    identity {\n      ...CommunicationIdentityFields\n    }\n    accessToken {\n      ...CommunicationAccessTokenFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteUser($input: DeleteUserInput) {\n  deleteUser(input: $input) {\n    appUserId\n    deletedIdentityId\n  }\n}"): (typeof documents)["mutation DeleteUser($input: DeleteUserInput) {\n  deleteUser(input: $input) {\n    appUserId\n    deletedIdentityId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ExchangeTeamsUserToken($input: ExchangeTeamsUserTokenInput!) {\n  exchangeTeamsUserToken(input: $input) {\n    identity {\n      id\n    }\n    accessToken {\n      token\n      expiresOn\n    }\n  }\n}"): (typeof documents)["mutation ExchangeTeamsUserToken($input: ExchangeTeamsUserTokenInput!) {\n  exchangeTeamsUserToken(input: $input) {\n    identity {\n      id\n    }\n    accessToken {\n      token\n      expiresOn\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment CommunicationIdentityFields on CommunicationIdentity {\n  id\n  appUserId\n  createdAt\n  tokensRevokedAt\n}\n\nfragment CommunicationAccessTokenFields on CommunicationAccessToken {\n  token\n  expiresOn\n  scopes\n}"): (typeof documents)["fragment CommunicationIdentityFields on CommunicationIdentity {\n  id\n  appUserId\n  createdAt\n  tokensRevokedAt\n}\n\nfragment CommunicationAccessTokenFields on CommunicationAccessToken {\n  token\n  expiresOn\n  scopes\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation IssueToken($input: IssueTokenInput!) {\n  issueToken(input: $input) {\n    identity {\n      ...CommunicationIdentityFields\n    }\n    accessToken {\n      ...CommunicationAccessTokenFields\n    }\n  }\n}"): (typeof documents)["mutation IssueToken($input: IssueTokenInput!) {\n  issueToken(input: $input) {\n    identity {\n      ...CommunicationIdentityFields\n    }\n    accessToken {\n      ...CommunicationAccessTokenFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    ...CommunicationIdentityFields\n  }\n}"): (typeof documents)["query Me {\n  me {\n    ...CommunicationIdentityFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeTokens($input: RevokeTokensInput) {\n  revokeTokens(input: $input) {\n    revokedAt\n    identity {\n      ...CommunicationIdentityFields\n    }\n  }\n}"): (typeof documents)["mutation RevokeTokens($input: RevokeTokensInput) {\n  revokeTokens(input: $input) {\n    revokedAt\n    identity {\n      ...CommunicationIdentityFields\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;