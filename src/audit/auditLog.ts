import { isValidObjectId, trusted } from 'mongoose';
import type { Caller } from '../auth/caller.js';
import { badInput, ErrorCode, GatewayError } from '../errors.js';
import { requireCaller } from '../identity/accessPolicy.js';
import type { AuditEvent, AuditEventConnection } from '../graphql/audit/AuditEvent.js';
import type { AuditEventModel, AuditEventRecord } from './auditEventModel.js';

export interface AuditEntry {
  requestId: string;
  action: string;
  outcome: 'success' | 'failure';
  errorCode?: string;
  actor: Caller;
  subjectAppUserId: string;
  identityId?: string;
}

// What callers see is declared once, as the GraphQL types.
export type AuditEventView = AuditEvent;
export type AuditPage = AuditEventConnection;

const MAX_PAGE = 200;

interface PendingWrite {
  document: Omit<AuditEventRecord, '_id'>;
  settle: (error?: unknown) => void;
}

/** Writes and pages the append-only audit trail. */
export class AuditLog {
  private queue: PendingWrite[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly model: AuditEventModel) {}

  /**
   * Resolves once the event is stored. Group commit, written by hand since it is a dozen lines: while one
   * insert is in flight, later events queue and go in the next insertMany. A lone request waits no longer
   * than before, and under load the database sees one write per batch instead of one per request.
   */
  record(entry: AuditEntry): Promise<void> {
    const document = {
      at: new Date(),
      requestId: entry.requestId,
      action: entry.action,
      outcome: entry.outcome,
      errorCode: entry.errorCode,
      actorIssuer: entry.actor.issuer,
      actorId: entry.actor.userId,
      subjectAppUserId: entry.subjectAppUserId,
      identityId: entry.identityId,
    };
    return new Promise((resolve, reject) => {
      this.queue.push({ document, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 500);
      try {
        // Driver calls: the documents are built above, so mongoose has nothing to cast or validate; a lone event
        // goes by insertOne, which skips the bulk-write machinery insertMany sets up for every call.
        const documents = batch.map((write) => write.document);
        if (documents.length === 1) await this.model.collection.insertOne(documents[0]!);
        else await this.model.collection.insertMany(documents, { ordered: true });
        for (const write of batch) write.settle();
      } catch (error) {
        for (const write of batch) write.settle(error);
      }
    }
    this.flushing = null;
  }

  /** Newest first; `after` is the previous page's endCursor. Admins only. */
  async list(caller: Caller | null, args: { first: number; after?: string | null; appUserId?: string | null }): Promise<AuditPage> {
    const self = requireCaller(caller);
    if (!self.isAdmin) throw new GatewayError(ErrorCode.FORBIDDEN, 'Reading the audit trail needs the admin role.');
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE) {
      throw badInput('first', `first must be from 1 to ${MAX_PAGE}.`);
    }
    if (args.after && !isValidObjectId(args.after)) throw badInput('after', 'after must be an endCursor from a previous page.');
    const filter = {
      actorIssuer: self.issuer,
      ...(args.appUserId && { subjectAppUserId: args.appUserId }),
      ...(args.after && { _id: trusted({ $lt: args.after }) }),
    };
    const rows = await this.model.find(filter).sort({ _id: -1 }).limit(args.first + 1).lean<AuditEventRecord[]>().exec();
    const nodes = rows.slice(0, args.first).map(toView);
    return { nodes, endCursor: nodes.at(-1)?.id ?? null, hasNextPage: rows.length > args.first };
  }
}

function toView(event: AuditEventRecord): AuditEventView {
  return {
    id: event._id.toString(),
    at: event.at,
    requestId: event.requestId,
    action: event.action,
    outcome: event.outcome,
    errorCode: event.errorCode ?? null,
    actorId: event.actorId,
    subjectAppUserId: event.subjectAppUserId,
    identityId: event.identityId ?? null,
  };
}
