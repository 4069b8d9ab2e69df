import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { getArgumentValues, getVariableValues, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { RateBudget } from '../../config/rateLimits.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { operationLabel, type GatewayMetrics } from '../../observability/metrics.js';
import type { RateLimits } from '../../rateLimit/rateLimits.js';
import type { GatewayContext } from '../context.js';
import { operationShapeOf, type OperationShape } from '../operation/shape.js';
import { decide, type Decision } from './decide.js';
import { policyOf } from './operationPolicy.js';

/**
 * The one mechanism that enforces the operations' policies (@Policy), once the operation is known and before
 * anything executes: it charges every budget the operation's fields declare (each occurrence counts, from the
 * operation's shape), each `_entities` representation, and every anonymous request per IP; then it decides on
 * whom each root field acts and puts the decisions on the context, for @Subject and the audit.
 */
export function enforcePolicies(limits: RateLimits, metrics: GatewayMetrics, maxRepresentations: number): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          const { operation, contextValue, schema } = requestContext;
          if (!operation) return;
          const shape = operationShapeOf({ ...requestContext, operation });
          contextValue.decisions = decideRootFields({ ...requestContext, operation }, shape);
          try {
            await chargeBudgets(limits, contextValue, budgetCharges(shape, schema, maxRepresentations));
          } catch (error) {
            if (error instanceof GatewayError && error.code === ErrorCode.RATE_LIMITED) {
              metrics.rateLimited.inc({ operation: operationLabel(shape, schema) });
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

/** Points per budget. Over the representation cap, entityLimits refuses the request before any lookup: a point. */
export function budgetCharges(shape: OperationShape, schema: GraphQLSchema, maxRepresentations: number): Map<RateBudget, number> {
  const charges = new Map<RateBudget, number>();
  const representations = shape.entities.representations > maxRepresentations ? 1 : shape.entities.representations;
  if (representations > 0) charges.set('entities', representations);
  const mutationType = schema.getMutationType()?.name;
  for (const [coordinate, count] of shape.fieldCounts) {
    const [typeName = '', fieldName = ''] = coordinate.split('.');
    const type = schema.getType(typeName);
    const field = type && 'getFields' in type ? type.getFields()[fieldName] : undefined;
    const budget = policyOf(field)?.budget ?? (typeName === mutationType && fieldName !== '__typename' ? 'mutation' : undefined);
    if (budget) charges.set(budget, (charges.get(budget) ?? 0) + count);
  }
  return charges;
}

async function chargeBudgets(limits: RateLimits, { caller, clientIp }: GatewayContext, charges: Map<RateBudget, number>): Promise<void> {
  if (!caller) {
    // Every point of every budget, reads included, from the client IP's one budget.
    const points = [...charges.values()].reduce((sum, count) => sum + count, 0);
    await limits.consume('anonymous', null, clientIp, Math.max(1, points));
    return;
  }
  for (const [budget, points] of charges) await limits.consume(budget, caller, clientIp, points);
}

/**
 * Decides each root field that declares whom it acts on, from its arguments as execution will see them (variables
 * coerced the same way). Variables that do not coerce fail execution before any resolver runs: nothing to decide.
 */
function decideRootFields(
  requestContext: GraphQLRequestContextDidResolveOperation<GatewayContext> & { operation: OperationDefinitionNode },
  shape: OperationShape,
): Map<string, Decision> {
  const { schema, operation, request, contextValue } = requestContext;
  const decisions = new Map<string, Decision>();
  const rootFields = schema.getRootType(operation.operation)?.getFields() ?? {};
  const acting = shape.rootFields.filter(({ node }) => policyOf(rootFields[node.name.value])?.acts);
  if (acting.length === 0) return decisions;
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
  if (!variables.coerced) return decisions;
  for (const { responseKey, node } of acting) {
    const field = rootFields[node.name.value]!;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, node, variables.coerced);
    } catch {
      continue; // execution reports the bad argument itself
    }
    decisions.set(responseKey, decide(policyOf(field)!.acts!, contextValue.caller, args));
  }
  return decisions;
}
