import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';

/** Codes Apollo and graphql-js give to request errors; their messages describe only the request. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
]);
const GATEWAY_CODES = new Set<string>(Object.values(ErrorCode));
/**
 * A JWS or JWE compact serialization (a JSON header starts `eyJ`). graphql-js quotes a rejected input value in its
 * message, and a token put in the wrong place (a Teams user's, a bearer) must not come back in the response.
 */
const COMPACT_JWT = /eyJ[\w-]*(?:\.[\w-]*){2,4}/g;

/** Every code a client can see (the README's error table lists them). */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([...GATEWAY_CODES, ...REQUEST_ERROR_CODES]);

/** Masks anything that is not a known, safe error: no internals or stack traces reach a client. */
export function formatError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && (GATEWAY_CODES.has(code) || REQUEST_ERROR_CODES.has(code)) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, message: formatted.message.replace(COMPACT_JWT, '[redacted token]'), extensions };
  }
  return {
    message: 'Internal server error',
    ...(formatted.path && { path: formatted.path }),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
