import type { Caller } from '../../auth/caller.js';
import { requireAdmin, resolveTarget, teamsUserOf } from '../../identity/accessPolicy.js';
import { teamsUserRawId } from '../../teams/teamsUser.js';
import type { ActingRule, PolicySubject } from './operationPolicy.js';

/**
 * A policy's decision for one field: whom it acts on (handed to the resolver by @Subject) and what the audit
 * records, or the refusal, raised when the field executes so that the audit records the attempt.
 */
export type Decision = { acting: unknown; subject: PolicySubject } | { refused: unknown; requested: unknown };

export function decide(rule: ActingRule, caller: Caller | null, args: Record<string, unknown>): Decision {
  const requested = rule.on === 'appUser' ? requestedAppUserId(args, rule.named ?? 'input') : undefined;
  try {
    if (rule.on === 'appUser') {
      const user = resolveTarget(caller, requested);
      return { acting: user, subject: { appUserId: user.appUserId } };
    }
    if (rule.on === 'teamsUser') {
      const user = teamsUserOf(caller);
      return { acting: user, subject: { appUserId: user.appUserId, ...(user.objectId && { identityId: teamsUserRawId(user.objectId) }) } };
    }
    const admin = requireAdmin(caller, rule.refusal);
    return { acting: admin, subject: { appUserId: admin.userId } };
  } catch (refused) {
    return { refused, requested };
  }
}

function requestedAppUserId(args: Record<string, unknown>, named: 'input' | 'appUserId'): unknown {
  if (named === 'appUserId') return args.appUserId;
  return (args.input as { appUserId?: unknown } | null | undefined)?.appUserId;
}
