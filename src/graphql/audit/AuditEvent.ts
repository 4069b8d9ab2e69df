import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One identity or token operation, as the audit trail recorded it. Never holds token material.' })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { description: 'The request id, as in the logs and the x-request-id header.' })
  requestId!: string;

  @Field(() => String, { description: 'The mutation: createUser, issueToken, createUserAndToken, revokeTokens, deleteUser or exchangeTeamsUserToken.' })
  action!: string;

  @Field(() => String, { description: 'success or failure.' })
  outcome!: string;

  @Field(() => String, { nullable: true, description: 'The error code of a failure.' })
  errorCode!: string | null;

  @Field(() => ID, { description: 'Who asked: the caller\'s app user id.' })
  actorId!: string;

  @Field(() => ID, { description: 'On whom: the app user acted on.' })
  subjectAppUserId!: string;

  @Field(() => ID, { nullable: true, description: 'The ACS identity involved, when known; for exchangeTeamsUserToken the Teams user (`8:orgid:<Entra object id>`).' })
  identityId!: string | null;
}

@ObjectType({ description: 'A page of audit events, newest first.' })
export class AuditEventConnection {
  @Field(() => [AuditEvent])
  nodes!: AuditEvent[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` to read the next page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}
