import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * The app user as a federation entity. Another subgraph owns `User`; this subgraph only contributes
 * `communicationIdentity` to it, so a reference (`{ __typename: "User", id }`) is all it needs to resolve one.
 */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'An app user, owned by another subgraph; this subgraph adds their ACS identity.' })
export class User {
  @Field(() => ID, { description: "The app user's id at the identity provider (the token's user id claim)." })
  id!: string;
}
