import { Field, ObjectType } from 'type-graphql';
import { CommunicationIdentity } from './CommunicationIdentity.js';

@ObjectType()
export class RevokeTokensPayload {
  @Field(() => CommunicationIdentity)
  identity!: CommunicationIdentity;

  @Field(() => Date)
  revokedAt!: Date;
}
