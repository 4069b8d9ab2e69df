import type { GraphQLResolveInfo } from 'graphql';
import type { ContainerType, ResolverData } from 'type-graphql';
import { IdentityService } from '../../services/identityService.js';
import type { GatewayContext } from '../context.js';
import { IdentityResolver } from '../resolvers/IdentityResolver.js';
import { UserResolver } from '../resolvers/UserResolver.js';
import type { IdentityServiceLookup } from './referenceResolvers.js';

/**
 * The resolvers the federation adds (UserResolver and the reference resolvers) use the same IdentityService as
 * IdentityResolver. The container handed to buildGatewaySchema may register them itself; when it does not, this
 * adapter derives them, so the application's container keeps working unchanged:
 * - a registered UserResolver instance wins;
 * - otherwise the container's IdentityService, when it holds one;
 * - otherwise the IdentityService of the registered IdentityResolver.
 */
export function federationContainer(container: ContainerType): { container: ContainerType; identities: IdentityServiceLookup } {
  const userResolvers = new WeakMap<IdentityService, UserResolver>();

  const identityService = async (resolverData: ResolverData<GatewayContext>): Promise<IdentityService> => {
    const registered = (await container.get(IdentityService, resolverData)) as IdentityService | undefined;
    if (registered) return registered;
    const identityResolver = (await container.get(IdentityResolver, resolverData)) as IdentityResolver | undefined;
    // IdentityResolver keeps its service private; bracket access is TypeScript's sanctioned way to reach it.
    const service = identityResolver?.['identities'];
    if (!service) throw new Error('The schema container provides neither an IdentityService nor an IdentityResolver.');
    return service;
  };

  return {
    container: {
      async get(someClass, resolverData: ResolverData<GatewayContext>) {
        if (someClass !== UserResolver) return container.get(someClass, resolverData);
        const registered = (await container.get(UserResolver, resolverData)) as UserResolver | undefined;
        if (registered) return registered;
        const service = await identityService(resolverData);
        let resolver = userResolvers.get(service);
        if (!resolver) userResolvers.set(service, (resolver = new UserResolver(service)));
        return resolver;
      },
    },
    identities: (context: GatewayContext, info: GraphQLResolveInfo) =>
      identityService({ root: undefined, args: {}, context, info }),
  };
}
