import type { Connection } from 'mongoose';
import type { RouteHandler } from './server.js';
import { sendJson } from './server.js';

export interface ReadinessOptions {
  connection: Connection;
  acsProbeUrl: string;
  /** Reported as a detail (`customId`), not a check: the gateway is correct in every state. */
  customIdState?: () => string;
  isDraining: () => boolean;
  /** An answer is reused this long, and concurrent probes share one check: a flood of probes costs one. */
  cacheMs: number;
  timeoutMs?: number;
}

interface Readiness {
  ready: boolean;
  checks: { mongodb: CheckResult; acs: CheckResult };
}

/** `/healthz`: the process answers. */
export const liveness: RouteHandler = (_req, res) => sendJson(res, 200, { status: 'ok' });

/** `/readyz`: MongoDB answers a ping and ACS answers HTTP at all; 503 otherwise, or while draining. */
export function readiness({ connection, acsProbeUrl, customIdState, isDraining, cacheMs, timeoutMs = 2000 }: ReadinessOptions): RouteHandler {
  const probe = async (): Promise<Readiness> => {
    const [mongodb, acs] = await Promise.all([
      check(async () => {
        if (!connection.db) throw new Error('not connected');
        await connection.db.admin().command({ ping: 1 }, { timeoutMS: timeoutMs });
      }),
      // Any HTTP answer means reachable; credentials are checked by real calls, not by the probe.
      check(() => fetch(acsProbeUrl, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) }).then((response) => response.body?.cancel())),
    ]);
    return { ready: mongodb === 'ok' && acs === 'ok', checks: { mongodb, acs } };
  };
  let last: { at: number; answer: Promise<Readiness> } | undefined;
  return async (_req, res) => {
    if (isDraining()) return sendJson(res, 503, { status: 'draining' });
    const now = Date.now();
    if (!last || now - last.at >= cacheMs) last = { at: now, answer: probe() };
    const { ready, checks } = await last.answer;
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks, ...(customIdState && { customId: customIdState() }) });
  };
}

type CheckResult = 'ok' | 'unavailable';

async function check(run: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await run();
    return 'ok';
  } catch {
    return 'unavailable';
  }
}
