import { badInput } from '../errors.js';

/**
 * The shape of an ACS communication user id: `8:<kind>:<id>` (`8:acs:<resource>_<user>`, `8:orgid:<oid>`,
 * `8:dod-acs:…`), well under 256 characters. Anything else, objects included, is refused before a lookup.
 */
const COMMUNICATION_USER_ID = /^8:[a-z][a-z-]{1,20}:[A-Za-z0-9_.:-]{1,200}$/;

export function requireCommunicationUserId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !COMMUNICATION_USER_ID.test(value)) {
    throw badInput(field, `${field} must hold ACS communication user ids (8:acs:…).`);
  }
  return value;
}
