import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, type ContainerType } from 'type-graphql';
import { IdentityResolver } from './resolvers/IdentityResolver.js';

export const resolvers = [IdentityResolver] as const;

/** Builds the executable schema; resolvers get their services from the container. */
export function buildGatewaySchema(container: ContainerType): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    container,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
  });
}
