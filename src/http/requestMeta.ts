import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a request says about itself, read once per request for the GraphQL context and the logs. */
export function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A caller-supplied id is kept when it is short and plain, so logs can be joined across services. */
export function requestIdOf(req: IncomingMessage): string {
  const supplied = firstHeader(req, 'x-request-id');
  const id = supplied && /^[\w.:-]{1,128}$/.test(supplied) ? supplied : randomUUID();
  req.headers['x-request-id'] = id;
  return id;
}

export function clientIpOf(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? firstHeader(req, 'x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  return forwarded || req.socket.remoteAddress || 'unknown';
}
