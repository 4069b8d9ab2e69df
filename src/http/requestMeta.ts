import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

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

/**
 * The client's address, as Express's `trust proxy = <hops>` reads it: the socket's peer, then X-Forwarded-For
 * from the right, one entry per trusted proxy. Entries left of those are the client's own to write, so they are
 * never read. An entry that is not an IP address (a proxy that writes something else) falls back to the peer.
 */
export function clientIpOf(req: IncomingMessage, trustedProxies: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  const client = chain[Math.max(0, chain.length - 1 - trustedProxies)]!;
  return isIP(client) ? client : peer;
}
