import { registerEnumType } from 'type-graphql';
import { SCOPE_BY_NAME, type ScopeName } from '../../vocabulary/scopes.js';

export const CommunicationTokenScope = Object.fromEntries(
  Object.keys(SCOPE_BY_NAME).map((name) => [name, name]),
) as { [Name in ScopeName]: Name };

registerEnumType(CommunicationTokenScope, {
  name: 'CommunicationTokenScope',
  description: 'What an ACS access token allows.',
  valuesConfig: {
    CHAT: { description: 'ACS scope `chat`: full chat.' },
    VOIP: { description: 'ACS scope `voip`: full calling.' },
    CHAT_JOIN: { description: 'ACS scope `chat.join`: join existing chats only.' },
    CHAT_JOIN_LIMITED: { description: 'ACS scope `chat.join.limited`: join chats without managing participants.' },
    VOIP_JOIN: { description: 'ACS scope `voip.join`: join existing calls only.' },
  },
});
