import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLObjectType, type SelectionSetNode } from 'graphql';
import { ErrorCode, GatewayError } from '../../errors.js';
import { operationLabel, type GatewayMetrics } from '../../observability/metrics.js';
import type { RateBudget } from '../../config/rateLimits.js';
import type { RateLimits } from '../../rateLimit/rateLimits.js';
import type { GatewayContext } from '../context.js';
import { entityFields } from '../federation/entities.js';
import { rateBudgetOf } from '../policies/rateLimited.js';

/**
 * Charges each root mutation field the budget it declares (@RateLimited; so aliasing one mutation ten times costs
 * ten), each `_entities` representation (each is a lookup), and every anonymous request per IP, once the
 * operation is known and before anything executes.
 */
export function rateLimitPlugin(limits: RateLimits, metrics: GatewayMetrics, maxRepresentations: number): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue, schema, request }) {
          const { caller, clientIp } = contextValue;
          if (!operation) return;
          try {
            const asked = entityFields(operation, document, request.variables).reduce((sum, field) => sum + field.representations, 0);
            // Over the cap, entityLimitsPlugin refuses it before any lookup (Apollo runs both hooks at once): a point.
            const representations = asked > maxRepresentations ? 1 : asked;
            if (!caller) {
              await limits.consume('anonymous', null, clientIp, Math.max(1, representations));
              return;
            }
            const charges = new Map<RateBudget, number>();
            if (representations > 0) charges.set('entities', representations);
            const mutationType = schema.getMutationType();
            if (operation.operation === 'mutation' && mutationType) {
              chargeFields(operation.selectionSet, fragmentsOf(document), mutationType, charges);
            }
            for (const [budget, count] of charges) {
              await limits.consume(budget, caller, clientIp, count);
            }
          } catch (error) {
            if (error instanceof GatewayError && error.code === ErrorCode.RATE_LIMITED) {
              metrics.rateLimited.inc({ operation: operationLabel(operation, document, schema) });
            }
            throw error;
          }
        },
        async willSendResponse({ errors, response }) {
          const limited = errors?.find((error) => error.extensions?.code === ErrorCode.RATE_LIMITED);
          const retryAfter = limited?.extensions?.retryAfterSeconds;
          if (retryAfter !== undefined) response.http.headers.set('retry-after', String(retryAfter));
        },
      };
    },
  };
}

/** Root fields, including those reached through fragments, so a fragment cannot hide a mutation. */
function chargeFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  mutationType: GraphQLObjectType,
  charges: Map<RateBudget, number>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === '__typename') continue;
      const budget = rateBudgetOf(mutationType.getFields()[selection.name.value]?.extensions) ?? 'mutation';
      charges.set(budget, (charges.get(budget) ?? 0) + 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      chargeFields(selection.selectionSet, fragments, mutationType, charges);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment) {
        const others = new Map([...fragments].filter(([name]) => name !== fragment.name.value));
        chargeFields(fragment.selectionSet, others, mutationType, charges);
      }
    }
  }
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
}
