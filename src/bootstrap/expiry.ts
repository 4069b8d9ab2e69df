import { trusted, type Connection } from 'mongoose';
import { TOKEN_LEASES } from '../identity/tokens/tokenCache.js';
import { RATE_LIMIT_COLLECTION } from '../rateLimit/rateLimits.js';

export interface ExpiryOptions {
  /** 0 keeps audit events forever. */
  auditRetentionDays: number;
}

/** A collection whose rows nobody needs past a date, and the index the sweep finds them by. */
export interface ExpiringRows {
  collection: string;
  field: string;
  index: string;
  /** The TTL index earlier versions made on MongoDB; dropped at start, so that the sweep alone decides. */
  formerTtlIndex: string;
  /** Kept AUDIT_RETENTION_DAYS past the date (the audit trail), rather than removed at it. */
  retained?: true;
}

export const EXPIRING_ROWS: readonly ExpiringRows[] = [
  { collection: 'token_cache', field: 'expiresOn', index: 'expires_on', formerTtlIndex: 'expires_ttl' },
  { collection: TOKEN_LEASES, field: 'until', index: 'until', formerTtlIndex: 'until_ttl' },
  { collection: RATE_LIMIT_COLLECTION, field: 'expire', index: 'expire', formerTtlIndex: 'expire_ttl' },
  { collection: 'audit_events', field: 'at', index: 'at', formerTtlIndex: 'retention_ttl', retained: true },
];

/**
 * Rows nobody needs once expired leave by the returned sweep, run on the reconcile schedule (one instance at a
 * time): cached tokens past their expiry, claims on ACS calls past theirs, rate-limit windows past theirs, and audit
 * events past AUDIT_RETENTION_DAYS. One path for every server, rather than TTL indexes where the server has them:
 * the embedded database has none (see bootstrap/database.ts), and a change of AUDIT_RETENTION_DAYS applies at the
 * next sweep instead of needing a collMod.
 */
export async function setUpExpiry(connection: Connection, { auditRetentionDays }: ExpiryOptions): Promise<() => Promise<void>> {
  await Promise.all(
    EXPIRING_ROWS.map(async ({ collection: name, field, index, formerTtlIndex }) => {
      const collection = connection.collection(name);
      const existing = (await collection.indexes().catch(() => [])).map((spec) => spec.name);
      if (existing.includes(formerTtlIndex)) await collection.dropIndex(formerTtlIndex);
      await collection.createIndex({ [field]: 1 }, { name: index });
    }),
  );
  const retentionMs = auditRetentionDays * 86_400_000;
  return async () => {
    const now = Date.now();
    for (const { collection, field, retained } of EXPIRING_ROWS) {
      if (retained && retentionMs === 0) continue;
      await connection.collection(collection).deleteMany({ [field]: trusted({ $lt: new Date(now - (retained ? retentionMs : 0)) }) });
    }
  };
}
