import type { Caller } from '../auth/caller.js';

/** Per-request state handed to resolvers. */
export interface GatewayContext {
  caller: Caller | null;
  requestId: string;
}
