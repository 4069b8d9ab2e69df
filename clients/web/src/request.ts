import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { abortError, onAbort, type AbortSignalLike } from './abort.js';
import { GatewayError, GatewayNetworkError, GatewayResponseError, type GatewayErrorEntry } from './errors.js';

/**
 * A typed GraphQL document with its source text: this package's documents (`TypedDocumentString`s), any string
 * document, or a `TypedDocumentNode` that kept its source (`loc`, as `gql`/`parse` leave it). Sending text means
 * no GraphQL printer, so graphql-js stays out of browser bundles.
 */
export type GatewayDocument<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & { toString(): string };

export interface RequestOptions {
  /** The gateway's GraphQL endpoint, e.g. `https://identity.example.com/graphql`; relative URLs resolve against the page. */
  endpoint: string | URL;
  /** Your app's sign-in token (the gateway's bearer token). */
  authToken?: string;
  signal?: AbortSignalLike;
  /** The whole request, answer included, is abandoned after this long (GatewayNetworkError, timedOut). Default 30 000. */
  timeoutMs?: number;
  /** Larger answers are refused without being read to the end. Default 1 MiB; a token answer is about 2 KB. */
  maxResponseBytes?: number;
  /** Plain `http:` sends tokens in clear, so it is refused except on loopback unless this is true. */
  allowInsecureHttp?: boolean;
  /** Extra request headers; `authorization`, `content-type` and `accept` are this package's own. */
  headers?: Record<string, string>;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * This package's documents are sent by id (`documentId: "sha256:<hex>"`, the gateway's trusted documents), which a
   * gateway with TRUSTED_DOCUMENTS_ONLY requires and which spares it parsing. `text` sends the document's text
   * instead (a gateway whose manifest lacks this package's documents). Documents without an id are always sent as text.
   */
  send?: 'id' | 'text';
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_MESSAGE_CHARS = 500;
const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'accept']);
const MAX_ERRORS = 20;
// Anything that looks like a JWT never reaches an error message, whatever a broken gateway or proxy echoes.
const JWT_LIKE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/**
 * Sends one operation to the gateway and returns its `data`, typed by the document. Throws a GatewayError when the
 * answer has `errors` (its `code` is the first error's `extensions.code`), GatewayNetworkError when there is no
 * answer, GatewayResponseError for an answer that is not a usable GraphQL response, AbortError when `signal` fires.
 */
export async function request<TResult, TVariables>(
  document: GatewayDocument<TResult, TVariables>,
  variables: TVariables,
  options: RequestOptions,
): Promise<TResult> {
  const id = options.send === 'text' ? undefined : documentId(document);
  // By id, the text is not needed (a generated DocumentNode has an id and no source text).
  const query = id ? undefined : documentText(document);
  const operation = query === undefined ? nameOf(document) : operationName(query);
  const url = endpointUrl(options.endpoint, options.allowInsecureHttp ?? false);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('No fetch here: pass options.fetch.');
  if (!(timeoutMs > 0 && timeoutMs <= 2_147_483_647)) throw new TypeError(`timeoutMs must be a positive number of milliseconds, not ${timeoutMs}.`);
  // Before anything is sent, so that unserialisable variables are the caller's TypeError, not a network failure.
  const body = JSON.stringify(id ? { documentId: id, variables } : { query, variables });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  headers['content-type'] = 'application/json';
  headers['accept'] = 'application/graphql-response+json, application/json;q=0.9';
  if (options.authToken !== undefined) headers['authorization'] = `Bearer ${options.authToken}`;
  if (options.signal?.aborted) throw abortError();

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let aborted = false;
  const unsubscribe = onAbort(options.signal, () => {
    aborted = true;
    controller.abort();
  });
  const failure = (error: unknown, during: string): Error => {
    if (aborted) return abortError();
    if (timedOut) return new GatewayNetworkError(operation, `no answer from the gateway within ${timeoutMs} ms (${during}).`, true, error);
    return new GatewayNetworkError(operation, `the gateway could not be reached (${during}; in a browser, also check CORS_ORIGINS on the gateway).`, false, error);
  };

  try {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
        // Bearer-token API: no cookies, and no following a redirect with the token to wherever it points.
        credentials: 'omit',
        redirect: 'error',
      });
    } catch (error) {
      throw failure(error, 'request');
    }

    const status = response.status;
    const requestId = header(response, 'x-request-id', 200);
    const contentType = response.headers.get('content-type') ?? '';
    if (!/^application\/(graphql-response\+)?json\s*(;|$)/i.test(contentType)) {
      void response.body?.cancel().catch(() => {});
      throw new GatewayResponseError(operation, status, 'content-type', `the gateway answered HTTP ${status} with ${contentType ? clean(contentType, 100) : 'no content type'}, not a GraphQL response.`, requestId);
    }

    let text: string;
    try {
      text = await readText(response, maxBytes);
    } catch (error) {
      if (error instanceof TooLarge) {
        throw new GatewayResponseError(operation, status, 'too-large', `the gateway's answer is larger than ${maxBytes} bytes.`, requestId);
      }
      throw failure(error, 'reading the answer');
    }

    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new GatewayResponseError(operation, status, 'malformed', `the gateway answered HTTP ${status} with malformed JSON.`, requestId);
    }
    if (!isObject(answer)) {
      throw new GatewayResponseError(operation, status, 'unexpected-shape', `the gateway answered HTTP ${status} with JSON that is not a GraphQL response.`, requestId);
    }
    if (answer['errors'] !== undefined && !Array.isArray(answer['errors'])) {
      throw new GatewayResponseError(operation, status, 'unexpected-shape', `the gateway answered HTTP ${status} with "errors" that is not a list.`, requestId);
    }
    const errors = (answer['errors'] as unknown[] | undefined) ?? [];
    if (errors.length > 0) {
      const entries = errors.slice(0, MAX_ERRORS).map((raw) => errorEntry(raw, options.authToken));
      const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
      throw new GatewayError(operation, status, entries, { ...(retryAfterSeconds !== undefined && { retryAfterSeconds }), ...(requestId !== undefined && { requestId }) });
    }
    if (status < 200 || status > 299) {
      throw new GatewayResponseError(operation, status, 'status', `the gateway answered HTTP ${status} without GraphQL errors.`, requestId);
    }
    if (!isObject(answer['data'])) {
      throw new GatewayResponseError(operation, status, 'unexpected-shape', 'the gateway answered with neither data nor errors.', requestId);
    }
    return answer['data'] as TResult;
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

