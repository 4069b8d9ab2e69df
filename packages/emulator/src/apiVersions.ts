// Which api-versions the emulator serves, and what each one adds.
import { AcsError } from './errors.js';

const CLASSIC = ['2021-03-07', '2022-06-01', '2022-10-01', '2023-10-01'] as const;
// customId on create and GET /identities/{id} arrived with these.
const WITH_CUSTOM_ID = ['2025-03-02-preview', '2025-06-30'] as const;

export const ACCEPTED_API_VERSIONS: readonly string[] = [...CLASSIC, ...WITH_CUSTOM_ID];

// Echoed like the real service does on every answer.
export const API_SUPPORTED_VERSIONS_HEADER = [
  '2020-07-20-preview2',
  '2021-02-22-preview1',
  '2021-03-07',
  '2021-10-31-preview',
  '2021-11-01',
  '2022-06-01',
  '2022-10-01',
  '2023-10-01',
  ...WITH_CUSTOM_ID,
].join(', ');

export function supportsCustomId(apiVersion: string): boolean {
  return (WITH_CUSTOM_ID as readonly string[]).includes(apiVersion);
}

/**
 * The real service runs ASP.NET API versioning: an unsupported version answers 400 UnsupportedApiVersion
 * naming the request URI without its query (seen in Azure-Samples/communication-services-web-calling-tutorial#8).
 * The missing-version answer is that framework's default (inferred).
 */
export function checkApiVersion(apiVersion: string | null, requestUriWithoutQuery: string): string {
  if (apiVersion === null || apiVersion === '') {
    throw new AcsError(400, 'ApiVersionUnspecified', 'An API version is required, but was not specified.');
  }
  if (!ACCEPTED_API_VERSIONS.includes(apiVersion)) throw unsupportedApiVersion(requestUriWithoutQuery, apiVersion);
  return apiVersion;
}

export function unsupportedApiVersion(requestUriWithoutQuery: string, apiVersion: string): AcsError {
  return new AcsError(
    400,
    'UnsupportedApiVersion',
    `The HTTP resource that matches the request URI '${requestUriWithoutQuery}' does not support the API version '${apiVersion}'.`,
  );
}
