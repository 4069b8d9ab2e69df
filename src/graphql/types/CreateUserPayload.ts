import { Field, ObjectType } from 'type-graphql';
import { CommunicationIdentity } from './CommunicationIdentity.js';

@ObjectType()
export class CreateUserPayload {
  @Field(() => CommunicationIdentity)
  identity!: CommunicationIdentity;

  @Field(() => Boolean, { description: 'False when the app user already had an identity.' })
  created!: boolean;
}
