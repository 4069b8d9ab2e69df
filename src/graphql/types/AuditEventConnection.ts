import { Field, ObjectType } from 'type-graphql';
import { AuditEvent } from './AuditEvent.js';

@ObjectType({ description: 'A page of audit events, newest first.' })
export class AuditEventConnection {
  @Field(() => [AuditEvent])
  nodes!: AuditEvent[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` to read the next page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}
