// Raw, hand-signed requests to the emulator, so tests can craft exactly the bad requests they need.
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signedHeaders } from '../src/hmac.js';
import type { RunningEmulator } from '../src/index.js';

export interface RawRequest {
  method: string;
  /** Path and query as sent on the wire, still percent-encoded. */
  path: string;
  body?: unknown;
  /** Signs with this key instead of the emulator's. */
  key?: string;
  /** Signs with this x-ms-date instead of now. */
  date?: string;
  /** Sends this body while signing `body` (a tampered body). */
  sentBody?: string;
  /** Signs this path while sending `path`. */
  signedPath?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export function rawRequest(emu: RunningEmulator, r: RawRequest): Promise<RawResponse> {
  const signedBody = r.body === undefined ? '' : JSON.stringify(r.body);
  const sentBody = r.sentBody ?? signedBody;
  const headers = signedHeaders(r.key ?? emu.accessKey, {
    method: r.method,
    pathAndQuery: r.signedPath ?? r.path,
    host: new URL(emu.endpoint).host,
    date: r.date ?? new Date().toUTCString(),
    body: signedBody,
  });
  return send(emu, r.method, r.path, sentBody, headers);
}

/** One request over http or https (trusting only the emulator's own CA). */
function send(
  emu: RunningEmulator,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(emu.endpoint);
  const requestFn = url.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const req = requestFn(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        ...(emu.caCertPem ? { ca: emu.caCertPem } : {}),
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function admin(emu: RunningEmulator, path: string, init?: { method?: string; body?: unknown }) {
  const method = init?.method ?? (init?.body === undefined ? 'GET' : 'POST');
  const res = await send(emu, method, `/_emulator/${path}`, init?.body === undefined ? '' : JSON.stringify(init.body));
  return { status: res.status, body: res.body as Record<string, unknown> };
}
export const introspect = (emu: RunningEmulator, token: string) => admin(emu, 'introspect', { body: { token } });

export const encodedPath = (id: string, suffix = '', apiVersion = '2023-10-01') =>
  `/identities/${encodeURIComponent(id)}${suffix}?api-version=${apiVersion}`;
