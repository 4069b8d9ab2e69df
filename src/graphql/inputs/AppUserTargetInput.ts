import { Field, ID, InputType } from 'type-graphql';

/** The app user an operation acts on. */
@InputType()
export abstract class AppUserTargetInput {
  @Field(() => ID, { nullable: true, description: 'Omit to act on the caller; another user needs the admin role.' })
  appUserId?: string | null;
}
