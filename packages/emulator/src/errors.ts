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
    /**
     * Answered before the versioned controller, so without api-supported-versions. Recorded for the Teams
     * exchange's required-field 400s and token 401s; inferred for authentication, throttling and faults.
     */
    readonly unversioned = false,
  ) {
    super(message);
  }

  body(): AcsErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.target ? { target: this.target } : {}) } };
  }
}

export const denied = (): AcsError => new AcsError(401, 'Denied', 'Denied by the resource provider.', undefined, {}, true);

// The real message is documented; the code is not (inferred: Denied, like other HMAC failures).
export const contentHashMismatch = (): AcsError =>
  new AcsError(401, 'Denied', "Request 'x-ms-content-sha256' differs from generated content hash.", undefined, {}, true);

export const validation = (message: string, target?: string): AcsError =>
  new AcsError(400, 'ValidationError', message, target);

/** A model-validation failure, answered before the controller (recorded: no api-supported-versions). */
export const earlyValidation = (message: string, target?: string): AcsError =>
  new AcsError(400, 'ValidationError', message, target, {}, true);

export const identityNotOwned = (): AcsError =>
  new AcsError(401, 'IdentityNotOwned', "Provided identity doesn't belong to the resource.");

// Inferred: no public recording shows an unknown or deleted id of the own resource.
export const identityNotFound = (): AcsError =>
  new AcsError(404, 'IdentityNotFound', 'Identity with the provided id was not found.');

export const invalidAccessToken = (): AcsError =>
  new AcsError(401, 'InvalidAccessToken', 'Provided access token is not valid.', undefined, {}, true);

export const tooManyRequests = (retryAfterSeconds: number): AcsError =>
  new AcsError(429, 'TooManyRequests', 'Rate limit exceeded. Try again later.', undefined, { 'Retry-After': String(retryAfterSeconds) }, true);

export const notFound = (): AcsError => new AcsError(404, 'NotFound', 'The requested resource was not found.');

// The Entra routes' failures are not recorded anywhere public; these answers are inferred.
export const notAssigned = (message = 'The user is not assigned to this Communication Services resource.'): AcsError =>
  new AcsError(403, 'NotAssigned', message);

export const assignmentNotFound = (): AcsError =>
  new AcsError(404, 'AssignmentNotFound', 'No assignment exists for the given object id.');

export const unsupportedMediaType = (expected: string): AcsError =>
  new AcsError(415, 'UnsupportedMediaType', `The request body must be sent as ${expected}.`);

// The code is reported (Azure/azure-sdk-for-js#38531); the status and message are inferred.
export const multipleIdentitiesForCustomId = (): AcsError =>
  new AcsError(409, 'MultipleIdentitiesForCustomId', 'More than one identity holds the provided customId.');
