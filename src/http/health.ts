import type { Connection } from 'mongoose';
import type { RouteHandler } from './server.js';
import { sendJson } from './server.js';

export interface ReadinessOptions {
  connection: Connection;
  acsProbeUrl: string;
  isDraining: () => boolean;
  timeoutMs?: number;
}

/** `/healthz`: the process answers. */
export const liveness: RouteHandler = (_req, res) => sendJson(res, 200, { status: 'ok' });

/** `/readyz`: MongoDB answers a ping and ACS answers HTTP at all; 503 otherwise, or while draining. */
export function readiness({ connection, acsProbeUrl, isDraining, timeoutMs = 2000 }: ReadinessOptions): RouteHandler {
  return async (_req, res) => {
    if (isDraining()) return sendJson(res, 503, { status: 'draining' });
    const [mongodb, acs] = await Promise.all([
      check(async () => {
        if (!connection.db) throw new Error('not connected');
        await connection.db.admin().command({ ping: 1 }, { timeoutMS: timeoutMs });
      }),
      // Any HTTP answer means reachable; credentials are checked by real calls, not by the probe.
      check(() => fetch(acsProbeUrl, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) }).then((response) => response.body?.cancel())),
    ]);
    const ready = mongodb === 'ok' && acs === 'ok';
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: { mongodb, acs } });
  };
}

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'unavailable'> {
  try {
    await probe();
    return 'ok';
  } catch {
    return 'unavailable';
  }
}
