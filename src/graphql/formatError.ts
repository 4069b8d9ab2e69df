import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';

/** Codes Apollo and graphql-js give to request errors; their messages describe only the request. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);
const GATEWAY_CODES = new Set<string>(Object.values(ErrorCode));

/** Every code a client can see (the README's error table lists them). */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([...GATEWAY_CODES, ...REQUEST_ERROR_CODES]);

/** Masks anything that is not a known, safe error: no internals or stack traces reach a client. */
export function formatError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && (GATEWAY_CODES.has(code) || REQUEST_ERROR_CODES.has(code)) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: 'Internal server error',
    ...(formatted.path && { path: formatted.path }),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
