import type { Logger } from '../../observability/logger.js';
import type { Lease } from './lease.js';
import type { Reconciler } from './reconciler.js';

export interface ReconcileSchedule {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs the reconciler (null: none) every intervalMs on whichever instance holds the lease; the others skip that turn.
 * `sweep`, when given, removes expired rows on the same turn (bootstrap/expiry.ts).
 */
export function scheduleReconciler(
  reconciler: Reconciler | null,
  lease: Lease,
  intervalMs: number,
  logger: Logger,
  sweep: (() => Promise<void>) | null = null,
): ReconcileSchedule {
  let running: Promise<void> | null = null;
  const runIfLeader = async () => {
    if (!(await lease.acquire(intervalMs * 2))) return;
    try {
      const summary = await reconciler?.runOnce();
      if (summary && summary.examined > 0) logger.info({ reconcile: summary }, 'reconciler run');
      await sweep?.();
    } finally {
      await lease.release();
    }
  };
  const timer = setInterval(() => {
    running ??= runIfLeader()
      .catch((error: unknown) => logger.warn({ err: error }, 'reconciler run failed'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
