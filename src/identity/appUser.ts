import { createHash } from 'node:crypto';
import { badInput } from '../errors.js';

/** The app user an operation acts on: always within the caller's own identity provider. */
export interface AppUserRef {
  issuer: string;
  appUserId: string;
}

/** ACS's own customId limit: an app user id is mapped one-to-one onto one. */
export const MAX_APP_USER_ID_LENGTH = 256;

/**
 * What an id must not contain, since none of it belongs in an id and each lets one id pose as another in audit
 * views and logs: control, format (bidirectional overrides, zero-width characters), private-use and lone surrogate
 * code points; every separator (Z: spaces such as U+00A0 or U+3000, line and paragraph separators); the code points
 * Unicode marks default-ignorable (drawn as nothing: Hangul fillers, variation selectors, the combining grapheme
 * joiner, tags); and unassigned ones (no glyph yet, and no stable normalization).
 */
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

/**
 * The one rule for app user ids, applied before anything is stored or audited: to ids given as input and to the
 * user id claim of bearer tokens alike. Returns what is wrong, or null.
 */
export function appUserIdProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.trim() === '') return 'must not be empty';
  if (value.length > MAX_APP_USER_ID_LENGTH) return `must be at most ${MAX_APP_USER_ID_LENGTH} characters long`;
  if (UNSAFE_CHARACTER.test(value)) return 'must not contain control, format, private-use, separator (spaces included), invisible or unassigned characters';
  if (value.normalize('NFC') !== value) return 'must be in Unicode normalization form C';
  return null;
}

/** Throws BAD_USER_INPUT naming the field when the id breaks the rule. */
export function requireAppUserId(value: unknown, field = 'appUserId'): string {
  const problem = appUserIdProblem(value);
  if (problem) throw badInput(field, `${field} ${problem}.`);
  return value as string;
}

/**
 * The one key of an app user: [issuer, appUserId] as JSON. It is the mapping's document id (lookups by _id are
 * the ones every server answers from an index, the embedded database included, and the gateway's hot path), and it
 * groups a user's cached tokens.
 */
export const appUserKey = ({ issuer, appUserId }: AppUserRef): string => JSON.stringify([issuer, appUserId]);

/** Stable per app user, so ACS hands back the same identity when a creation is retried. */
export function customIdFor(user: AppUserRef): string {
  return `gw-${createHash('sha256').update(`${user.issuer}\n${user.appUserId}`).digest('hex').slice(0, 40)}`;
}
