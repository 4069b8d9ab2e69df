import type { mongo } from 'mongoose';

type MongoClient = mongo.MongoClient;

export interface MonitorWatchdogOptions {
  /**
   * A server check running longer than this has stalled. It must exceed the longest check the driver can make:
   * a connect and handshake (2 × connectTimeoutMS), or an awaited heartbeat (connectTimeoutMS + heartbeatFrequencyMS).
   */
  stallAfterMs: number;
  /** How often the watchdog looks, and how often it retries a reconnect that failed. */
  checkEveryMs?: number;
  /** Told about each reconnect; `error` is set when it failed and will be retried. */
  onRestart?: (event: { address: string; stalledMs: number; error?: unknown }) => void;
}

export interface MonitorWatchdog {
  /** Reconnects done so far. */
  readonly restarts: number;
  stop(): void;
}

/**
 * The MongoDB driver (7.x) can lose a server monitor for good. When the server closes connections, a heartbeat may be
 * written to a socket that is already destroyed but not yet marked closed; the driver then waits for a `drain` event
 * that never comes, the monitor never checks that server again, and every operation fails server selection until the
 * process restarts. Seen here when the embedded database restarted under load, about one time in four.
 *
 * This follows the driver's public heartbeat events. When a check has been running for longer than any check can,
 * it closes and reconnects the same client: its Db and collection objects (and so mongoose's models) stay valid,
 * and the new topology starts fresh monitors. Written by hand: no library watches the driver for this.
 */
export function watchMonitors(client: MongoClient, options: MonitorWatchdogOptions): MonitorWatchdog {
  const checkStartedAt = new Map<string, number>();
  let restarts = 0;
  let restarting = false;
  let retryAddress: string | null = null;

  // Keyed by server address: a new check of a server replaces the record of the last one.
  const started = (event: { connectionId: string }) => checkStartedAt.set(event.connectionId, performance.now());
  const finished = (event: { connectionId: string }) => checkStartedAt.delete(event.connectionId);
  client.on('serverHeartbeatStarted', started);
  client.on('serverHeartbeatSucceeded', finished);
  client.on('serverHeartbeatFailed', finished);

  const reconnect = async (address: string, stalledMs: number) => {
    restarting = true;
    try {
      if (retryAddress === null) await client.close();
      // The closed topology's checks end here; the new one's, from connect() on, are watched like any other.
      checkStartedAt.clear();
      await client.connect();
      retryAddress = null;
      restarts += 1;
      options.onRestart?.({ address, stalledMs });
    } catch (error) {
      // Still down: the client stays closed until a later look connects it.
      retryAddress = address;
      options.onRestart?.({ address, stalledMs, error });
    } finally {
      restarting = false;
    }
  };

  const timer = setInterval(() => {
    if (restarting) return;
    if (retryAddress !== null) {
      void reconnect(retryAddress, 0);
      return;
    }
    const now = performance.now();
    for (const [address, since] of checkStartedAt) {
      if (now - since > options.stallAfterMs) {
        void reconnect(address, Math.round(now - since));
        return;
      }
    }
  }, options.checkEveryMs ?? 1000);
  timer.unref();

  return {
    get restarts() {
      return restarts;
    },
    stop() {
      clearInterval(timer);
      client.off('serverHeartbeatStarted', started);
      client.off('serverHeartbeatSucceeded', finished);
      client.off('serverHeartbeatFailed', finished);
    },
  };
}
