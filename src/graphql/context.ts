import type { Caller } from '../auth/caller.js';

/** Per-request state handed to resolvers and plugins. */
export interface GatewayContext {
  caller: Caller | null;
  requestId: string;
  /** The client's address: the socket's, or X-Forwarded-For's first hop behind a trusted proxy. */
  clientIp: string;
}
