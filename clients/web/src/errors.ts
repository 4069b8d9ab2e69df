/**
 * The `extensions.code` values the gateway sends (see its README), plus the ones Apollo Server itself uses for
 * requests it cannot run. Other strings may appear; `GatewayError.code` keeps them as they came.
 */
export type GatewayErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'IDENTITY_NOT_FOUND'
  | 'IDENTITY_RESOURCE_MISMATCH'
  | 'TEAMS_TOKEN_INVALID'
  | 'TEAMS_EXCHANGE_DISABLED'
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'OPERATION_RESOLUTION_FAILURE'
  /** The document is not one the gateway trusts (see `send`), before anything was parsed. */
  | 'DOCUMENT_NOT_TRUSTED'
  /** The error carried no string `extensions.code`. */
  | 'UNKNOWN';

/** One entry of a GraphQL response's `errors`, as far as this client reads it. */
export interface GatewayErrorEntry {
  message: string;
  code: string;
  path?: readonly (string | number)[];
  /** The input field at fault, for BAD_USER_INPUT. */
  field?: string;
  /** For RATE_LIMITED. */
  retryAfterSeconds?: number;
}

/** Base class of every error this package throws, except {@link AbortError}. */
export class GatewayClientError extends Error {
  override name = 'GatewayClientError';
  /** The operation that failed (`IssueToken`, …), when known. */
  readonly operation: string | undefined;

  constructor(message: string, operation: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = operation;
  }
}

/** The gateway answered with a GraphQL error: branch on `code`. */
export class GatewayError extends GatewayClientError {
  override name = 'GatewayError';
  /** The first error's `extensions.code`. */
  readonly code: GatewayErrorCode | (string & {});
  /** The HTTP status of the answer (401 for UNAUTHENTICATED, 429 for RATE_LIMITED, 200 for most others). */
  readonly status: number;
  /** For RATE_LIMITED: from `extensions.retryAfterSeconds`, else the Retry-After header. */
  readonly retryAfterSeconds: number | undefined;
  /** For BAD_USER_INPUT: the input field at fault. */
  readonly field: string | undefined;
  /** The gateway's `x-request-id`, to find the request in its logs. */
  readonly requestId: string | undefined;
  /** Every error of the answer (the first one gives `code`). */
  readonly errors: readonly GatewayErrorEntry[];

  constructor(operation: string | undefined, status: number, errors: readonly GatewayErrorEntry[], details: { retryAfterSeconds?: number; requestId?: string } = {}) {
    const first = errors[0] ?? { message: 'The gateway answered with an error.', code: 'UNKNOWN' };
    super(`${operation ?? 'GraphQL request'} failed: ${first.code}: ${first.message}`, operation);
    this.code = first.code;
    this.status = status;
    this.retryAfterSeconds = first.retryAfterSeconds ?? details.retryAfterSeconds;
    this.field = first.field;
    this.requestId = details.requestId;
    this.errors = errors;
  }
}

/** No answer: the network failed, the browser refused the answer (CORS), or it took longer than `timeoutMs`. */
export class GatewayNetworkError extends GatewayClientError {
  override name = 'GatewayNetworkError';
  readonly timedOut: boolean;

  constructor(operation: string | undefined, message: string, timedOut: boolean, cause?: unknown) {
    super(`${operation ?? 'GraphQL request'} failed: ${message}`, operation, { cause });
    this.timedOut = timedOut;
  }
}

export type GatewayResponseProblem = 'status' | 'content-type' | 'too-large' | 'malformed' | 'unexpected-shape';

/** An answer that is not a usable GraphQL response: a proxy's error page, a huge or malformed body, missing data. */
export class GatewayResponseError extends GatewayClientError {
  override name = 'GatewayResponseError';
  readonly status: number;
  readonly problem: GatewayResponseProblem;
  readonly requestId: string | undefined;

  constructor(operation: string | undefined, status: number, problem: GatewayResponseProblem, message: string, requestId?: string) {
    super(`${operation ?? 'GraphQL request'} failed: ${message}`, operation);
    this.status = status;
    this.problem = problem;
    this.requestId = requestId;
  }
}

/** Thrown when the caller's abort signal fires; `name` is 'AbortError', as the Azure SDKs and fetch use. */
export class AbortError extends Error {
  override name = 'AbortError';
}

/** True for a {@link GatewayError} (of one of `codes`, when given), with `code` narrowed. */
export function isGatewayError<Code extends GatewayErrorCode = GatewayErrorCode>(error: unknown, ...codes: Code[]): error is GatewayError & { code: Code } {
  return error instanceof GatewayError && (codes.length === 0 || (codes as string[]).includes(error.code));
}
