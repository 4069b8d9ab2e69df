import { getIdentifierRawId } from '@azure/communication-common';

/**
 * The Teams user an exchange acts as: always the caller's own, by the Entra object id in their verified token,
 * never one named in the input. objectId is null when the caller's token carries none.
 */
export interface TeamsUserRef {
  issuer: string;
  appUserId: string;
  objectId: string | null;
  /** The caller's roles that SCOPE_POLICY names: their lifetime cap applies to the exchanged token. */
  roles: readonly string[];
}

/** A Teams user's communication identifier, as the Calling and Chat SDKs write it: `8:orgid:<object id>` (public cloud). */
export const teamsUserRawId = (objectId: string): string => getIdentifierRawId({ microsoftTeamsUserId: objectId });
