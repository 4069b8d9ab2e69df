import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType()
export class DeleteUserPayload {
  @Field(() => ID)
  appUserId!: string;

  @Field(() => ID)
  deletedIdentityId!: string;
}
