import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { CallerVerifier } from '../auth/callerVerifier.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { GatewayContext } from '../graphql/context.js';
import type { RateLimits } from '../rateLimit/rateLimits.js';
import { ROUTER_SECRET_HEADER, type RefusalReason, type TrustedDocumentGate } from '../trustedDocuments/gate.js';
import { corsFor } from './cors.js';
import { PayloadTooLargeError, readBody } from './readBody.js';
import { clientIpOf, firstHeader, requestIdOf } from './requestMeta.js';
import type { RouteHandler } from './server.js';

export interface GraphqlRouteOptions {
  apollo: ApolloServer<GatewayContext>;
  verifyCaller: CallerVerifier;
  rateLimits: RateLimits;
  corsOrigins: string[] | 'localhost';
  /** How many proxies in front append to X-Forwarded-For (see clientIpOf). */
  trustedProxies: number;
  maxBodyBytes: number;
  /** Longer query texts are refused before parsing; graphql-armor has no character limit of its own. */
  maxQueryCharacters: number;
  trustedDocuments: TrustedDocumentGate;
  /** Called for each request refused with DOCUMENT_NOT_TRUSTED (metrics, log). */
  onUntrustedDocument(reason: RefusalReason, requestId: string): void;
}

/**
 * `/graphql`: CORS, the request id, then Apollo's framework-neutral integration over node:http (a handful of
 * fixed routes need no web framework). The context carries the verified caller, the request id and the client IP.
 */
export function graphqlRoute(options: GraphqlRouteOptions): RouteHandler {
  const { apollo, verifyCaller, rateLimits, trustedProxies, maxBodyBytes, maxQueryCharacters, trustedDocuments } = options;
  const cors = corsFor(options.corsOrigins);
  const context = async (req: IncomingMessage, res: ServerResponse): Promise<GatewayContext> => {
    const clientIp = clientIpOf(req, trustedProxies);
    try {
      // A rejected token costs its client IP a request of the anonymous budget; once that is spent, tokens from
      // that IP are refused before their signature is checked (tokens verified earlier still pass).
      const caller = await verifyCaller(firstHeader(req, 'authorization'), () => rateLimits.assertIpNotExhausted(clientIp));
      return { caller, requestId: requestIdOf(req), clientIp };
    } catch (error) {
      let refusal = error;
      if (error instanceof GatewayError && error.code === ErrorCode.UNAUTHENTICATED) {
        refusal = await rateLimits.rejectedToken(clientIp).then(() => error, (limited: unknown) => limited);
      }
      // Context errors skip the plugin that sets Retry-After on RATE_LIMITED answers.
      const retryAfter = refusal instanceof GatewayError ? refusal.extensions.retryAfterSeconds : undefined;
      if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter));
      throw refusal;
    }
  };

  return async (req, res, url) => {
    res.setHeader('x-request-id', requestIdOf(req));
    // Answers carry tokens and identities: no cache may keep them (Apollo's cache-control plugin is off).
    res.setHeader('cache-control', 'no-store');
    if (await cors(req, res)) return;
    let body: unknown;
    try {
      body = req.method === 'POST' ? parseBody(await readBody(req, maxBodyBytes), req.headers['content-type']) : undefined;
    } catch (error) {
      const tooLarge = error instanceof PayloadTooLargeError;
      return sendJsonError(res, tooLarge ? 413 : 400, tooLarge ? 'The request body is too large.' : 'The request body is not valid JSON.');
    }

    // Trusted documents first, so that with TRUSTED_DOCUMENTS_ONLY nothing outside the manifest goes further, whatever it holds.
    const fromRouter = trustedDocuments.isRouter(firstHeader(req, ROUTER_SECRET_HEADER));
    const gated = req.method === 'GET' ? gateSearch(trustedDocuments, url, fromRouter) : gateBody(trustedDocuments, body, fromRouter);
    if (!gated.ok) {
      options.onUntrustedDocument(gated.reason, requestIdOf(req));
      return sendJsonError(res, 400, gated.message, { code: 'DOCUMENT_NOT_TRUSTED', reason: gated.reason });
    }
    body = gated.body;
    const search = gated.search ?? url.search;

    if (longestQuery(body, url) > maxQueryCharacters) {
      return sendJsonError(res, 400, `The query is longer than ${maxQueryCharacters} characters.`);
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: () => context(req, res),
    });

    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

type Gated = { ok: true; body: unknown; search?: string } | { ok: false; reason: RefusalReason; message: string };

/** A POST body: one request, or a batch, refused whole when any of its requests is. */
function gateBody(gate: TrustedDocumentGate, body: unknown, fromRouter: boolean): Gated {
  // No body, or one that is not JSON: Apollo refuses it (content type, CSRF) without a document to parse.
  if (body === undefined || typeof body === 'string') return { ok: true, body };
  const requests = Array.isArray(body) ? body : [body];
  const checked = [];
  for (const request of requests) {
    const outcome = gate.check(request, fromRouter);
    if (!outcome.ok) return outcome;
    checked.push(outcome.request);
  }
  return { ok: true, body: Array.isArray(body) ? checked : checked[0] };
}

/** A GET: the same fields as search parameters (extensions as JSON), rewritten for Apollo. */
function gateSearch(gate: TrustedDocumentGate, url: URL, fromRouter: boolean): Gated {
  const params = new URLSearchParams(url.search);
  const request: Record<string, unknown> = {};
  for (const name of ['query', 'documentId'] as const) if (params.has(name)) request[name] = params.get(name);
  if (params.has('extensions')) {
    try {
      request.extensions = JSON.parse(params.get('extensions')!) as unknown;
    } catch {
      request.extensions = params.get('extensions'); // Apollo answers BAD_REQUEST for it, unless the gate refuses first
    }
  }
  const outcome = gate.check(request, fromRouter);
  if (!outcome.ok) return outcome;
  params.delete('documentId');
  if (typeof outcome.request.query === 'string') params.set('query', outcome.request.query);
  if (outcome.request.extensions === undefined) params.delete('extensions');
  else if (request.extensions !== outcome.request.extensions) params.set('extensions', JSON.stringify(outcome.request.extensions));
  return { ok: true, body: undefined, search: params.size > 0 ? `?${params.toString()}` : '' };
}

function longestQuery(body: unknown, url: URL): number {
  const requests = Array.isArray(body) ? body : [body];
  const lengths = requests.map((request) => {
    const query = (request as { query?: unknown } | undefined)?.query;
    return typeof query === 'string' ? query.length : 0;
  });
  return Math.max(url.searchParams.get('query')?.length ?? 0, ...lengths);
}

/** JSON bodies are parsed here (a SyntaxError for bad JSON); anything else goes to Apollo as it came, for its CSRF and content-type checks. */
function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  return contentType?.toLowerCase().includes('json') ? (JSON.parse(raw) as unknown) : raw;
}

export function sendJsonError(res: ServerResponse, status: number, message: string, extensions: Record<string, string> = { code: 'BAD_REQUEST' }): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ message, extensions }] }));
}
