import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import { shapeCheckPlugin } from '../operation/shapePlugin.js';

/**
 * Introspection is left out of graphql-armor's depth and cost limits, and graphql-js's own MaxIntrospectionDepthRule
 * counts only nested fields, interfaces, possibleTypes and inputFields: an `ofType { ofType { … } }` chain of any
 * depth passed. So it is bounded here on its own, from the operation's shape, before anything runs: a depth (the
 * standard introspection query of GraphiQL and codegen is 14 fields deep), and at most three list fields of any
 * kind along a path (it needs types → fields → args). Refused as a validation error, as graphql-js's own are.
 * Written by hand because graphql-armor has neither rule.
 */
export const MAX_INTROSPECTION_LISTS = 3;

export function introspectionBoundsPlugin(maxDepth: number): ApolloServerPlugin<GatewayContext> {
  return shapeCheckPlugin(({ introspection }) => {
    if (!introspection) return;
    if (introspection.depth > maxDepth) throw refusal(`Introspection deeper than ${maxDepth} levels is refused.`);
    if (introspection.lists > MAX_INTROSPECTION_LISTS) throw refusal(`Introspection with more than ${MAX_INTROSPECTION_LISTS} nested lists is refused.`);
  });
}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });
}
