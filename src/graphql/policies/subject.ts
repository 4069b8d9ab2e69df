import type { GraphQLResolveInfo } from 'graphql';

/** On whom an operation acts, as its access policy resolved it. */
export interface PolicySubject {
  appUserId: string;
  /** The communication identity acted on, when the policy itself knows it (a Teams user's `8:orgid:` id). */
  identityId?: string;
}

const decided = new WeakMap<GraphQLResolveInfo, PolicySubject>();

/** Called by an access policy (ActingOn, ActingAsTeamsUser) once it has decided, for the field's audit (see Audited). */
export function recordSubject(info: GraphQLResolveInfo, subject: PolicySubject): void {
  decided.set(info, subject);
}

/** What the policy decided for this field, if it got that far. */
export function decidedSubject(info: GraphQLResolveInfo): PolicySubject | undefined {
  return decided.get(info);
}
