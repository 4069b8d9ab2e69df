// HMAC-SHA256 request signing exactly as communication-common's access-key policy computes it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { contentHashMismatch, denied } from './errors.js';

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const AUTH_PREFIX = 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=';

export function contentHash(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('base64');
}

export interface SignInput {
  method: string;
  /** Path and query exactly as sent, still percent-encoded. */
  pathAndQuery: string;
  host: string;
  date: string;
  contentHash: string;
}

export function stringToSign(i: SignInput): string {
  return `${i.method.toUpperCase()}\n${i.pathAndQuery}\n${i.date};${i.host};${i.contentHash}`;
}

export function sign(key: Buffer, input: SignInput): string {
  return createHmac('sha256', key).update(stringToSign(input), 'utf8').digest('base64');
}

/** Headers for a signed request; the test helpers and the benchmark use it to craft raw requests. */
export function signedHeaders(accessKeyBase64: string, input: Omit<SignInput, 'contentHash'> & { body: Buffer | string }) {
  const hash = contentHash(input.body);
  const signature = sign(Buffer.from(accessKeyBase64, 'base64'), { ...input, contentHash: hash });
  return {
    host: input.host,
    'x-ms-date': input.date,
    'x-ms-content-sha256': hash,
    authorization: AUTH_PREFIX + signature,
  };
}

export interface VerifyInput {
  method: string;
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  now: number;
}

/** Throws the real service's 401 answers; returns normally when the request is correctly signed. */
export function verifyHmac(key: Buffer, req: VerifyInput): void {
  const auth = header(req.headers, 'authorization');
  const date = header(req.headers, 'x-ms-date');
  const host = header(req.headers, 'host');
  const claimedHash = header(req.headers, 'x-ms-content-sha256');
  if (!auth?.startsWith(AUTH_PREFIX) || !date || !host || claimedHash === undefined) throw denied();

  const sentAt = Date.parse(date);
  if (Number.isNaN(sentAt) || Math.abs(req.now - sentAt) > MAX_CLOCK_SKEW_MS) throw denied();

  const actualHash = contentHash(req.body);
  if (!equal(claimedHash, actualHash)) throw contentHashMismatch();

  const expected = sign(key, { method: req.method, pathAndQuery: req.rawUrl, host, date, contentHash: actualHash });
  if (!equal(auth.slice(AUTH_PREFIX.length), expected)) throw denied();
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
