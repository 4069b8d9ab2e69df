import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HttpConfig } from '../config/config.js';
import type { Logger } from '../observability/logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface HttpServerOptions {
  routes: Record<string, RouteHandler>;
  logger: Logger;
  timeouts: HttpConfig['timeouts'];
}

/** A plain node:http server over a fixed route table; an unexpected failure answers 500 and keeps the process up. */
export function createHttpServer({ routes, logger, timeouts }: HttpServerOptions): Server {
  return createServer(
    {
      // Slow clients are cut off: headers must arrive within headersMs, the whole request within requestMs.
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // Both are checked on this interval; Node's 30 s default would let a slow client stay much longer.
      connectionsCheckingInterval: Math.min(1000, timeouts.headersMs),
      // Node's default too, named here: a request's headers may not exceed 16 KiB.
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = routes[url.pathname];
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'Not found' }));
        return;
      }
      Promise.resolve(route(req, res, url)).catch((error: unknown) => {
        logger.error({ err: error, path: url.pathname }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'Internal server error' }));
      });
    },
  );
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
