// Small node:http helpers shared by the data-plane and the admin routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AcsError, validation } from './errors.js';

const MAX_BODY_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent without api-supported-versions (see AcsError.unversioned). */
  unversioned?: boolean;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AcsError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(chunk);
  }
  return chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

// JSON.parse copes with any depth, but much of JavaScript (String(), JSON.stringify) recurses and would overflow.
export const MAX_JSON_DEPTH = 32;

/** The JSON body, or undefined for an empty one. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  if (nestingDepth(body) > MAX_JSON_DEPTH) {
    throw validation(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // Inferred: the real service's answer to unparsable JSON is not recorded.
    throw validation('The request body is not valid JSON.');
  }
}

/** The deepest nesting of [ and { outside strings; one pass over the bytes, no recursion. */
function nestingDepth(body: Buffer): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

export function send(res: ServerResponse, reply: Reply, requestId: string | undefined): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (requestId) headers['x-ms-client-request-id'] = requestId;
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const json = JSON.stringify(reply.body);
  headers['Content-Type'] ??= 'application/json; charset=utf-8';
  headers['Content-Length'] = String(Buffer.byteLength(json));
  res.writeHead(reply.status, headers).end(json);
}

export function errorReply(e: AcsError): Reply {
  // Recorded error answers carry plain application/json, without a charset.
  return {
    status: e.status,
    body: e.body(),
    headers: { 'Content-Type': 'application/json', ...e.headers },
    ...(e.unversioned ? { unversioned: true } : {}),
  };
}

export function isLoopback(address: string | undefined): boolean {
  return address === '::1' || address?.startsWith('127.') === true || address?.startsWith('::ffff:127.') === true;
}

const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

/**
 * Whether a Host header names this machine's loopback (localhost, 127.0.0.1 or [::1], with or without a port).
 * A page that reached a loopback port through DNS rebinding sends its own name here.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}
