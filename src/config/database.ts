import { z } from 'zod';
import { ConfigError, optionalString, type AreaContext, type EnvOf } from './env.js';

export const databaseEnv = {
  MONGODB_URI: optionalString.pipe(z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional()),
  MONGODB_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  PENDING_MAPPING_WAIT_MS: z.coerce.number().int().min(0).default(15000),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(60000),
  RECONCILE_STALE_AFTER_MS: z.coerce.number().int().min(1000).default(120000),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
};

/** MongoDB and what is kept there: bootstrap/mongo.ts, bootstrap/core.ts and the reconciler read it. */
export interface DatabaseConfig {
  mongo: { uri?: string; timeoutMs: number };
  pendingMappingWaitMs: number;
  reconcile: { intervalMs: number; staleAfterMs: number };
  /** Audit events older than this are removed by the sweep (bootstrap/expiry.ts); 0 keeps them forever. */
  auditRetentionDays: number;
}

export function databaseConfig(e: EnvOf<typeof databaseEnv>, { production }: AreaContext): DatabaseConfig {
  if (production && !e.MONGODB_URI) {
    throw new ConfigError('MONGODB_URI must be set in production: the gateway will not keep its mappings in an embedded database there.');
  }
  return {
    mongo: { uri: e.MONGODB_URI, timeoutMs: e.MONGODB_TIMEOUT_MS },
    pendingMappingWaitMs: e.PENDING_MAPPING_WAIT_MS,
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_MS, staleAfterMs: e.RECONCILE_STALE_AFTER_MS },
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
  };
}
