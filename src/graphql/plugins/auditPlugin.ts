import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { AuditLog } from '../../audit/auditLog.js';
import type { Logger } from '../../logging/logger.js';
import type { GatewayContext } from '../context.js';

/** Records every mutation (who, on whom, what, outcome) once it resolves; the response waits for the write. */
export function auditPlugin(audit: AuditLog, logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const writes: Array<Promise<void>> = [];
      return {
        async executionDidStart() {
          return {
            willResolveField({ info, args, contextValue }) {
              const { caller, requestId } = contextValue;
              if (info.parentType.name !== 'Mutation' || !caller) return;
              const input = (args as { input?: { appUserId?: string | null } | null }).input;
              const subjectAppUserId = input?.appUserId ?? caller.userId;
              return (error, result) => {
                const payload = result as { identity?: { id?: string }; deletedIdentityId?: string } | undefined;
                writes.push(
                  audit
                    .record({
                      requestId,
                      action: info.fieldName,
                      outcome: error ? 'failure' : 'success',
                      errorCode: error ? String((error instanceof GraphQLError && error.extensions.code) || 'INTERNAL_SERVER_ERROR') : undefined,
                      actor: caller,
                      subjectAppUserId,
                      identityId: payload?.identity?.id ?? payload?.deletedIdentityId,
                    })
                    .catch((writeError: unknown) => logger.error({ err: writeError, requestId }, 'audit write failed')),
                );
              };
            },
          };
        },
        async willSendResponse() {
          await Promise.all(writes);
        },
      };
    },
  };
}
