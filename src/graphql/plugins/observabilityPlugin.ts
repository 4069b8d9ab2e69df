import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../../observability/logger.js';
import type { GatewayMetrics } from '../../observability/metrics.js';
import type { GatewayContext } from '../context.js';

/** One log line and the metrics for every GraphQL operation; variables are never logged (they can hold ids, never tokens, but stay out anyway). */
export function observabilityPlugin(logger: Logger, metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async contextCreationDidFail({ error }) {
      const code = String((error as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL_SERVER_ERROR');
      metrics.errors.inc({ code });
      logger.info({ errorCodes: [code] }, 'graphql request refused before execution');
    },
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors, response }) {
          const name = operationName ?? operation?.selectionSet.selections.map((s) => ('name' in s ? s.name.value : '?')).join(',') ?? 'unparsed';
          const codes = (errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          const seconds = (performance.now() - started) / 1000;
          metrics.requests.inc({ operation: name, outcome: codes.length === 0 ? 'success' : 'error' });
          metrics.requestDuration.observe({ operation: name }, seconds);
          for (const code of codes) metrics.errors.inc({ code });
          const unexpected = (errors ?? []).filter((error) => !error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR');
          logger[unexpected.length > 0 ? 'error' : 'info'](
            {
              requestId: contextValue.requestId,
              operation: name,
              caller: contextValue.caller?.userId,
              status: response.http.status ?? 200,
              durationMs: Math.round(seconds * 1000 * 10) / 10,
              ...(codes.length > 0 && { errorCodes: codes }),
              ...(unexpected.length > 0 && { err: unexpected[0]?.originalError ?? unexpected[0] }),
            },
            'graphql request',
          );
        },
      };
    },
  };
}
