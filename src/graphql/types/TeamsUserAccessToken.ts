import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An ACS access token of a Teams user. It expires with the Entra token it was exchanged for. Treat it as a secret.' })
export class TeamsUserAccessToken {
  @Field(() => String)
  token!: string;

  @Field(() => Date)
  expiresOn!: Date;
}
