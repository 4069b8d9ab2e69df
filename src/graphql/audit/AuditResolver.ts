import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { AuditLog } from '../../audit/auditLog.js';
import type { GatewayContext } from '../context.js';
import { AuditEventConnection } from './AuditEvent.js';

/** Only delegates: paging and the admin rule live in AuditLog. */
@Resolver()
export class AuditResolver {
  constructor(private readonly audit: AuditLog) {}

  @Query(() => AuditEventConnection, { description: 'The audit trail, newest first. Admin role only.' })
  auditEvents(
    @Ctx() { caller }: GatewayContext,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('appUserId', () => ID, { nullable: true }) appUserId?: string | null,
  ): Promise<AuditEventConnection> {
    return this.audit.list(caller, { first, after, appUserId });
  }
}
