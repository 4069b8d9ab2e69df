import { Field, ID, ObjectType } from 'type-graphql';
import type { ScopeName } from '../../vocabulary/scopes.js';
import { CommunicationIdentity } from './CommunicationIdentity.js';
import { CommunicationTokenScope } from './CommunicationTokenScope.js';

// The identity operations' results, declared once: IdentityService returns these shapes (see identity/views.ts).

@ObjectType({ description: 'An ACS user access token. Treat it as a secret.' })
export class CommunicationAccessToken {
  @Field(() => String)
  token!: string;

  @Field(() => Date)
  expiresOn!: Date;

  @Field(() => [CommunicationTokenScope])
  scopes!: ScopeName[];
}

@ObjectType()
export class CreateUserPayload {
  @Field(() => CommunicationIdentity)
  identity!: CommunicationIdentity;

  @Field(() => Boolean, { description: 'False when the app user already had an identity.' })
  created!: boolean;
}

@ObjectType()
export class IssueTokenPayload {
  @Field(() => CommunicationIdentity)
  identity!: CommunicationIdentity;

  @Field(() => CommunicationAccessToken)
  accessToken!: CommunicationAccessToken;
}

@ObjectType()
export class CreateUserAndTokenPayload {
  @Field(() => CommunicationIdentity)
  identity!: CommunicationIdentity;

  @Field(() => CommunicationAccessToken)
  accessToken!: CommunicationAccessToken;

  @Field(() => Boolean, { description: 'False when the app user already had an identity.' })
  created!: boolean;
}

@ObjectType()
export class RevokeTokensPayload {
  @Field(() => CommunicationIdentity)
  identity!: CommunicationIdentity;

  @Field(() => Date)
  revokedAt!: Date;
}

@ObjectType()
export class DeleteUserPayload {
  @Field(() => ID)
  appUserId!: string;

  @Field(() => ID)
  deletedIdentityId!: string;
}
