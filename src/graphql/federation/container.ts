import type { GraphQLResolveInfo } from 'graphql';
import type { ContainerType } from 'type-graphql';
import { IdentityService } from '../../services/identityService.js';
import type { GatewayContext } from '../context.js';
import type { IdentityServiceLookup } from './referenceResolvers.js';

/** The reference resolvers use the IdentityService the application registered in its container. */
export function federationContainer(container: ContainerType): { container: ContainerType; identities: IdentityServiceLookup } {
  return {
    container,
    identities: async (context: GatewayContext, info: GraphQLResolveInfo) => {
      const service = (await container.get(IdentityService, { root: undefined, args: {}, context, info })) as IdentityService | undefined;
      if (!service) throw new Error('The schema container must provide the IdentityService.');
      return service;
    },
  };
}
