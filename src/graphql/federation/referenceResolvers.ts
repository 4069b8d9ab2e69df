import type { GraphQLResolverMap } from '@apollo/subgraph';
import { requireCommunicationUserId } from '../../acs/identityId.js';
import { requireAppUserId } from '../../identity/appUser.js';
import type { IdentityService } from '../../identity/identityService.js';
import type { GatewayContext } from '../context.js';

/** What a router sends for each representation: `_Any` lets it be anything, so every id is checked here. */
interface EntityReference {
  __typename: string;
  id: unknown;
}

type ReferenceResolver = (reference: EntityReference, context: GatewayContext) => unknown;

/**
 * `__resolveReference` for the entities, called by `_entities` when a router joins them.
 * They only delegate: the access rules live in IdentityService, the same ones the queries use.
 */
export function referenceResolvers(identities: IdentityService): GraphQLResolverMap<GatewayContext> {
  const communicationIdentity: ReferenceResolver = (reference, context) =>
    identities.identityByAcsId(context.caller, requireCommunicationUserId(reference.id, 'representations'));
  // User is owned by another subgraph: its id is all this one needs; `communicationIdentity` resolves from it.
  const user: ReferenceResolver = (reference) => ({ id: requireAppUserId(reference.id, 'representations') });
  return {
    // @apollo/subgraph calls __resolveReference as (reference, context, info), not as a field resolver.
    CommunicationIdentity: { __resolveReference: communicationIdentity as never },
    User: { __resolveReference: user as never },
  };
}
