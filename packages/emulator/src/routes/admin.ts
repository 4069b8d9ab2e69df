// Emulator-only routes under /_emulator/: loopback only, no HMAC. Never part of the ACS wire protocol.
import type { EmulatorContext } from '../context.js';
import { notFound, validation } from '../errors.js';
import type { Reply } from '../http.js';
import type { EmulatorStats, FaultOptions, IdentityInfo } from '../types.js';

export interface AdminDeps {
  ctx: EmulatorContext;
  stats(): EmulatorStats;
  listIdentities(): IdentityInfo[];
  resourceId: string;
}

export function adminRoute(deps: AdminDeps, method: string, path: string, body: unknown): Reply {
  const { ctx } = deps;
  switch (`${method} ${path}`) {
    case 'GET /_emulator/health':
      return { status: 200, body: { status: 'ok', resourceId: deps.resourceId } };
    case 'GET /_emulator/jwks':
      return { status: 200, body: { keys: [ctx.signingKey.jwk] } };
    case 'POST /_emulator/introspect': {
      const token = (body as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string') throw validation('token is required.', 'token');
      return { status: 200, body: ctx.issuer.introspect(token, ctx.store) };
    }
    case 'GET /_emulator/faults':
      return { status: 200, body: ctx.faults.get() };
    case 'PUT /_emulator/faults':
      ctx.faults.set((body ?? {}) as FaultOptions);
      return { status: 200, body: ctx.faults.get() };
    case 'GET /_emulator/identities':
      return { status: 200, body: { identities: deps.listIdentities(), stats: deps.stats() } };
    default:
      throw notFound();
  }
}
