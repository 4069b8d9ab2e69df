import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { operationShapeOf, type OperationShape } from './shape.js';

/**
 * A plugin that checks the operation's shape once the operation is known, before anything runs; what `check`
 * throws refuses the request.
 */
export function shapeCheckPlugin(check: (shape: OperationShape) => void): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          const { operation } = requestContext;
          if (operation) check(operationShapeOf({ ...requestContext, operation }));
        },
      };
    },
  };
}
