import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../../observability/logger.js';
import { errorCodeLabel, operationLabel, type GatewayMetrics } from '../../observability/metrics.js';
import type { GatewayContext } from '../context.js';
import { operationShapeOf } from '../operation/shape.js';
import { CLIENT_ERROR_CODES } from '../formatError.js';

/** The longest operation name a log line repeats: it comes from the client. */
const LOGGED_NAME_CHARACTERS = 64;

/**
 * One log line and the metrics for every GraphQL operation. Variables are never logged (they can hold ids, never
 * tokens, but stay out anyway); metric labels come from a fixed set, whatever the client sends.
 */
export function observabilityPlugin(logger: Logger, metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async contextCreationDidFail({ error }) {
      const code = errorCodeLabel((error as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL_SERVER_ERROR', CLIENT_ERROR_CODES);
      metrics.errors.inc({ code });
      // Refused before any operation is known: a flood of rejected bearer tokens from one IP (see graphqlRoute).
      if (code === 'RATE_LIMITED') metrics.rateLimited.inc({ operation: 'bearer-token' });
      logger.info({ errorCodes: [code] }, 'graphql request refused before execution');
    },
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async parsingDidStart() {
          metrics.documentsParsed.inc();
        },
        async willSendResponse(requestContext) {
          const { operationName, operation, document, schema, errors, response } = requestContext;
          // Refused by a validation bound read from the shape (introspectionBounds): as invalid as graphql-js's own refusals.
          const invalid = !operation || !document || errors?.some((error) => error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED');
          const label = invalid ? 'invalid' : operationLabel(operationShapeOf({ ...requestContext, operation, document }), schema);
          const codes = (errors ?? []).map((error) => errorCodeLabel(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR', CLIENT_ERROR_CODES));
          const seconds = (performance.now() - started) / 1000;
          metrics.requests.inc({ operation: label, outcome: codes.length === 0 ? 'success' : 'error' });
          metrics.requestDuration.observe({ operation: label }, seconds);
          for (const code of codes) metrics.errors.inc({ code });
          const unexpected = (errors ?? []).filter((error) => !error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR');
          logger[unexpected.length > 0 ? 'error' : 'info'](
            {
              requestId: contextValue.requestId,
              operation: label,
              ...(operationName && { operationName: operationName.slice(0, LOGGED_NAME_CHARACTERS) }),
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
