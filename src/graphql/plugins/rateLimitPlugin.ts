import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode, GatewayError } from '../../errors.js';
import { operationLabel, type GatewayMetrics } from '../../observability/metrics.js';
import type { RateBudget } from '../../config/rateLimits.js';
import type { RateLimits } from '../../rateLimit/rateLimits.js';
import type { GatewayContext } from '../context.js';
import { entityFields } from '../federation/entities.js';
import { rateBudgetOf } from '../policies/rateLimited.js';

/**
 * Charges, once the operation is known and before anything executes: every field that declares a budget
 * (@RateLimited), one point per appearance at any depth, so aliasing `me` ten times costs ten; root mutation fields
 * without one to the general mutation budget; each `_entities` representation (each is a lookup). Anonymous
 * requests spend all of it from their client IP's budget, at least one point.
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
            const charges = fieldCharges(operation, document, schema);
            if (representations > 0) charges.set('entities', (charges.get('entities') ?? 0) + representations);
            if (!caller) {
              const points = [...charges.values()].reduce((sum, count) => sum + count, 0);
              await limits.consume('anonymous', null, clientIp, Math.max(1, points));
              return;
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

/**
 * What the operation spends, per budget: every field selection, through fragments too (so a fragment cannot hide a
 * field), counted as often as it appears. Each fragment is counted once and multiplied by its spreads, so fragments
 * spreading each other many times over cost a walk of the document, not of its expansion. Runs on a validated
 * document: fields exist on their parent types, and fragments do not spread themselves.
 */
export function fieldCharges(operation: OperationDefinitionNode, document: DocumentNode, schema: GraphQLSchema): Map<RateBudget, number> {
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const mutationType = schema.getMutationType();
  const counted = new Map<string, Charges>();
  const ofFragment = (name: string): Charges => {
    const known = counted.get(name);
    if (known) return known;
    counted.set(name, new Map()); // a cycle (refused by validation) counts nothing
    const fragment = fragments.get(name);
    const type = fragment && schema.getType(fragment.typeCondition.name.value);
    const charges = fragment ? visit(fragment.selectionSet, type, type === mutationType) : new Map();
    counted.set(name, charges);
    return charges;
  };
  function visit(selectionSet: SelectionSetNode, parent: GraphQLNamedType | null | undefined, isMutationRoot: boolean): Charges {
    const charges: Charges = new Map();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[selection.name.value] : undefined;
        const budget = rateBudgetOf(field?.extensions) ?? (isMutationRoot ? 'mutation' : undefined);
        if (budget) add(charges, new Map([[budget, 1]]));
        if (selection.selectionSet && field) add(charges, visit(selection.selectionSet, getNamedType(field.type), false));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        add(charges, visit(selection.selectionSet, type, isMutationRoot));
      } else {
        add(charges, ofFragment(selection.name.value));
      }
    }
    return charges;
  }
  const root = operation.operation === 'mutation' ? mutationType : operation.operation === 'query' ? schema.getQueryType() : null;
  return root ? visit(operation.selectionSet, root, operation.operation === 'mutation') : new Map();
}

type Charges = Map<RateBudget, number>;

function add(into: Charges, from: Charges): void {
  for (const [budget, count] of from) into.set(budget, (into.get(budget) ?? 0) + count);
}
