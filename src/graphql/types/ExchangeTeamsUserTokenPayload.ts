import { Field, ID, ObjectType } from 'type-graphql';
import { TeamsUserAccessToken } from './TeamsUserAccessToken.js';
import { TeamsUserIdentity } from './TeamsUserIdentity.js';

@ObjectType()
export class ExchangeTeamsUserTokenPayload {
  @Field(() => TeamsUserIdentity, { description: 'Who the token is for: the caller as a Teams user, as issueToken returns the identity beside its token.' })
  identity!: TeamsUserIdentity;

  @Field(() => TeamsUserAccessToken)
  accessToken!: TeamsUserAccessToken;

  @Field(() => ID, { deprecationReason: 'Use identity.id.', description: 'The same as identity.id.' })
  teamsUserId!: string;
}
