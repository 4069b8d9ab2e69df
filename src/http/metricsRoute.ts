import type { Registry } from 'prom-client';
import type { RouteHandler } from './server.js';

/** `GET /metrics`: the Prometheus text format of the gateway's registry. */
export function metricsRoute(registry: Registry): RouteHandler {
  return async (_req, res) => {
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(await registry.metrics());
  };
}
