import { timingSafeEqual } from 'node:crypto';
import { sha256Hex, type TrustedDocuments } from './manifest.js';

/** Why a request was refused with DOCUMENT_NOT_TRUSTED (its `extensions.reason`, and the metric's label). */
export type RefusalReason = 'malformed-id' | 'unknown-id' | 'id-text-mismatch' | 'text-not-trusted' | 'no-document';
export const REFUSAL_REASONS: readonly RefusalReason[] = ['malformed-id', 'unknown-id', 'id-text-mismatch', 'text-not-trusted', 'no-document'];

export type GateOutcome = { ok: true; request: Record<string, unknown> } | { ok: false; reason: RefusalReason; message: string };

export interface TrustedDocumentGateOptions {
  documents: TrustedDocuments;
  /** TRUSTED_DOCUMENTS_ONLY: free texts outside the manifest are refused. */
  only: boolean;
  /** TRUSTED_DOCUMENTS_ROUTER_SECRET: a request with it in ROUTER_SECRET_HEADER may send free texts (a router's query plans). */
  routerSecret?: string;
}

export const ROUTER_SECRET_HEADER = 'x-router-secret';

/** The GraphQL-over-HTTP proposal's form; Apollo's `extensions.persistedQuery.sha256Hash` is the bare hex. */
const DOCUMENT_ID = /^sha256:([0-9a-f]{64})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** What a refusal echoes of an id: enough to recognise it, never a huge value. */
const shown = (id: string): string => JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);

/**
 * Decides, before Apollo parses anything, which document a request runs: a manifest document named by id (its text
 * put in `query`, the id fields removed), a text that is in the manifest, or (only when TRUSTED_DOCUMENTS_ONLY is off,
 * or for a router) a free text. Ids are compared exactly: no case folding, no trimming. Nothing is ever registered.
 */
export class TrustedDocumentGate {
  private readonly routerSecret?: Buffer;

  constructor(private readonly options: TrustedDocumentGateOptions) {
    if (options.routerSecret) this.routerSecret = Buffer.from(sha256Hex(options.routerSecret), 'hex');
  }

  /** Whether the request carries the router's secret (compared as digests, in constant time). */
  isRouter(secretHeader: string | undefined): boolean {
    if (!this.routerSecret || secretHeader === undefined) return false;
    return timingSafeEqual(Buffer.from(sha256Hex(secretHeader), 'hex'), this.routerSecret);
  }

  check(request: unknown, fromRouter: boolean): GateOutcome {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return this.options.only && !fromRouter ? refuse('no-document', 'Send a trusted document: "documentId": "sha256:<hex>" from the manifest.') : { ok: true, request: request as never };
    }
    const body = request as Record<string, unknown>;
    const named = this.namedId(body);
    if (named === undefined) return this.checkText(body, fromRouter);
    if (!named.ok) return named;
    const trusted = this.options.documents.get(named.hash);
    if (!trusted) return refuse('unknown-id', `No trusted document has the id ${shown(named.id)}; this gateway accepts only the documents of its manifest (TRUSTED_DOCUMENTS) by id.`);
    if (body.query !== undefined && body.query !== trusted.text) {
      return refuse('id-text-mismatch', `The query sent with ${shown(named.id)} is not the trusted document of that id; send the id alone.`);
    }
    const { documentId: _id, extensions, ...rest } = body;
    const { persistedQuery: _pq, ...otherExtensions } = isObject(extensions) ? extensions : {};
    return { ok: true, request: { ...rest, ...(Object.keys(otherExtensions).length > 0 && { extensions: otherExtensions }), query: trusted.text } };
  }

  private checkText(body: Record<string, unknown>, fromRouter: boolean): GateOutcome {
    if (!this.options.only || fromRouter) return { ok: true, request: body };
    if (typeof body.query !== 'string') return refuse('no-document', 'Send a trusted document: "documentId": "sha256:<hex>" from the manifest.');
    // A text in the manifest runs as if named by id; any other text, however close, is refused unread.
    if (!this.options.documents.has(sha256Hex(body.query))) {
      return refuse('text-not-trusted', 'This gateway runs only its trusted documents (TRUSTED_DOCUMENTS_ONLY): send "documentId": "sha256:<hex>" from the manifest, or its exact text.');
    }
    return { ok: true, request: body };
  }

  /** The id a request names (documentId, or Apollo's persistedQuery extension); undefined when it names none. */
  private namedId(body: Record<string, unknown>): { ok: true; id: string; hash: string } | Extract<GateOutcome, { ok: false }> | undefined {
    const persisted = isObject(body.extensions) ? body.extensions.persistedQuery : undefined;
    if (body.documentId === undefined && persisted === undefined) return undefined;
    let fromDocumentId: string | undefined;
    if (body.documentId !== undefined) {
      const match = typeof body.documentId === 'string' && body.documentId.length <= 71 ? DOCUMENT_ID.exec(body.documentId) : null;
      if (!match) return refuse('malformed-id', `documentId must be "sha256:" and 64 lower-case hex digits; got ${typeof body.documentId === 'string' ? shown(body.documentId) : `a ${kindOf(body.documentId)}`}.`);
      fromDocumentId = match[1]!;
    }
    if (persisted !== undefined) {
      const hash = isObject(persisted) ? persisted.sha256Hash : undefined;
      if (!isObject(persisted) || persisted.version !== 1 || typeof hash !== 'string' || hash.length !== 64 || !SHA256_HEX.test(hash)) {
        return refuse('malformed-id', 'extensions.persistedQuery must be { "version": 1, "sha256Hash": "<64 lower-case hex digits>" }.');
      }
      if (fromDocumentId !== undefined && fromDocumentId !== hash) return refuse('malformed-id', 'documentId and extensions.persistedQuery.sha256Hash name different documents.');
      return { ok: true, id: body.documentId === undefined ? hash : `sha256:${hash}`, hash };
    }
    return { ok: true, id: body.documentId as string, hash: fromDocumentId! };
  }
}

function refuse(reason: RefusalReason, message: string): Extract<GateOutcome, { ok: false }> {
  return { ok: false, reason, message };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;
}
