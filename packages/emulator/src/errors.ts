// The ACS error body {error:{code,message,target?}} and the answers the emulator gives with it.

export interface AcsErrorBody {
  error: { code: string; message: string; target?: string };
}

export class AcsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): AcsErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.target ? { target: this.target } : {}) } };
  }
}

export const denied = (): AcsError => new AcsError(401, 'Denied', 'Denied by the resource provider.');

// The real message is documented; the code is not (inferred: Denied, like other HMAC failures).
export const contentHashMismatch = (): AcsError =>
  new AcsError(401, 'Denied', "Request 'x-ms-content-sha256' differs from generated content hash.");

export const validation = (message: string, target?: string): AcsError =>
  new AcsError(400, 'ValidationError', message, target);

export const identityNotOwned = (): AcsError =>
  new AcsError(401, 'IdentityNotOwned', "Provided identity doesn't belong to the resource.");

// Inferred: no public recording shows an unknown or deleted id of the own resource.
export const identityNotFound = (): AcsError =>
  new AcsError(404, 'IdentityNotFound', 'Identity with the provided id was not found.');

export const invalidAccessToken = (): AcsError =>
  new AcsError(401, 'InvalidAccessToken', 'Provided access token is not valid.');

export const tooManyRequests = (retryAfterSeconds: number): AcsError =>
  new AcsError(429, 'TooManyRequests', 'Rate limit exceeded. Try again later.', undefined, {
    'Retry-After': String(retryAfterSeconds),
  });

export const notFound = (): AcsError => new AcsError(404, 'NotFound', 'The requested resource was not found.');
