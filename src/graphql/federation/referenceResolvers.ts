import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { IdentityService } from '../../identity/identityService.js';
import type { GatewayContext } from '../context.js';

interface EntityReference {
  __typename: string;
  id: string;
}

type ReferenceResolver = (reference: EntityReference, context: GatewayContext) => unknown;

/**
 * `__resolveReference` for the entities, called by `_entities` when a router joins them.
 * They only delegate: the access rules live in IdentityService, the same ones the queries use.
 */
export function referenceResolvers(identities: IdentityService): GraphQLResolverMap<GatewayContext> {
  const communicationIdentity: ReferenceResolver = (reference, context) => identities.identityByAcsId(context.caller, reference.id);
  // User is owned by another subgraph: its id is all this one needs; `communicationIdentity` resolves from it.
  const user: ReferenceResolver = (reference) => ({ id: reference.id });
  return {
    // @apollo/subgraph calls __resolveReference as (reference, context, info), not as a field resolver.
    CommunicationIdentity: { __resolveReference: communicationIdentity as never },
    User: { __resolveReference: user as never },
  };
}
