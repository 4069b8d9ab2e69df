// The emulator's own state: identities, revocations, deletions and Entra assignments, optionally persisted to dataDir.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Assignments, type AssignmentState } from './entra/assignments.js';
import { readIfExists, writeFileAtomic } from './files.js';
import { newIdentityId } from './ids.js';
import type { IdentityInfo } from './types.js';

export interface IdentityRecord {
  id: string;
  createdAtMs: number;
  /** Tokens issued at or before this instant are revoked (ms precision, see tokens.ts). */
  revokedAtMs?: number;
  deletedAtMs?: number;
  customId?: string;
  lastTokenIssuedAtMs?: number;
}

interface StateFile {
  version: 1;
  resourceId: string;
  identities: IdentityRecord[];
  /** Absent in files written before the Entra routes existed. */
  assignments?: AssignmentState;
}

const FILE = 'state.json';
// Coalesces bursts of changes into one write; close() flushes whatever is pending.
const FLUSH_DELAY_MS = 50;

export class IdentityStore {
  private readonly byId = new Map<string, IdentityRecord>();
  /** The live identities holding each customId: one, unless racing creations made more (customIdRaceMs). */
  private readonly byCustomId = new Map<string, IdentityRecord[]>();
  private flushTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  readonly assignments = new Assignments(() => this.changed());

  private constructor(
    readonly resourceId: string,
    private readonly path: string | undefined,
  ) {}

  static async open(opts: { dataDir?: string; resourceId?: string }): Promise<IdentityStore> {
    const path = opts.dataDir ? join(opts.dataDir, FILE) : undefined;
    const saved = path ? await readIfExists(path) : undefined;
    const state = saved ? (JSON.parse(saved) as StateFile) : undefined;
    const store = new IdentityStore((state?.resourceId ?? opts.resourceId ?? randomUUID()).toLowerCase(), path);
    for (const record of state?.identities ?? []) store.index(record);
    store.assignments.restore(state?.assignments);
    if (path && !saved) store.changed();
    return store;
  }

  get(id: string): IdentityRecord | undefined {
    return this.byId.get(id);
  }

  /** The live identities holding this customId. */
  holding(customId: string): readonly IdentityRecord[] {
    return this.byCustomId.get(customId) ?? [];
  }

  /** Creates an identity, bound to customId when given (whoever else holds it: the caller looked first). */
  create(customId?: string): IdentityRecord {
    const record: IdentityRecord = { id: newIdentityId(this.resourceId), createdAtMs: Date.now(), customId };
    this.index(record);
    this.changed();
    return record;
  }

  /**
   * Records a token issue and returns its issue time in ms, strictly after the last revoke so that a
   * token issued in the same millisecond as a revoke still counts as issued after it.
   */
  tokenIssued(record: IdentityRecord, nowMs: number): number {
    const issuedAtMs = Math.max(nowMs, (record.revokedAtMs ?? -1) + 1);
    record.lastTokenIssuedAtMs = issuedAtMs;
    this.changed();
    return issuedAtMs;
  }

  revoke(record: IdentityRecord): void {
    record.revokedAtMs = Math.max(Date.now(), record.lastTokenIssuedAtMs ?? 0);
    this.changed();
  }

  delete(record: IdentityRecord): void {
    record.deletedAtMs = Date.now();
    record.revokedAtMs = Math.max(record.deletedAtMs, record.lastTokenIssuedAtMs ?? 0);
    if (record.customId !== undefined) {
      const left = this.holding(record.customId).filter((held) => held !== record);
      if (left.length > 0) this.byCustomId.set(record.customId, left);
      else this.byCustomId.delete(record.customId);
    }
    this.changed();
  }

  all(): IterableIterator<IdentityRecord> {
    return this.byId.values();
  }

  list(): IdentityInfo[] {
    return [...this.byId.values()].map((r) => ({
      id: r.id,
      createdAt: new Date(r.createdAtMs).toISOString(),
      ...(r.revokedAtMs !== undefined ? { revokedAt: new Date(r.revokedAtMs).toISOString() } : {}),
      deleted: r.deletedAtMs !== undefined,
      ...(r.customId !== undefined ? { customId: r.customId } : {}),
      ...(r.lastTokenIssuedAtMs !== undefined ? { lastTokenIssuedAt: new Date(r.lastTokenIssuedAtMs).toISOString() } : {}),
    }));
  }

  /** Writes pending changes now; resolves when they are on disk. */
  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.writing = this.writing.then(() => this.write());
    }
    await this.writing;
  }

  private index(record: IdentityRecord): void {
    this.byId.set(record.id, record);
    if (record.customId !== undefined && record.deletedAtMs === undefined) {
      this.byCustomId.set(record.customId, [...this.holding(record.customId), record]);
    }
  }

  private changed(): void {
    if (!this.path || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.writing = this.writing.then(() => this.write());
    }, FLUSH_DELAY_MS);
    this.flushTimer.unref();
  }

  private async write(): Promise<void> {
    if (!this.path) return;
    const state: StateFile = {
      version: 1,
      resourceId: this.resourceId,
      identities: [...this.byId.values()],
      assignments: this.assignments.snapshot(),
    };
    await writeFileAtomic(this.path, JSON.stringify(state));
  }
}
