// Raw, hand-signed requests to the emulator, so tests can craft exactly the bad requests they need.
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signedHeaders } from '../src/hmac.js';

/** What a request needs of an emulator: in-process (RunningEmulator) or one parsed from a CLI's output. */
export interface Target {
  endpoint: string;
  accessKey: string;
  caCertPem?: string;
}

export interface RawRequest {
  method: string;
  /** Path and query as sent on the wire, still percent-encoded. */
  path: string;
  body?: unknown;
  /** Sends these bytes as the body, signed as they are (malformed JSON, huge bodies). */
  rawBody?: string;
  /** Signs with this key instead of the emulator's. */
  key?: string;
  /** Signs with this x-ms-date instead of now. */
  date?: string;
  /** Sends this body while signing `body` (a tampered body). */
  sentBody?: string;
  /** Signs this path while sending `path`. */
  signedPath?: string;
  /** Not signed at all (the Entra exchanges authenticate with the Entra token). */
  unsigned?: boolean;
  headers?: Record<string, string>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export function rawRequest(emu: Target, r: RawRequest): Promise<RawResponse> {
  const signedBody = r.rawBody ?? (r.body === undefined ? '' : JSON.stringify(r.body));
  const sentBody = r.sentBody ?? signedBody;
  const signed = r.unsigned
    ? {}
    : signedHeaders(r.key ?? emu.accessKey, {
        method: r.method,
        pathAndQuery: r.signedPath ?? r.path,
        host: new URL(emu.endpoint).host,
        date: r.date ?? new Date().toUTCString(),
        body: signedBody,
      });
  return send(emu, r.method, r.path, sentBody, { 'content-type': 'application/json', ...signed, ...r.headers });
}

/** One request over http or https (trusting only the emulator's own CA). */
export function send(emu: Target, method: string, path: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
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
        headers: { 'content-type': 'application/json', ...headers, 'content-length': Buffer.byteLength(body) },
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

export async function admin(emu: Target, path: string, init?: { method?: string; body?: unknown; rawBody?: string }) {
  const method = init?.method ?? (init?.body === undefined && init?.rawBody === undefined ? 'GET' : 'POST');
  const body = init?.rawBody ?? (init?.body === undefined ? '' : JSON.stringify(init.body));
  const res = await send(emu, method, `/_emulator/${path}`, body);
  return { status: res.status, body: res.body as Record<string, unknown> };
}
export const introspect = (emu: Target, token: string) => admin(emu, 'introspect', { body: { token } });

export const encodedPath = (id: string, suffix = '', apiVersion = '2023-10-01') =>
  `/identities/${encodeURIComponent(id)}${suffix}?api-version=${apiVersion}`;
