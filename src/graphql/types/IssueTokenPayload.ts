import { Field, ObjectType } from 'type-graphql';
import { CommunicationAccessToken } from './CommunicationAccessToken.js';
import { CommunicationIdentity } from './CommunicationIdentity.js';

@ObjectType()
export class IssueTokenPayload {
  @Field(() => CommunicationIdentity)
  identity!: CommunicationIdentity;

  @Field(() => CommunicationAccessToken)
  accessToken!: CommunicationAccessToken;
}
