import { createParameterDecorator } from 'type-graphql';
import type { GatewayContext } from '../context.js';

/**
 * Whom the field acts on, as its policy decided before execution (enforcePolicies): an AppUserRef, a TeamsUserRef
 * or the admin Caller, by the policy's `acts` rule. A refusal is raised here, as the field runs.
 */
export function Subject(): ReturnType<typeof createParameterDecorator> {
  return createParameterDecorator<GatewayContext>(({ context, info }) => {
    const decision = context.decisions?.get(String(info.path.key));
    if (!decision) throw new Error(`${info.parentType.name}.${info.fieldName} has no policy decision: declare its acts rule with @Policy.`);
    if ('refused' in decision) throw decision.refused;
    return decision.acting;
  });
}
