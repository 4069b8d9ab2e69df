// Shared vocabulary: imports nothing of the gateway, so config/ and the domain can both speak it.
import type { TokenScope } from '@azure/communication-identity';

/** GraphQL enum names and the ACS scope strings they stand for, in one place. */
export const SCOPE_BY_NAME = {
  CHAT: 'chat',
  VOIP: 'voip',
  CHAT_JOIN: 'chat.join',
  CHAT_JOIN_LIMITED: 'chat.join.limited',
  VOIP_JOIN: 'voip.join',
} as const satisfies Record<string, TokenScope>;

export type ScopeName = keyof typeof SCOPE_BY_NAME;
export const ALL_SCOPE_NAMES = Object.keys(SCOPE_BY_NAME) as ScopeName[];

const NAME_BY_SCOPE = new Map<string, ScopeName>(
  ALL_SCOPE_NAMES.map((name) => [SCOPE_BY_NAME[name], name]),
);

/** Accepts either form (`CHAT_JOIN` or `chat.join`), as operators write both in ALLOWED_SCOPES. */
export function parseScopeName(value: string): ScopeName | undefined {
  const trimmed = value.trim();
  if (trimmed in SCOPE_BY_NAME) return trimmed as ScopeName;
  return NAME_BY_SCOPE.get(trimmed.toLowerCase());
}

export const TOKEN_LIFETIME_MINUTES = { min: 60, max: 1440 } as const;
