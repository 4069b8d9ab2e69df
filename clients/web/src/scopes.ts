import type { CommunicationTokenScope } from './generated-string/graphql.js';

/** The scopes as ACS itself spells them, in its SDKs and quickstarts (`createUserAndToken(['voip', 'chat'])`). */
export type AcsTokenScope = 'chat' | 'voip' | 'chat.join' | 'chat.join.limited' | 'voip.join';

/** Either spelling: the gateway's enum name (`VOIP`) or ACS's scope string (`voip`). */
export type TokenScope = CommunicationTokenScope | AcsTokenScope;

const ENUM_NAME_BY_ACS_SCOPE: Record<AcsTokenScope, CommunicationTokenScope> = {
  chat: 'CHAT',
  voip: 'VOIP',
  'chat.join': 'CHAT_JOIN',
  'chat.join.limited': 'CHAT_JOIN_LIMITED',
  'voip.join': 'VOIP_JOIN',
};
const ENUM_NAMES = new Set<string>(Object.values(ENUM_NAME_BY_ACS_SCOPE));

/** The gateway's enum names for `scopes`; an unknown scope is refused here, not by the gateway at the first refresh. */
export function scopeNames(scopes: readonly TokenScope[]): CommunicationTokenScope[] {
  return scopes.map((scope) => {
    if (typeof scope === 'string' && ENUM_NAMES.has(scope)) return scope as CommunicationTokenScope;
    const name = typeof scope === 'string' && Object.hasOwn(ENUM_NAME_BY_ACS_SCOPE, scope) ? ENUM_NAME_BY_ACS_SCOPE[scope as AcsTokenScope] : undefined;
    if (!name) {
      const shown = typeof scope === 'string' ? `"${scope.slice(0, 40)}"` : typeof scope;
      throw new TypeError(`Unknown scope ${shown}: use ${Object.keys(ENUM_NAME_BY_ACS_SCOPE).join(', ')} (or their enum names, ${[...ENUM_NAMES].join(', ')}).`);
    }
    return name;
  });
}
