import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { MiddlewareInterface, NextFn, ResolverData } from 'type-graphql';
import type { AuditLog } from '../../audit/auditLog.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { appUserIdProblem } from '../../identity/appUser.js';
import type { Logger } from '../../observability/logger.js';
import type { GatewayContext } from '../context.js';
import { policyOf } from './operationPolicy.js';

/**
 * Records each call of an audited operation (who, on whom, what, outcome) before the field's result is final: the
 * response waits for the write, and fails when the write fails. The subject is the one the policy decided before
 * execution, read from the context; the identity is the one the policy's audit rule names. Built by the schema
 * module with the audit log.
 */
export class AuditMiddleware implements MiddlewareInterface<GatewayContext> {
  constructor(
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  async use({ context, info }: ResolverData<GatewayContext>, next: NextFn): Promise<unknown> {
    const { caller, requestId, decisions } = context;
    const rule = policyOf(info.parentType.getFields()[info.fieldName])?.audit;
    // Nobody to attribute it to: the call is refused UNAUTHENTICATED before it acts.
    if (!caller || !rule) return next();
    const decision = decisions?.get(String(info.path.key));
    const subject = decision && 'subject' in decision ? decision.subject : undefined;
    let outcome: { result?: unknown; error?: unknown } = {};
    try {
      outcome = { result: await next() };
      return outcome.result;
    } catch (error) {
      outcome = { error };
      throw error;
    } finally {
      const failed = 'error' in outcome;
      await this.audit
        .record({
          requestId,
          action: info.fieldName,
          outcome: failed ? 'failure' : 'success',
          errorCode: failed ? errorCodeOf(outcome.error) : undefined,
          actor: caller,
          subjectAppUserId: subject?.appUserId ?? undecidedSubject(decision && 'requested' in decision ? decision.requested : undefined, caller.userId),
          identityId: rule.identity(failed ? undefined : outcome.result, subject),
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
