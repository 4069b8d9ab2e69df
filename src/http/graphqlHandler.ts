import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { CallerVerifier } from '../auth/callerVerifier.js';
import type { GatewayContext } from '../graphql/context.js';
import { corsFor } from './cors.js';
import { PayloadTooLargeError, readBody } from './readBody.js';
import { clientIpOf, firstHeader, requestIdOf } from './requestMeta.js';
import type { RouteHandler } from './server.js';

export interface GraphqlRouteOptions {
  apollo: ApolloServer<GatewayContext>;
  verifyCaller: CallerVerifier;
  corsOrigins: string[] | 'localhost';
  trustProxy: boolean;
  maxBodyBytes: number;
  /** Longer query texts are refused before parsing; graphql-armor has no character limit of its own. */
  maxQueryCharacters: number;
}

/**
 * `/graphql`: CORS, the request id, then Apollo's framework-neutral integration over node:http (a handful of
 * fixed routes need no web framework). The context carries the verified caller, the request id and the client IP.
 */
export function graphqlRoute(options: GraphqlRouteOptions): RouteHandler {
  const { apollo, verifyCaller, trustProxy, maxBodyBytes, maxQueryCharacters } = options;
  const cors = corsFor(options.corsOrigins);
  const context = async (req: IncomingMessage): Promise<GatewayContext> => ({
    caller: await verifyCaller(firstHeader(req, 'authorization')),
    requestId: requestIdOf(req),
    clientIp: clientIpOf(req, trustProxy),
  });

  return async (req, res, url) => {
    res.setHeader('x-request-id', requestIdOf(req));
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
      context: () => context(req),
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
