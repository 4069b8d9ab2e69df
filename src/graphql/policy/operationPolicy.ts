import type { RateBudget } from '../../config/rateLimits.js';

/**
 * Who the operation acts on, by the rules of identity/accessPolicy.ts:
 * - appUser: the caller, or with the admin role anyone named in `input.appUserId` (or the `appUserId` argument);
 * - teamsUser: the caller's own Teams user, by the Entra object id in their verified token, never one from the input;
 * - everyone: every app user's records at once (the audit trail): admins only, refused with `refusal`.
 */
export type ActingRule = { on: 'appUser'; named?: 'input' | 'appUserId' } | { on: 'teamsUser' } | { on: 'everyone'; refusal: string };

/** On whom an operation acted, as its policy decided it: what the audit records. */
export interface PolicySubject {
  appUserId: string;
  /** The communication identity acted on, when the policy itself knows it (a Teams user's `8:orgid:` id). */
  identityId?: string;
}

export interface AuditRule<Payload> {
  /** The identity to record, named explicitly: from the payload on success, or from the subject. */
  identity: (payload: Payload | undefined, subject: PolicySubject | undefined) => string | undefined;
}

/** An operation's whole policy, declared once beside its resolver with @Policy (policy.ts). */
export interface OperationPolicy<Payload = never> {
  acts?: ActingRule;
  /**
   * The budget (config/rateLimits.ts) each occurrence of the field spends, counted from the operation's shape: an
   * alias or a repeat is one more. Root mutations without one spend `mutation`.
   */
  budget?: RateBudget;
  /** Each call is recorded in the audit trail before its result is final. */
  audit?: AuditRule<Payload>;
}

export const policyOf = (field: { extensions?: Record<string, unknown> | null } | undefined): OperationPolicy<unknown> | undefined =>
  field?.extensions?.policy as OperationPolicy<unknown> | undefined;

/** The identity of a payload that holds one (createUser, issueToken, createUserAndToken, revokeTokens). */
export const payloadIdentity = (payload: { identity: { id: string } } | undefined) => payload?.identity.id;
