import { Directive, Field, ID, ObjectType } from 'type-graphql';

// A federation entity: other subgraphs may hold an ACS id and join the identity through `_entities`.
@Directive('@key(fields: "id")')
@ObjectType({ description: "An app user's ACS identity." })
export class CommunicationIdentity {
  @Field(() => ID, { description: 'The ACS communicationUserId, 8:acs:…' })
  id!: string;

  @Field(() => ID, { description: "The app user's id at the identity provider." })
  appUserId!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When all tokens issued before were last revoked.' })
  /** A promise when it is read only if a client asks for it (see FreshTokens). */
  tokensRevokedAt!: Date | null | Promise<Date | null>;
}
