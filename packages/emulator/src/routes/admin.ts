// Emulator-only routes under /_emulator/: loopback only, no HMAC. Never part of the ACS wire protocol.
import type { EmulatorContext } from '../context.js';
import { notFound, validation } from '../errors.js';
import type { Reply } from '../http.js';
import type { EmulatorStats, IdentityInfo } from '../types.js';

export interface AdminDeps {
  ctx: EmulatorContext;
  stats(): EmulatorStats;
  listIdentities(): IdentityInfo[];
  resourceId: string;
}

export async function adminRoute(deps: AdminDeps, method: string, path: string, body: unknown): Promise<Reply> {
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
      ctx.faults.set(body ?? {});
      return { status: 200, body: ctx.faults.get() };
    case 'GET /_emulator/identities':
      return { status: 200, body: { identities: deps.listIdentities(), stats: deps.stats() } };
    case 'GET /_emulator/entra/jwks':
      if (!ctx.devEntra) throw notFound();
      return { status: 200, body: ctx.devEntra.jwks };
    case 'POST /_emulator/entra/token':
      return mintDevEntraToken(ctx, body);
    default:
      throw notFound();
  }
}

/** A token of the trusted development Entra issuer, for clients that are not written in JavaScript. */
async function mintDevEntraToken(ctx: EmulatorContext, body: unknown): Promise<Reply> {
  if (!ctx.devEntra) throw notFound();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validation('The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  const allowed = ['tenantId', 'userId', 'appId', 'scopes', 'expiresInSeconds', 'groups'];
  const unknown = Object.keys(b).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw validation(`Unknown field; allowed: ${allowed.join(', ')}.`, unknown.slice(0, 100));
  const strings = (v: unknown, target: string) => {
    if (v !== undefined && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) throw validation(`${target} must be an array of strings.`, target);
    return v as string[] | undefined;
  };
  const expiresInSeconds = b['expiresInSeconds'];
  if (expiresInSeconds !== undefined && (typeof expiresInSeconds !== 'number' || !Number.isInteger(expiresInSeconds) || Math.abs(expiresInSeconds) > 86_400)) {
    throw validation('expiresInSeconds must be a whole number from -86400 to 86400.', 'expiresInSeconds');
  }
  try {
    const token = await ctx.devEntra.mintToken({
      tenantId: b['tenantId'] as string,
      userId: b['userId'] as string,
      ...(b['appId'] !== undefined ? { appId: b['appId'] as string } : {}),
      ...(strings(b['scopes'], 'scopes') ? { scopes: b['scopes'] as string[] } : {}),
      ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
      ...(strings(b['groups'], 'groups') ? { groups: b['groups'] as string[] } : {}),
    });
    return { status: 200, body: { token } };
  } catch (e) {
    if (e instanceof TypeError) throw validation(e.message);
    throw e;
  }
}
