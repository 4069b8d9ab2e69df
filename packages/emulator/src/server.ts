// The request pipeline: admin routes, then faults, authentication, api-version, rate limit, operation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { AcsError, denied, notFound } from './errors.js';
import { verifyHmac } from './hmac.js';
import { errorReply, isLoopback, isLoopbackHost, parseJson, readBody, send, type Reply } from './http.js';
import { adminRoute, type AdminDeps } from './routes/admin.js';
import { checkRouteApiVersion, matchRoute, type Route } from './routes/dataPlane.js';
import type { ObservedRequest } from './types.js';

export interface PipelineOptions {
  ctx: EmulatorContext;
  admin: AdminDeps;
  accessKey: Buffer;
  scheme: 'http' | 'https';
  /** Set in HTTPS mode only: the SDK never sends bearer tokens over http. */
  acceptBearer?: (token: string) => boolean | Promise<boolean>;
  /** Versions this resource refuses although the route serves them (EmulatorOptions.withoutApiVersions). */
  withoutApiVersions?: readonly string[];
  logger?: (line: string) => void;
  onRequest?: (request: ObservedRequest) => void;
}

export function createHandler(opts: PipelineOptions) {
  const { ctx, logger } = opts;

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = logger ? performance.now() : 0;
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const admin = path.startsWith('/_emulator/');
    const route = admin ? undefined : matchRoute(method, path);
    let reply: Reply;
    try {
      const body = await readBody(req);
      reply = admin
        ? await adminRequest(opts, req, method, path, body)
        : await dataPlaneRequest(opts, req, route, method, rawUrl, path, q < 0 ? '' : rawUrl.slice(q + 1), body);
    } catch (e) {
      reply = errorReply(e instanceof AcsError ? e : internalError(e, logger));
    }
    // The versioned controllers answer with the versions they serve; what stops a request before them does not.
    if (route && !reply.unversioned) reply.headers = { 'api-supported-versions': route.versions.advertised, ...reply.headers };
    send(res, reply, headerValue(req, 'x-ms-client-request-id'));
    // Paths hold identity ids at most; keys and tokens are never logged.
    logger?.(`${method} ${path} ${reply.status} ${(performance.now() - started).toFixed(1)}ms`);
  };

  function adminRequest(o: PipelineOptions, req: IncomingMessage, method: string, path: string, body: Buffer): Promise<Reply> {
    if (!isLoopback(req.socket.remoteAddress)) throw notFound();
    // A loopback peer is not enough: a web page can reach this port through DNS rebinding, under its own Host.
    if (!isLoopbackHost(headerValue(req, 'host'))) throw new AcsError(403, 'Forbidden', 'Emulator routes answer only a loopback Host.');
    return adminRoute(o.admin, method, path, parseJson(body));
  }

  async function dataPlaneRequest(
    o: PipelineOptions,
    req: IncomingMessage,
    route: Route | undefined,
    method: string,
    rawUrl: string,
    path: string,
    query: string,
    body: Buffer,
  ): Promise<Reply> {
    ctx.counters.requests += 1;
    if (route) ctx.counters.requestsByOperation[route.op] += 1;

    await ctx.faults.apply(route?.op).catch((injected: unknown) => {
      ctx.counters.faultsInjected += 1;
      throw injected;
    });
    // The Entra exchanges are authenticated by the Entra token they carry, which their handler checks.
    if (route?.auth !== 'entra') await authenticate(o, req, method, rawUrl, body);
    if (!route) throw notFound();
    const host = headerValue(req, 'host') ?? '';
    const apiVersion = checkRouteApiVersion(route, new URLSearchParams(query).get('api-version'), `${o.scheme}://${host}${path}`, o.withoutApiVersions);
    try {
      ctx.limiter.take(route.op);
    } catch (throttled) {
      ctx.counters.rateLimited += 1;
      throw throttled;
    }
    const parsed = parseJson(body);
    o.onRequest?.({ operation: route.op, method, path, apiVersion, body: parsed });
    return route.handle(ctx, {
      apiVersion,
      body: parsed,
      authorization: headerValue(req, 'authorization'),
      contentType: headerValue(req, 'content-type'),
    });
  }
}

async function authenticate(o: PipelineOptions, req: IncomingMessage, method: string, rawUrl: string, body: Buffer) {
  const authorization = headerValue(req, 'authorization');
  if (o.acceptBearer && authorization?.startsWith('Bearer ')) {
    // Inferred: the real answer to a rejected bearer token is not recorded; Denied like a bad HMAC.
    if (!(await o.acceptBearer(authorization.slice('Bearer '.length)))) throw denied();
    return;
  }
  verifyHmac(o.accessKey, { method, rawUrl, headers: req.headers, body, now: Date.now() });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function internalError(e: unknown, logger?: (line: string) => void): AcsError {
  logger?.(`internal error: ${e instanceof Error ? e.message : String(e)}`);
  return new AcsError(500, 'InternalServerError', 'An internal server error occurred.');
}
