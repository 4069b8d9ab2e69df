import type { Caller } from '../auth/caller.js';
import type { OperationShape } from './operation/shape.js';
import type { Decision } from './policy/decide.js';

/** Per-request state handed to resolvers and plugins. Apollo gives each operation of a batch its own copy. */
export interface GatewayContext {
  caller: Caller | null;
  requestId: string;
  /** The client's address: the socket's, or X-Forwarded-For's first hop behind a trusted proxy. */
  clientIp: string;
  /** The operation, analysed once when it is known (operationShapeOf). */
  operation?: OperationShape;
  /** Per root field (by response key), on whom its policy decided it acts (enforcePolicies). */
  decisions?: Map<string, Decision>;
}
