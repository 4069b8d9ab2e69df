// Identity ids: 8:acs:<resourceGuid>_<userGuid>, exactly one underscore (communication-common relies on it).
import { randomUUID } from 'node:crypto';

const ACS_ID = /^8:acs:([0-9a-f-]{36})_([0-9a-f-]{36})$/i;

export function newIdentityId(resourceId: string): string {
  return `8:acs:${resourceId}_${randomUUID()}`;
}

/** The resource GUID of a well-formed ACS id, or undefined for anything else. */
export function resourceOf(id: string): string | undefined {
  return ACS_ID.exec(id)?.[1]?.toLowerCase();
}
