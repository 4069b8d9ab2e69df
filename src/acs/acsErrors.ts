import { ErrorCode, GatewayError } from '../errors.js';

/** The error code ACS answers once racing creations left two identities holding one customId (Azure/azure-sdk-for-js#38531). */
export const MULTIPLE_IDENTITIES_FOR_CUSTOM_ID = 'MultipleIdentitiesForCustomId';

/** What the SDK throws for an HTTP answer (a RestError), read without importing core-rest-pipeline. */
interface RestErrorLike {
  name: string;
  statusCode?: number;
  code?: string;
  response?: { headers: { get(name: string): string | undefined } };
}

function isRestErrorLike(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === 'RestError';
}

/**
 * Turns an ACS failure into one of the gateway's stable codes. ACS's own messages are not passed on:
 * they can name internals, and the caller can do nothing with them.
 */
export function toGatewayError(error: unknown, operation: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (isAbort(error)) {
    return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `ACS did not answer ${operation} in time; retry later.`, { cause: error });
  }
  if (!isRestErrorLike(error) || error.statusCode === undefined) {
    return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `ACS could not be reached for ${operation}; retry later.`, { cause: error });
  }
  const status = error.statusCode;
  // Racing creations with one customId left ACS several identities for it (Azure/azure-sdk-for-js#38531).
  if (error.code === MULTIPLE_IDENTITIES_FOR_CUSTOM_ID) {
    return new GatewayError(ErrorCode.IDENTITY_CONFLICT, 'ACS holds several identities for this app user; the reconciler settles it; retry later.', { cause: error });
  }
  if (status === 429) {
    return new GatewayError(ErrorCode.RATE_LIMITED, `ACS is throttling ${operation}; retry later.`, {
      retryAfterSeconds: retryAfterSeconds(error) ?? 30,
      cause: error,
    });
  }
  // ACS refusing a Teams user's token (400 for the body, 401 InvalidAccessToken for the token): the client's token, not the gateway's key.
  if (operation === 'getTokenForTeamsUser' && (status === 400 || (status === 401 && error.code === 'InvalidAccessToken'))) {
    return new GatewayError(ErrorCode.TEAMS_TOKEN_INVALID, "ACS refused the Teams user's token; sign the user in again.", { cause: error });
  }
  if (status === 404) {
    return new GatewayError(ErrorCode.IDENTITY_NOT_FOUND, 'The ACS identity no longer exists.', { cause: error });
  }
  if (status === 401 && error.code === 'IdentityNotOwned') {
    return new GatewayError(
      ErrorCode.IDENTITY_RESOURCE_MISMATCH,
      'The mapped ACS identity belongs to another ACS resource than the one configured.',
      { cause: error },
    );
  }
  if (status === 400) {
    return new GatewayError(ErrorCode.BAD_USER_INPUT, `ACS rejected the ${operation} request.`, { cause: error });
  }
  // 401/403 (a wrong key) and 5xx are the gateway's upstream failing; the operator reads the cause in the logs.
  return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `ACS failed ${operation} (HTTP ${status}); retry later.`, { cause: error });
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function retryAfterSeconds(error: RestErrorLike): number | undefined {
  const header = error.response?.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}
