import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { CallerVerifier } from '../auth/callerVerifier.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { GatewayContext } from '../graphql/context.js';
import type { RateLimits } from '../rateLimit/rateLimits.js';
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
}

/**
 * `/graphql`: CORS, the request id, then Apollo's framework-neutral integration over node:http (a handful of
 * fixed routes need no web framework). The context carries the verified caller, the request id and the client IP.
 */
export function graphqlRoute(options: GraphqlRouteOptions): RouteHandler {
  const { apollo, verifyCaller, rateLimits, trustedProxies, maxBodyBytes, maxQueryCharacters } = options;
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

    if (longestQuery(body, url) > maxQueryCharacters) {
      return sendJsonError(res, 400, `The query is longer than ${maxQueryCharacters} characters.`);
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
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

export function sendJsonError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }));
}
