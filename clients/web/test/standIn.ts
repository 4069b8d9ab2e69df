// A stand-in gateway on loopback HTTP that answers whatever a test scripts, including what the real one never would.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  headers: IncomingMessage['headers'];
  body: { query?: string; documentId?: string; variables?: Record<string, any> };
}

export type Handler = (request: Received, res: ServerResponse) => void | Promise<void>;

export interface StandIn {
  url: string;
  received: Received[];
  /** Requests whose connection closed before an answer was sent (a client that gave up). */
  abandoned: number;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
  let handler: Handler = (_request, res) => json(res, 500, { errors: [{ message: 'no handler' }] });
  const state = { received: [] as Received[], abandoned: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: Received = { method: req.method ?? '', headers: req.headers, body: text ? (JSON.parse(text) as Received['body']) : {} };
      state.received.push(request);
      res.on('close', () => {
        if (!res.writableFinished) state.abandoned += 1;
      });
      void Promise.resolve(handler(request, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get received() {
      return state.received;
    },
    get abandoned() {
      return state.abandoned;
    },
    handle(next) {
      handler = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const gqlError = (code: string, message = `a ${code} error`, extensions: Record<string, unknown> = {}) => ({
  errors: [{ message, extensions: { code, ...extensions } }],
  data: null,
});

/** A syntactically valid JWT-shaped token; the stand-in does not sign anything. */
export function fakeAcsToken(n: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ skypeid: `acs:${n}`, exp: 4_102_444_800 })}.c2lnbmF0dXJl`;
}

export function tokenPayload(operation: 'issueToken' | 'createUserAndToken', n: number, created = false) {
  const identity = { id: `8:acs:stand-in-${n}`, appUserId: 'alice', createdAt: new Date().toISOString(), tokensRevokedAt: null };
  const accessToken = { token: fakeAcsToken(n), expiresOn: new Date(Date.now() + 3_600_000).toISOString(), scopes: ['VOIP'] };
  return { data: { [operation]: operation === 'createUserAndToken' ? { created, identity, accessToken } : { identity, accessToken } } };
}

/** The gateway's manifest: the kit sends its documents by id (documentId), as the real gateway reads them. */
const trusted = JSON.parse(readFileSync(new URL('../../../operations/trusted-documents.json', import.meta.url), 'utf8')) as Record<string, string>;

/** The text a request runs: its query, or the trusted document its documentId names. */
export const documentOf = (request: Received): string => request.body.query ?? trusted[request.body.documentId ?? ''] ?? '';

export const operationOf = (request: Received): string => /\b(?:query|mutation)\s+(\w+)/.exec(documentOf(request))?.[1] ?? '?';
