import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The Teams user an ACS token was issued for: the identity a call or chat joins as.' })
export class TeamsUserIdentity {
  @Field(() => ID, { description: "The Teams user's communication identifier, `8:orgid:<Entra object id>` (a lower-case GUID), as the Calling and Chat SDKs write it." })
  id!: string;
}
