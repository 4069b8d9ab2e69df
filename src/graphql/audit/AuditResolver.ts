import { Arg, ID, Int, Query, Resolver } from 'type-graphql';
import type { AuditLog } from '../../audit/auditLog.js';
import type { Caller } from '../../auth/caller.js';
import { Policy } from '../policy/policy.js';
import { Subject } from '../policy/subject.js';
import { AuditEventConnection } from './AuditEvent.js';

/** Only delegates: paging lives in AuditLog; the admin rule is the policy declared here. */
@Resolver()
export class AuditResolver {
  constructor(private readonly audit: AuditLog) {}

  @Query(() => AuditEventConnection, { description: 'The audit trail, newest first. Admin role only.' })
  @Policy({ acts: { on: 'everyone', refusal: 'Reading the audit trail needs the admin role.' }, budget: 'reads' })
  auditEvents(
    @Subject() admin: Caller,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('appUserId', () => ID, { nullable: true }) appUserId?: string | null,
  ): Promise<AuditEventConnection> {
    return this.audit.list(admin, { first, after, appUserId });
  }
}
