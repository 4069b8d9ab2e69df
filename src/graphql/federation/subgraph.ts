import { buildSubgraphSchema, printSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { isObjectType, parse, type GraphQLSchema } from 'graphql';
import { createResolversMap } from 'type-graphql';
import { guardEntityRepresentations } from './representations.js';

/**
 * The Federation 2 version this subgraph links. Only `@key` is used, so an older version keeps the subgraph
 * composable by older routers and gateways; v2.7 is understood by @apollo/composition / @apollo/gateway 2.7+
 * and GraphOS Router / Apollo Router 1.39+.
 */
export const FEDERATION_SPEC_URL = 'https://specs.apollo.dev/federation/v2.7';
export const FEDERATION_LINK = `extend schema @link(url: "${FEDERATION_SPEC_URL}", import: ["@key"])`;

/**
 * Turns a TypeGraphQL schema into an Apollo Federation 2 subgraph schema, as TypeGraphQL's
 * `examples/apollo-federation-2` does: print the schema with its applied directives (`@key` from `@Directive`),
 * prepend the `@link`, and rebuild it with `buildSubgraphSchema` over TypeGraphQL's own resolvers plus the
 * `__resolveReference` functions of the entities.
 *
 * `printSubgraphSchema` is `printSchemaWithDirectives` from @graphql-tools/utils; on a plain TypeGraphQL schema it
 * prints the `@key` directives TypeGraphQL keeps on the types' AST nodes.
 */
export function toSubgraphSchema(schema: GraphQLSchema, referenceResolvers: GraphQLResolverMap<any>): GraphQLSchema {
  const typeDefs = parse(`${FEDERATION_LINK}\n\n${printSubgraphSchema(schema)}`);
  const resolvers = mergeResolverMaps(createResolversMap(schema) as GraphQLResolverMap<any>, referenceResolvers);
  const subgraph = buildSubgraphSchema([{ typeDefs, resolvers }]);
  copyFieldExtensions(schema, subgraph);
  guardEntityRepresentations(subgraph);
  return subgraph;
}

/** SDL has no place for field extensions (the policies declared with @Extensions), so they are carried over by hand. */
function copyFieldExtensions(from: GraphQLSchema, to: GraphQLSchema): void {
  for (const type of Object.values(from.getTypeMap())) {
    const target = to.getType(type.name);
    if (!isObjectType(type) || !isObjectType(target)) continue;
    const targetFields = target.getFields();
    for (const [name, field] of Object.entries(type.getFields())) {
      const targetField = targetFields[name];
      if (targetField && Object.keys(field.extensions).length > 0) {
        (targetField as { extensions: typeof field.extensions }).extensions = { ...targetField.extensions, ...field.extensions };
      }
    }
  }
}

function mergeResolverMaps(base: GraphQLResolverMap<any>, extra: GraphQLResolverMap<any>): GraphQLResolverMap<any> {
  const merged: GraphQLResolverMap<any> = { ...base };
  for (const [typeName, fields] of Object.entries(extra)) {
    merged[typeName] = { ...(merged[typeName] as object | undefined), ...(fields as object) } as GraphQLResolverMap<any>[string];
  }
  return merged;
}
