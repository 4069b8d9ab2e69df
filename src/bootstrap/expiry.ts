import { trusted, type Connection } from 'mongoose';
import { TOKEN_LEASES } from '../identity/tokens/tokenCache.js';

export interface ExpiryOptions {
  /** FerretDB v1 has no TTL indexes: expired rows are swept instead. */
  ferretDb: boolean;
  /** 0 keeps audit events forever. */
  auditRetentionDays: number;
}

const TOKEN_CACHE = 'token_cache';
const AUDIT_EVENTS = 'audit_events';
const RETENTION_INDEX = 'retention_ttl';

/**
 * Rows nobody needs once expired leave by themselves: cached tokens past their expiry, claims on ACS calls past
 * theirs, and audit events past AUDIT_RETENTION_DAYS. On MongoDB, TTL indexes do it; on FerretDB the returned sweep does, on the reconcile
 * schedule (one instance at a time).
 */
export async function setUpExpiry(connection: Connection, { ferretDb, auditRetentionDays }: ExpiryOptions): Promise<(() => Promise<void>) | null> {
  const retentionMs = auditRetentionDays * 86_400_000;
  if (ferretDb) {
    return async () => {
      const now = Date.now();
      await connection.collection(TOKEN_CACHE).deleteMany({ expiresOn: trusted({ $lt: new Date(now) }) });
      await connection.collection(TOKEN_LEASES).deleteMany({ until: trusted({ $lt: new Date(now) }) });
      if (retentionMs > 0) await connection.collection(AUDIT_EVENTS).deleteMany({ at: trusted({ $lt: new Date(now - retentionMs) }) });
    };
  }
  await connection.collection(TOKEN_CACHE).createIndex({ expiresOn: 1 }, { expireAfterSeconds: 0, name: 'expires_ttl' });
  await connection.collection(TOKEN_LEASES).createIndex({ until: 1 }, { expireAfterSeconds: 0, name: 'until_ttl' });
  await setRetention(connection, auditRetentionDays * 86_400);
  return null;
}

/** Creates, changes (collMod) or drops the audit retention index, so a new AUDIT_RETENTION_DAYS takes effect. */
async function setRetention(connection: Connection, seconds: number): Promise<void> {
  const audit = connection.collection(AUDIT_EVENTS);
  const existing = (await audit.indexes().catch(() => [])).find((index) => index.name === RETENTION_INDEX);
  if (seconds === 0) {
    if (existing) await audit.dropIndex(RETENTION_INDEX);
    return;
  }
  if (!existing) await audit.createIndex({ at: 1 }, { expireAfterSeconds: seconds, name: RETENTION_INDEX });
  else if (existing.expireAfterSeconds !== seconds) {
    await connection.db!.command({ collMod: AUDIT_EVENTS, index: { name: RETENTION_INDEX, expireAfterSeconds: seconds } });
  }
}
