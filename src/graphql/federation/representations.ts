import { isObjectType, isUnionType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { badInput } from '../../errors.js';

/**
 * `_entities` takes `[_Any!]!`, so graphql-js lets anything through, and @apollo/subgraph answers a representation
 * without a usable `__typename` with a plain Error (INTERNAL_SERVER_ERROR, logged as a fault), or, for an object
 * type that is no entity (`Query`), passes it on unresolved. Each representation is checked here first, all of them
 * before any lookup runs: a client's mistake gets BAD_USER_INPUT naming `representations`.
 */
export function guardEntityRepresentations(schema: GraphQLSchema): void {
  const entities = schema.getQueryType()?.getFields()['_entities'];
  const union = schema.getType('_Entity');
  if (!entities?.resolve || !isUnionType(union)) return;
  const entityTypes = new Set(union.getTypes().filter(isObjectType).map((type) => type.name));
  const resolve: GraphQLFieldResolver<unknown, unknown> = entities.resolve;
  entities.resolve = (source, args: { representations?: unknown }, context, info) => {
    const representations = args.representations;
    if (!Array.isArray(representations)) throw badInput('representations', 'representations must be a list of entity references.');
    representations.forEach((representation, index) => {
      const problem = representationProblem(representation, entityTypes);
      if (problem) throw badInput('representations', `representations[${index}] ${problem}.`);
    });
    return resolve(source, args, context, info);
  };
}

function representationProblem(representation: unknown, entityTypes: ReadonlySet<string>): string | null {
  if (typeof representation !== 'object' || representation === null || Array.isArray(representation)) {
    return 'must be an object such as { "__typename": "User", "id": "…" }';
  }
  const typename: unknown = (representation as Record<string, unknown>)['__typename'];
  if (typeof typename !== 'string') return typename === undefined ? 'has no __typename' : 'has a __typename that is not a string';
  if (!entityTypes.has(typename)) return `names no entity of this subgraph; __typename must be one of ${[...entityTypes].join(', ')}`;
  return null;
}
