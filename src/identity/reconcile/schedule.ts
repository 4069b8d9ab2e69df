import type { Logger } from '../../observability/logger.js';
import type { Lease } from './lease.js';
import type { Reconciler } from './reconciler.js';

export interface ReconcileSchedule {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs the reconciler every intervalMs on whichever instance holds the lease; the others skip that turn. */
export function scheduleReconciler(reconciler: Reconciler, lease: Lease, intervalMs: number, logger: Logger): ReconcileSchedule {
  let running: Promise<void> | null = null;
  const runIfLeader = async () => {
    if (!(await lease.acquire(intervalMs * 2))) return;
    try {
      const summary = await reconciler.runOnce();
      if (summary.examined > 0) logger.info({ reconcile: summary }, 'reconciler run');
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
