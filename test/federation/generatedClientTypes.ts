/**
 * Compile-time checks of the generated client (clients/web/src/generated), run by generatedClient.test.ts through
 * `tsc --noEmit -p test/federation/generatedClient.tsconfig.json`. Each `@ts-expect-error` must fail to compile:
 * if the generated types ever went loose (any), tsc would report the directive as unused and the test would fail.
 */
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import {
  CommunicationIdentityOfDocument,
  CreateUserAndTokenDocument,
  DeleteUserDocument,
  ExchangeTeamsUserTokenDocument,
  IssueTokenDocument,
  MeDocument,
  type CommunicationTokenScope,
  type IssueTokenMutationVariables,
} from '../../clients/web/src/generated/graphql.js';
import { graphql } from '../../clients/web/src/generated/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(): T | undefined => undefined;

// Results have the exact shapes of the operations.
assert<Equal<ResultOf<typeof MeDocument>['me'], { id: string; appUserId: string; createdAt: string; tokensRevokedAt: string | null } | null>>();
assert<Equal<ResultOf<typeof IssueTokenDocument>['issueToken']['accessToken']['scopes'], CommunicationTokenScope[]>>();
assert<Equal<ResultOf<typeof DeleteUserDocument>['deleteUser'], { appUserId: string; deletedIdentityId: string }>>();
assert<Equal<ResultOf<typeof CreateUserAndTokenDocument>['createUserAndToken']['created'], boolean>>();
assert<Equal<VariablesOf<typeof CommunicationIdentityOfDocument>, { appUserId: string }>>();
assert<Equal<ResultOf<typeof ExchangeTeamsUserTokenDocument>['exchangeTeamsUserToken'], { identity: { id: string }; accessToken: { token: string; expiresOn: string } }>>();

// Variables are checked.
export const ok: IssueTokenMutationVariables = { input: { scopes: ['CHAT', 'VOIP_JOIN'], expiresInMinutes: 60 } };
// @ts-expect-error: not a CommunicationTokenScope
export const badScope: IssueTokenMutationVariables = { input: { scopes: ['chat'] } };
// @ts-expect-error: scopes is required
export const noScopes: IssueTokenMutationVariables = { input: {} };
// @ts-expect-error: the Teams user's token is required
export const noTeamsToken: VariablesOf<typeof ExchangeTeamsUserTokenDocument> = { input: {} };
// @ts-expect-error: appUserId is required
export const noAppUserId: VariablesOf<typeof CommunicationIdentityOfDocument> = {};

// The graphql() helper maps a shipped operation's text (as codegen normalised it) to the same typed document.
export const viaHelper = graphql('query Me {\n  me {\n    ...CommunicationIdentityFields\n  }\n}');
assert<Equal<typeof viaHelper, typeof MeDocument>>();
