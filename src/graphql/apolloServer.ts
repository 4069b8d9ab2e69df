import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import type { GraphQLSchema } from 'graphql';
import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RateLimits } from '../rateLimit/rateLimits.js';
import { TrustedDocumentStore } from '../trustedDocuments/documentStore.js';
import type { TrustedDocuments } from '../trustedDocuments/manifest.js';
import type { GatewayContext } from './context.js';
import { formatError } from './formatError.js';
import { entityLimitsPlugin } from './plugins/entityLimits.js';
import { observabilityPlugin } from './plugins/observabilityPlugin.js';
import { queryLimitOptions } from './plugins/queryLimits.js';
import { enforcePolicies } from './policy/enforcePolicies.js';

export interface ApolloOptions {
  schema: GraphQLSchema;
  config: GatewayConfig;
  httpServer: Server;
  logger: Logger;
  metrics: GatewayMetrics;
  rateLimits: RateLimits;
  /** Parsed and validated at start: found in the document store, never parsed per request. */
  trustedDocuments: TrustedDocuments;
}

/** Apollo Server with the gateway's limits, masking, metrics and the operations' policies. */
export function createApolloServer({ schema, config, httpServer, logger, metrics, rateLimits, trustedDocuments }: ApolloOptions): ApolloServer<GatewayContext> {
  const limits = queryLimitOptions(config.queryLimits);
  return new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.introspection,
    csrfPrevention: true,
    // Nothing a client sends is kept past its request: no automatic persisted queries (trusted documents are read
    // from the manifest only), and other parsed documents are cached within 2 MiB (Apollo's default 30 MiB of AST,
    // counted as JSON, would fill the 128 MiB heap).
    persistedQueries: false,
    documentStore: new TrustedDocumentStore(trustedDocuments, new InMemoryLRUCache({ maxSize: 2 * 1024 * 1024 })),
    // main.ts owns SIGTERM/SIGINT; Apollo's own handlers would start a second, competing stop that never settles.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: limits.allowBatchedHttpRequests,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.http.shutdownTimeoutMs }),
      ApolloServerPluginLandingPageDisabled(),
      // No field carries a cache hint and graphqlRoute answers every request no-store, so Apollo's cache-control
      // plugin has nothing to work out; installed, it wraps every field's resolver to do so.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      inlineTraceWhenAsked(),
      observabilityPlugin(logger, metrics),
      entityLimitsPlugin({ maxRepresentations: config.queryLimits.maxEntityRepresentations, maxCost: config.queryLimits.maxCost }),
      enforcePolicies(rateLimits, metrics, config.queryLimits.maxEntityRepresentations),
      ...limits.plugins,
    ],
    logger: { debug: () => {}, info: () => {}, warn: (message) => logger.warn(message), error: (message) => logger.error(message) },
  });
}

/**
 * Federated traces (ftv1) for a router that asks for them, as Apollo installs for a subgraph, except that the
 * trace tree is built only for a request that asks: Apollo's plugin builds one for every request before it
 * looks at the header.
 */
function inlineTraceWhenAsked(): ApolloServerPlugin<GatewayContext> {
  const inlineTrace = ApolloServerPluginInlineTrace() as ApolloServerPlugin<GatewayContext>;
  return {
    requestDidStart: async (requestContext) =>
      requestContext.request.http?.headers.get('apollo-federation-include-trace') === 'ftv1' ? inlineTrace.requestDidStart?.(requestContext) : undefined,
  };
}
