import { Field, ObjectType } from 'type-graphql';
import { CommunicationAccessToken } from './CommunicationAccessToken.js';
import { CommunicationIdentity } from './CommunicationIdentity.js';

@ObjectType()
export class CreateUserAndTokenPayload {
  @Field(() => CommunicationIdentity)
  identity!: CommunicationIdentity;

  @Field(() => CommunicationAccessToken)
  accessToken!: CommunicationAccessToken;

  @Field(() => Boolean, { description: 'False when the app user already had an identity.' })
  created!: boolean;
}
