import type { ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { QueryLimits } from '../../config/config.js';
import type { GatewayContext } from '../context.js';
import { introspectionBoundsPlugin } from './introspectionBounds.js';

/**
 * graphql-armor's depth, alias, cost and directive limits, graphql-js's token limit, the introspection bounds;
 * characters are checked in the HTTP handler.
 */
export function queryLimitOptions(limits: QueryLimits): Pick<ApolloServerOptions<GatewayContext>, 'validationRules' | 'allowBatchedHttpRequests' | 'parseOptions'> & { plugins: ApolloServerPlugin<GatewayContext>[] } {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    maxDirectives: { n: limits.maxDirectives },
    // Its token plugin re-parses in a hook, where even a plain syntax error becomes a 500; graphql-js's own
    // parser limit (parseOptions.maxTokens below) gives the same protection with a proper 400.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  }).protect();
  return {
    validationRules: armor.validationRules,
    allowBatchedHttpRequests: limits.allowBatchedRequests,
    parseOptions: { maxTokens: limits.maxTokens },
    plugins: [...(armor.plugins as ApolloServerPlugin<GatewayContext>[]), introspectionBoundsPlugin(limits.maxIntrospectionDepth)],
  };
}
