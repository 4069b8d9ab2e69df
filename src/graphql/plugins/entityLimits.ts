import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, GatewayError } from '../../errors.js';
import type { GatewayContext } from '../context.js';
import { entityFields, selectionCost } from '../federation/entities.js';

export interface EntityLimits {
  maxRepresentations: number;
  maxCost: number;
}

/**
 * `_entities` takes its representations as a variable, where neither graphql-armor's cost limit nor the parser's
 * token limit sees them, and each one is a database lookup. So they are counted here, once the operation is known
 * and before anything runs: at most maxRepresentations per request, each costing its selection, within the query
 * cost limit. The rate-limit plugin charges each one to the caller as well.
 */
export function entityLimitsPlugin({ maxRepresentations, maxCost }: EntityLimits): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) return;
          const fields = entityFields(operation, document, request.variables);
          const representations = fields.reduce((sum, { representations: count }) => sum + count, 0);
          if (representations > maxRepresentations) {
            throw refusal(`_entities takes at most ${maxRepresentations} representations per request; this one has ${representations}.`);
          }
          const cost = fields.reduce((sum, { field, representations: count }) => sum + count * Math.max(1, selectionCost(field.selectionSet, document)), 0);
          if (cost > maxCost) throw refusal(`This _entities request costs ${cost}, over the limit of ${maxCost}; ask for fewer entities or fields.`);
        },
      };
    },
  };
}

const refusal = (message: string) => new GatewayError(ErrorCode.BAD_USER_INPUT, message, { field: 'representations', httpStatus: 400 });