class TooLarge extends Error {}

/** Reads the body up to `maxBytes`, refusing a larger one as soon as it shows (declared length or bytes read). */
async function readText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    void response.body?.cancel().catch(() => {});
    throw new TooLarge();
  }
  if (!response.body) {
    const text = await response.text();
    if (text.length > maxBytes) throw new TooLarge();
    return text;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      void reader.cancel().catch(() => {});
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function documentText(document: GatewayDocument<unknown, never>): string {
  if (typeof document === 'string') return document;
  if (document instanceof String) return document.toString();
  const node = document as { kind?: unknown; loc?: { source?: { body?: unknown } } };
  if (node.kind === 'Document') {
    const body = node.loc?.source?.body;
    if (typeof body === 'string') return body;
    throw new TypeError('This DocumentNode has no source text (loc): pass a document string, such as this package\'s documents, or print() it first.');
  }
  throw new TypeError('Not a GraphQL document.');
}

/** The trusted-document id the client preset put in the document (`__meta__.hash`), when it has one. */
function documentId(document: GatewayDocument<unknown, never>): string | undefined {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  return typeof hash === 'string' && /^sha256:[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

/** For messages only: the operation's name in a document sent by id. */
function nameOf(document: GatewayDocument<unknown, never>): string | undefined {
  if (typeof document === 'string' || document instanceof String) return operationName(document.toString());
  const definitions = (document as { definitions?: Array<{ kind?: unknown; name?: { value?: unknown } }> }).definitions ?? [];
  const name = definitions.find((definition) => definition.kind === 'OperationDefinition')?.name?.value;
  return typeof name === 'string' ? name : undefined;
}

/** For messages only: the first operation's name. */
export function operationName(query: string): string | undefined {
  return /\b(?:query|mutation|subscription)\s+([_A-Za-z]\w*)/.exec(query)?.[1];
}

const LOOPBACK = /^(localhost|[\w-]+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function endpointUrl(endpoint: string | URL, allowInsecureHttp: boolean): string {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  let url: URL;
  try {
    url = new URL(String(endpoint), base);
  } catch {
    throw new TypeError(`The gateway endpoint is not a URL: ${clean(String(endpoint), 200)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`The gateway endpoint must be an https: URL, not ${url.protocol}`);
  if (url.protocol === 'http:' && !allowInsecureHttp && !LOOPBACK.test(url.hostname)) {
    throw new TypeError(`Refusing to send tokens in clear to ${url.origin}: use https:, or set allowInsecureHttp.`);
  }
  return url.href;
}

function errorEntry(raw: unknown, authToken: string | undefined): GatewayErrorEntry {
  const error = isObject(raw) ? raw : {};
  const extensions = isObject(error['extensions']) ? error['extensions'] : {};
  const code = extensions['code'];
  const field = extensions['field'];
  const retryAfter = extensions['retryAfterSeconds'];
  const path = error['path'];
  return {
    message: typeof error['message'] === 'string' ? clean(error['message'], MAX_MESSAGE_CHARS, authToken) : 'The gateway gave no message.',
    code: typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'UNKNOWN',
    ...(typeof field === 'string' && { field: clean(field, 100, authToken) }),
    ...(typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0 && { retryAfterSeconds: retryAfter }),
    ...(Array.isArray(path) && path.length <= 32 && path.every((p) => typeof p === 'number' || (typeof p === 'string' && p.length <= 100)) && { path: path as (string | number)[] }),
  };
}

/** Retry-After as seconds (delta or HTTP date); undefined when absent or unreadable. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function header(response: Response, name: string, maxChars: number): string | undefined {
  const value = response.headers.get(name);
  return value === null ? undefined : clean(value, maxChars);
}

function clean(text: string, maxChars: number, secret?: string): string {
  let result = secret && secret.length >= 8 ? text.split(secret).join('[redacted]') : text;
  result = result.replace(JWT_LIKE, '[redacted]');
  return result.length > maxChars ? `${result.slice(0, maxChars)}…` : result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
