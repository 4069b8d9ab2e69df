import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { UseMiddleware, type MiddlewareInterface, type NextFn, type ResolverData } from 'type-graphql';
import type { AuditLog } from '../../audit/auditLog.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { appUserIdProblem } from '../../identity/appUser.js';
import type { Logger } from '../../observability/logger.js';
import type { GatewayContext } from '../context.js';
import { requestedAppUserId } from './actingOn.js';
import { decidedSubject } from './subject.js';

/**
 * Records each call (who, on whom, what, outcome) in the audit trail before the field's result is final: the
 * response waits for the write, and fails when the write fails. The subject is the one the access policy resolved (ActingOn, ActingAsTeamsUser).
 */
export function Audited(): MethodDecorator {
  return UseMiddleware(AuditMiddleware);
}

/** Built by the schema module with the audit log (see graphql/schema.ts). */
export class AuditMiddleware implements MiddlewareInterface<GatewayContext> {
  constructor(
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  async use({ context, info, args }: ResolverData<GatewayContext>, next: NextFn): Promise<unknown> {
    const { caller, requestId } = context;
    // Nobody to attribute it to: the call is refused UNAUTHENTICATED before it acts.
    if (!caller) return next();
    let outcome: { result?: unknown; error?: unknown } = {};
    try {
      outcome = { result: await next() };
      return outcome.result;
    } catch (error) {
      outcome = { error };
      throw error;
    } finally {
      const payload = outcome.result as { identity?: { id?: string }; deletedIdentityId?: string } | undefined;
      const decided = decidedSubject(info);
      const subject = decided?.appUserId ?? undecidedSubject(requestedAppUserId(args, 'input'), caller.userId);
      await this.audit
        .record({
          requestId,
          action: info.fieldName,
          outcome: 'error' in outcome ? 'failure' : 'success',
          errorCode: 'error' in outcome ? errorCodeOf(outcome.error) : undefined,
          actor: caller,
          subjectAppUserId: subject,
          identityId: payload?.identity?.id ?? payload?.deletedIdentityId ?? decided?.identityId,
        })
        .catch((writeError: unknown) => {
          this.logger.error({ err: writeError, requestId }, 'audit write failed');
          if ('error' in outcome) return; // refused anyway: its own error stands
          // Thrown from finally, it replaces the result: nothing is answered as done unless its event is stored.
          throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The audit trail could not record this call, so its result is withheld; retry shortly.', {
            retryAfterSeconds: 1,
          });
        });
    }
  }
}

/**
 * The policy refused before deciding: the id that was asked for when it passes the app user id rule, else a
 * digest of it, so that a huge or odd value is never stored as it came.
 */
function undecidedSubject(requested: unknown, callerId: string): string {
  if (requested === undefined || requested === null) return callerId;
  if (appUserIdProblem(requested) === null) return requested as string;
  return `invalid:sha256:${createHash('sha256').update(String(requested)).digest('hex').slice(0, 16)}`;
}

function errorCodeOf(error: unknown): string {
  return String((error instanceof GraphQLError && error.extensions.code) || 'INTERNAL_SERVER_ERROR');
}
