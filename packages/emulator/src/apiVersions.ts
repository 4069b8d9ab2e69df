// Which api-versions each route serves, and which it names in api-supported-versions.
import { AcsError } from './errors.js';

export interface RouteVersions {
  /** Versions the emulator implements on this route; any other answers 400 UnsupportedApiVersion. */
  accepted: readonly string[];
  /** The api-supported-versions header the real service sends from this route. */
  advertised: string;
}

// customId on create and GET /identities/{id}: only 2025-03-02-preview's spec has them (2025-04-01-preview calls it
// externalId; the stable 2025-06-30 has neither, nor do the later stable versions).
const WITH_CUSTOM_ID = ['2025-03-02-preview'] as const;
// The Teams Phone extensibility routes: 2025-03-02-preview and the stable 2025-06-30 (spec files).
const WITH_TEAMS_EXTENSION = ['2025-03-02-preview', '2025-06-30'] as const;
// 2021-10-31-preview is what SDK 1.1.0-beta.2 sent for the Teams token exchange (recorded).
const IDENTITY_ACCEPTED = ['2021-03-07', '2021-10-31-preview', '2022-06-01', '2022-10-01', '2023-10-01', ...WITH_TEAMS_EXTENSION];

// The recorded headers (April 2025) per route, plus 2025-06-30, released since (inferred). The service still
// names 2020-07-20-preview2 and 2021-11-01, whose shapes the emulator does not implement: it refuses them.
const IDENTITY_ADVERTISED = ['2020-07-20-preview2', '2021-03-07', '2021-10-31-preview', '2021-11-01', '2022-06-01', '2022-10-01', '2023-10-01'];
const header = (...versions: string[]) => versions.join(', ');

export const VERSIONS = {
  identity: { accepted: IDENTITY_ACCEPTED, advertised: header(...IDENTITY_ADVERTISED, ...WITH_TEAMS_EXTENSION) },
  /** GET /identities/{id} shares the identity controller's header, but exists only at 2025-03-02-preview. */
  getIdentity: { accepted: WITH_CUSTOM_ID, advertised: header(...IDENTITY_ADVERTISED, ...WITH_TEAMS_EXTENSION) },
  // issueAccessToken also names 2025-03-31-preview (recorded), served like 2025-03-02-preview (inferred).
  issue: {
    accepted: [...IDENTITY_ACCEPTED, '2025-03-31-preview'],
    advertised: header(...IDENTITY_ADVERTISED, '2025-03-02-preview', '2025-03-31-preview', '2025-06-30'),
  },
  teamsUser: {
    accepted: ['2021-10-31-preview', '2022-06-01', '2022-10-01', '2023-10-01', ...WITH_TEAMS_EXTENSION],
    advertised: header('2021-10-31-preview', '2022-06-01', '2022-10-01', '2023-10-01', ...WITH_TEAMS_EXTENSION),
  },
  // Not recorded: the versions of the specs that define these routes (inferred).
  teamsExtension: { accepted: WITH_TEAMS_EXTENSION, advertised: header(...WITH_TEAMS_EXTENSION) },
  entra: { accepted: ['2025-03-02-preview'], advertised: header('2025-03-02-preview') },
} satisfies Record<string, RouteVersions>;

/** Every version some route accepts. */
export const ACCEPTED_API_VERSIONS: readonly string[] = [...new Set(Object.values(VERSIONS).flatMap((v) => v.accepted))];

export function supportsCustomId(apiVersion: string): boolean {
  return (WITH_CUSTOM_ID as readonly string[]).includes(apiVersion);
}

/** The Teams token exchange before 2022-06-01 took the Entra token alone, without appId and userId. */
export function teamsExchangeTakesTokenOnly(apiVersion: string): boolean {
  return apiVersion === '2021-10-31-preview';
}

/**
 * The real service runs ASP.NET API versioning: an unsupported version answers 400 UnsupportedApiVersion
 * naming the request URI without its query (seen in Azure-Samples/communication-services-web-calling-tutorial#8).
 * The missing-version answer is that framework's default (inferred).
 */
export function checkApiVersion(apiVersion: string | null, requestUriWithoutQuery: string, accepted: readonly string[]): string {
  if (apiVersion === null || apiVersion === '') {
    throw new AcsError(400, 'ApiVersionUnspecified', 'An API version is required, but was not specified.');
  }
  if (!accepted.includes(apiVersion)) throw unsupportedApiVersion(requestUriWithoutQuery, apiVersion);
  return apiVersion;
}

export function unsupportedApiVersion(requestUriWithoutQuery: string, apiVersion: string): AcsError {
  return new AcsError(
    400,
    'UnsupportedApiVersion',
    `The HTTP resource that matches the request URI '${requestUriWithoutQuery}' does not support the API version '${apiVersion}'.`,
  );
}
