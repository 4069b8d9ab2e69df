import { GraphQLError } from 'graphql';

/** The stable `extensions.code` values clients may branch on. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  IDENTITY_NOT_FOUND: 'IDENTITY_NOT_FOUND',
  IDENTITY_RESOURCE_MISMATCH: 'IDENTITY_RESOURCE_MISMATCH',
  /** The Teams user's Entra token is malformed, expired, or not for the configured Teams application (or ACS refused it). */
  TEAMS_TOKEN_INVALID: 'TEAMS_TOKEN_INVALID',
  /** exchangeTeamsUserToken is turned off on this gateway (TEAMS_ENABLED). */
  TEAMS_EXCHANGE_DISABLED: 'TEAMS_EXCHANGE_DISABLED',
  RATE_LIMITED: 'RATE_LIMITED',
  /** With TRUSTED_DOCUMENTS_ONLY, the document is not in the manifest; or an id names no trusted document (HTTP 400, before parsing). */
  DOCUMENT_NOT_TRUSTED: 'DOCUMENT_NOT_TRUSTED',
  /** ACS holds several identities for the app user's customId (MultipleIdentitiesForCustomId); the reconciler settles it. */
  IDENTITY_CONFLICT: 'IDENTITY_CONFLICT',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatusByCode: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  RATE_LIMITED: 429,
};

export interface GatewayErrorOptions {
  /** The input field at fault, for BAD_USER_INPUT. */
  field?: string;
  /** Seconds after which a retry may succeed, for RATE_LIMITED. */
  retryAfterSeconds?: number;
  /** The HTTP status of the whole response, for an error that refuses the request before anything runs. */
  httpStatus?: number;
  /** Kept for logs only; never sent to clients. */
  cause?: unknown;
}

/** An error that is safe to show to the caller: its message never holds tokens, keys or internals. */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    const status = options.httpStatus ?? httpStatusByCode[code];
    super(message, {
      originalError: options.cause instanceof Error ? options.cause : undefined,
      extensions: {
        code,
        ...(options.field !== undefined && { field: options.field }),
        ...(options.retryAfterSeconds !== undefined && { retryAfterSeconds: options.retryAfterSeconds }),
        ...(status !== undefined && { http: { status } }),
      },
    });
    this.name = 'GatewayError';
    this.code = code;
  }
}

export const badInput = (field: string, message: string): GatewayError =>
  new GatewayError(ErrorCode.BAD_USER_INPUT, message, { field });
