import { Field, ID, InputType, Int } from 'type-graphql';
import type { ScopeName } from '../../vocabulary/scopes.js';
import { CommunicationTokenScope } from './CommunicationTokenScope.js';

/** The app user an operation acts on. */
@InputType()
export abstract class AppUserTargetInput {
  @Field(() => ID, { nullable: true, description: 'Omit to act on the caller; another user needs the admin role.' })
  appUserId?: string | null;
}

/** What a token is for and how long it lives. */
@InputType()
export abstract class TokenRequestInput extends AppUserTargetInput {
  @Field(() => [CommunicationTokenScope], { description: 'At least one, no duplicates, within the allowed scopes.' })
  scopes!: ScopeName[];

  @Field(() => Int, { nullable: true, description: 'From 60 to 1440; the gateway default when omitted.' })
  expiresInMinutes?: number | null;
}

@InputType()
export class CreateUserInput extends AppUserTargetInput {}

@InputType()
export class IssueTokenInput extends TokenRequestInput {
  @Field(() => Boolean, { nullable: true, description: 'Bypass the token cache and ask ACS for a new token.' })
  forceRefresh?: boolean | null;
}

@InputType()
export class CreateUserAndTokenInput extends TokenRequestInput {}

@InputType()
export class RevokeTokensInput extends AppUserTargetInput {}

@InputType()
export class DeleteUserInput extends AppUserTargetInput {}
