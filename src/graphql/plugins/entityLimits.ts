import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, GatewayError } from '../../errors.js';
import type { GatewayContext } from '../context.js';
import { shapeCheckPlugin } from '../operation/shapePlugin.js';

export interface EntityLimits {
  maxRepresentations: number;
  maxCost: number;
}

/**
 * `_entities` takes its representations as a variable, where neither graphql-armor's cost limit nor the parser's
 * token limit sees them, and each one is a database lookup. So they are counted in the operation's shape and
 * bounded here, before anything runs: at most maxRepresentations per request, each costing its selection, within
 * the query cost limit. enforcePolicies charges each one to the caller as well.
 */
export function entityLimitsPlugin({ maxRepresentations, maxCost }: EntityLimits): ApolloServerPlugin<GatewayContext> {
  return shapeCheckPlugin(({ entities: { representations, cost } }) => {
    if (representations > maxRepresentations) {
      throw refusal(`_entities takes at most ${maxRepresentations} representations per request; this one has ${representations}.`);
    }
    if (cost > maxCost) throw refusal(`This _entities request costs ${cost}, over the limit of ${maxCost}; ask for fewer entities or fields.`);
  });
}

const refusal = (message: string) => new GatewayError(ErrorCode.BAD_USER_INPUT, message, { field: 'representations', httpStatus: 400 });
