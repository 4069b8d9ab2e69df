import { runCleanups, type Cleanups } from '../bootstrap/cleanups.js';
import { connectCore } from '../bootstrap/core.js';
import { ConfigError, loadConfig } from '../config/config.js';
import type { ReconcileSummary } from '../identity/reconcile/reconciler.js';
import { createLogger } from '../observability/logger.js';
import { parseCli } from './parseCli.js';

/**
 * `npm run reconcile [-- --stale-after <ms>]`: finishes or undoes stale pending and deleting mappings now,
 * with the gateway's own configuration, under the same lease as the gateways' scheduled runs.
 */
const { values } = parseCli({
  usage: 'npm run reconcile [-- --stale-after <ms>]',
  description:
    'Finishes or undoes the mappings that crashed or failed requests left pending or deleting, with the gateway\'s own configuration (environment variables), under the same lease as the gateways\' scheduled runs.',
  options: {
    'stale-after': { type: 'string', valueName: 'ms', description: 'only mappings unchanged for this many milliseconds (default: RECONCILE_STALE_AFTER_MS)' },
  },
});
const staleAfterText = values['stale-after'];
const staleAfterMs = staleAfterText === undefined ? undefined : Number(staleAfterText);
if (staleAfterMs !== undefined && (!/^\d+$/.test(staleAfterText!) || !Number.isSafeInteger(staleAfterMs))) {
  console.error(`--stale-after takes a whole number of milliseconds, not "${staleAfterText}".`);
  process.exit(2);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Cannot reconcile: ${error.message}`);
  process.exit(2);
}

const logger = createLogger({ level: 'warn' });
const cleanups: Cleanups = [];
const describe = (s: ReconcileSummary) =>
  `examined ${s.examined}, completed ${s.completed}, rolled back ${s.rolledBack}, conflicts settled ${s.conflictsSettled}, deleted ${s.deleted}, failed ${s.failed} (${s.durationMs} ms)`;
try {
  const core = await connectCore(config, { logger, cleanups, staleAfterMs });
  if (!(await core.reconcilerLease.acquire(10 * 60_000))) {
    console.error('Another gateway instance is reconciling right now; try again in a minute.');
    process.exitCode = 3;
  } else {
    try {
      const summary = await core.reconciler.runOnce((progress) => console.log(`… ${describe(progress)}`));
      console.log(`Reconciled: ${describe(summary)}`);
      if (summary.failed > 0) process.exitCode = 1;
    } finally {
      await core.reconcilerLease.release();
    }
  }
} catch (error) {
  console.error(`Cannot reconcile: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await runCleanups(cleanups, (error) => logger.warn({ err: error }, 'a stop step failed'));
}
