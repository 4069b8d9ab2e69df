// Identity ids. ACS users: 8:acs:<resourceGuid>_<userGuid>, exactly one underscore (communication-common relies on it).
// Teams-extension users: 8:acs:<resourceGuid>_<tenantGuid>_<userGuid> (communication-common's TeamsExtensionUserIdentifier).
// Entra users of /access/entra: 8:acs:<resourceGuid>_wf_<tenantGuid>_<userGuid>, as in the spec's example.
import { randomUUID } from 'node:crypto';

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ACS_ID = new RegExp(`^8:acs:(${GUID})_(${GUID})$`, 'i');
const TEAMS_EXTENSION_ID = new RegExp(`^8:acs:(${GUID})_(${GUID})_(${GUID})$`, 'i');
const ENTRA_ID = new RegExp(`^8:acs:(${GUID})_wf_(${GUID})_(${GUID})$`, 'i');
const GUID_ONLY = new RegExp(`^${GUID}$`, 'i');

export type IdentityKind = 'communicationUser' | 'microsoftTeamsUser' | 'teamsExtensionUser' | 'entraUser';

export function newIdentityId(resourceId: string): string {
  return `8:acs:${resourceId}_${randomUUID()}`;
}

export const teamsExtensionUserId = (resourceId: string, tenantId: string, userId: string): string =>
  `8:acs:${resourceId}_${tenantId.toLowerCase()}_${userId.toLowerCase()}`;

export const entraUserId = (resourceId: string, tenantId: string, userId: string): string =>
  `8:acs:${resourceId}_wf_${tenantId.toLowerCase()}_${userId.toLowerCase()}`;

/** The resource GUID of a well-formed ACS user id, or undefined for anything else. */
export function resourceOf(id: string): string | undefined {
  return ACS_ID.exec(id)?.[1]?.toLowerCase();
}

export function identityKind(id: string): IdentityKind | undefined {
  if (id.startsWith('8:orgid:')) return 'microsoftTeamsUser';
  if (ACS_ID.test(id)) return 'communicationUser';
  if (TEAMS_EXTENSION_ID.test(id)) return 'teamsExtensionUser';
  if (ENTRA_ID.test(id)) return 'entraUser';
  return undefined;
}

export const isGuid = (value: string): boolean => GUID_ONLY.test(value);
