import { isValidObjectId, mongo, trusted } from 'mongoose';
import type { Caller } from '../auth/caller.js';
import { badInput } from '../errors.js';
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

export interface GroupCommitOptions {
  /** Events in one insertMany at most. */
  maxBatch: number;
  /** How long an event waits for a write in flight to finish before it goes in a write of its own. */
  maxWaitMs: number;
  /**
   * A write not settled by then has failed, and so have the calls it carried. The driver bounds a write it
   * completes by server selection and the socket timeout; this bounds one it loses (see writeWithin).
   */
  writeTimeoutMs: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 64, maxWaitMs: 1, writeTimeoutMs: 15_000 };

/** A write that was never answered: its calls fail as for any failed write. */
export class AuditWriteTimeoutError extends Error {
  constructor(ms: number) {
    super(`The audit write was not answered within ${ms} ms.`);
    this.name = 'AuditWriteTimeoutError';
  }
}

/** Writes and pages the append-only audit trail. */
export class AuditLog {
  private queue: PendingWrite[] = [];
  private writesInFlight = 0;
  private turnScheduled = false;
  private waitTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly model: AuditEventModel,
    private readonly options: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
  ) {}

  /**
   * Resolves once the event is stored; rejects when the write that carried it failed. Group commit, written by
   * hand (a queue and a timer; no library does it for the driver): the events of one event-loop turn go in one
   * insertMany; while a write is in flight, new events wait for it to finish, but never longer than maxWaitMs,
   * and a batch never holds more than maxBatch. A lone request waits no longer than its own insert.
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
      if (this.queue.length >= this.options.maxBatch) this.flush();
      else if (!this.turnScheduled) {
        this.turnScheduled = true;
        setImmediate(() => this.endOfTurn());
      }
    });
  }

  private endOfTurn(): void {
    this.turnScheduled = false;
    if (this.queue.length === 0) return;
    if (this.writesInFlight === 0) this.flush();
    else this.waitTimer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
  }

  /** Writes everything queued, maxBatch events per insertMany. */
  private flush(): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    while (this.queue.length > 0) void this.write(this.queue.splice(0, this.options.maxBatch));
  }

  private async write(batch: PendingWrite[]): Promise<void> {
    this.writesInFlight++;
    try {
      // Driver calls: the documents are built above, so mongoose has nothing to cast or validate; a lone event
      // goes by insertOne, which skips the bulk-write machinery insertMany sets up for every call.
      const documents = batch.map((write) => write.document);
      await this.writeWithin(
        documents.length === 1
          ? this.model.collection.insertOne(documents[0]!)
          : // Unordered: one refused event does not keep the others out, and each request learns its own event's fate.
            this.model.collection.insertMany(documents, { ordered: false }),
      );
      for (const write of batch) write.settle();
    } catch (error) {
      const refused = refusedIndexes(error);
      batch.forEach((write, index) => write.settle(refused === null || refused.has(index) ? error : undefined));
    } finally {
      this.writesInFlight--;
      // What queued behind this write goes now rather than at its deadline.
      if (this.writesInFlight === 0 && this.queue.length > 0 && !this.turnScheduled) this.flush();
    }
  }

  /**
   * The write, or a timeout once writeTimeoutMs has passed. The driver (7.x) can lose a write for good when the
   * server restarts under load: a bulk insert was seen waiting forever on a socket already destroyed, even after the
   * monitor watchdog reconnected the client (test/consistency/crashes.test.ts), and every response waiting for it
   * with it. Written by hand: the driver has no per-operation timeout (its timeoutMS has no effect in 7.x).
   */
  private async writeWithin(write: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AuditWriteTimeoutError(this.options.writeTimeoutMs)), this.options.writeTimeoutMs);
    });
    // A write that settles after its deadline changes nothing: its calls have failed already.
    write.catch(() => undefined);
    try {
      await Promise.race([write, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Newest first; `after` is the previous page's endCursor. `admin` is the caller the policy let read everyone's events (see AuditResolver). */
  async list(admin: Caller, args: { first: number; after?: string | null; appUserId?: string | null }): Promise<AuditPage> {
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE) {
      throw badInput('first', `first must be from 1 to ${MAX_PAGE}.`);
    }
    if (args.after && !isValidObjectId(args.after)) throw badInput('after', 'after must be an endCursor from a previous page.');
    const filter = {
      actorIssuer: admin.issuer,
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

/**
 * The batch positions a bulk write refused, when the server refused some documents and stored the rest (a write
 * error per document, no write concern error); null when the whole write must count as failed.
 */
function refusedIndexes(error: unknown): Set<number> | null {
  if (!(error instanceof mongo.MongoBulkWriteError) || error.writeConcernError) return null;
  const writeErrors = ([] as { index: number }[]).concat(error.writeErrors as { index: number } | { index: number }[]);
  return writeErrors.length > 0 ? new Set(writeErrors.map((writeError) => writeError.index)) : null;
}
