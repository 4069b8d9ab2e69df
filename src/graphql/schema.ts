import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, type ContainerType } from 'type-graphql';
import { federationContainer } from './federation/container.js';
import { referenceResolvers } from './federation/referenceResolvers.js';
import { toSubgraphSchema } from './federation/subgraph.js';
import { AuditResolver } from './resolvers/AuditResolver.js';
import { IdentityResolver } from './resolvers/IdentityResolver.js';
import { UserResolver } from './resolvers/UserResolver.js';
import { User } from './types/User.js';

export const resolvers = [IdentityResolver, UserResolver, AuditResolver] as const;

/**
 * Builds the executable schema: an Apollo Federation 2 subgraph, served as is to direct clients and to routers.
 * Resolvers get their services from the container.
 */
export async function buildGatewaySchema(container: ContainerType): Promise<GraphQLSchema> {
  const federation = federationContainer(container);
  const schema = await buildSchema({
    resolvers,
    container: federation.container,
    // No field returns User: it enters the schema as an entity, reached through `_entities` only.
    orphanedTypes: [User],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
  });
  return toSubgraphSchema(schema, referenceResolvers(federation.identities));
}
