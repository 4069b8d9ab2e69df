import { Field, ID, ObjectType } from 'type-graphql';
import { TeamsUserAccessToken } from './TeamsUserAccessToken.js';

@ObjectType()
export class ExchangeTeamsUserTokenPayload {
  @Field(() => ID, { description: "The Teams user's communication identifier, `8:orgid:<Entra object id>`, as the Calling and Chat SDKs write it." })
  teamsUserId!: string;

  @Field(() => TeamsUserAccessToken)
  accessToken!: TeamsUserAccessToken;
}
