import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { connectAcs } from '../src/bootstrap/acs.js';
import { runCleanups, type Cleanups } from '../src/bootstrap/cleanups.js';
import { mappingStoreFor } from '../src/bootstrap/mappingStore.js';
import { connectMongo, isFerretDb } from '../src/bootstrap/mongo.js';
import { tokenCacheFor } from '../src/bootstrap/tokenCache.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logging/logger.js';
import { cachedTokenModel } from '../src/models/cachedToken.js';
import { leaseModel } from '../src/models/lease.js';
import { Lease } from '../src/reconcile/lease.js';
import { Reconciler, type ReconcileSummary } from '../src/reconcile/reconciler.js';

/**
 * `npm run reconcile [-- --stale-after <ms>]`: finishes or undoes stale pending and deleting mappings now,
 * with the gateway's own configuration, under the same lease as the gateways' scheduled runs.
 */
const { values } = parseArgs({ options: { 'stale-after': { type: 'string' } } });
const config = loadConfig();
const staleAfterMs = values['stale-after'] === undefined ? config.reconcile.staleAfterMs : Number(values['stale-after']);
if (!Number.isFinite(staleAfterMs) || staleAfterMs < 0) {
  console.error('--stale-after takes a number of milliseconds.');
  process.exit(2);
}

const logger = createLogger({ level: 'warn' });
const cleanups: Cleanups = [];
const describe = (s: ReconcileSummary) =>
  `examined ${s.examined}, completed ${s.completed}, rolled back ${s.rolledBack}, deleted ${s.deleted}, failed ${s.failed} (${s.durationMs} ms)`;
try {
  const acs = await connectAcs(config, logger, cleanups, () => {});
  const connection = await connectMongo(config, logger, cleanups);
  const lease = new Lease(leaseModel(connection), 'reconciler', `${hostname()}:${process.pid}:${randomUUID()}`);
  if (!(await lease.acquire(10 * 60_000))) {
    console.error('Another gateway instance is reconciling right now; try again in a minute.');
    process.exitCode = 3;
  } else {
    try {
      const mappings = await mappingStoreFor(connection, config, acs.client.resourceKey, await isFerretDb(connection));
      const reconciler = new Reconciler(mappings, acs.client, {
        staleAfterMs,
        tokenCache: await tokenCacheFor(config, cachedTokenModel(connection)),
        onProgress: (progress) => console.log(`… ${describe(progress)}`),
      });
      const summary = await reconciler.runOnce();
      console.log(`Reconciled: ${describe(summary)}`);
      if (summary.failed > 0) process.exitCode = 1;
    } finally {
      await lease.release();
    }
  }
} finally {
  await runCleanups(cleanups, (error) => logger.warn({ err: error }, 'a stop step failed'));
}
