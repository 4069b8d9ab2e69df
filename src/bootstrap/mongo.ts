import mongoose, { type Connection } from 'mongoose';
import type { GatewayConfig } from '../config/config.js';
import { watchMonitors } from '../db/monitorWatchdog.js';
import type { Logger } from '../observability/logger.js';
import type { Cleanups } from './cleanups.js';
import { loadLocalStack } from './localStack.js';

/** The driver's default; named because the monitor watchdog's limit is derived from it. */
const HEARTBEAT_FREQUENCY_MS = 10_000;

/** Connects to MONGODB_URI, or to an embedded server started for the purpose. */
export async function connectMongo(
  config: GatewayConfig,
  logger: Logger,
  cleanups: Cleanups,
  onMonitorRestart: (outcome: 'reconnected' | 'failed') => void = () => {},
): Promise<Connection> {
  let mongoUri = config.mongo.uri;
  if (!mongoUri) {
    const local = await loadLocalStack(config.production, 'an embedded MongoDB');
    const embedded = await local.startEmbeddedMongo({ dataDir: config.dataDir, log: (message) => logger.info(message) });
    cleanups.push(() => embedded.stop());
    mongoUri = new URL('acs_identity_gateway', embedded.uri).toString();
    logger.info({ kind: embedded.kind }, 'started the embedded MongoDB');
  }
  // Bounded so that a stalled server monitor is noticed in seconds, not the 40 s the driver's defaults would allow.
  const connectTimeoutMS = Math.max(2000, config.mongo.timeoutMs * 2);
  const connection = mongoose.createConnection(mongoUri, {
    serverSelectionTimeoutMS: config.mongo.timeoutMs,
    socketTimeoutMS: config.mongo.timeoutMs * 2,
    connectTimeoutMS,
    heartbeatFrequencyMS: HEARTBEAT_FREQUENCY_MS,
    // Fail fast while MongoDB is down instead of queueing operations behind a reconnect.
    bufferCommands: false,
    // No value can become a query operator: a filter value holding `$` keys is matched literally ($eq), and
    // $where/$expr are refused. The gateway's own operators are marked trusted() where they are written.
    sanitizeFilter: true,
  });
  cleanups.push(() => connection.close());
  await connection.asPromise().catch((error: unknown) => {
    throw config.mongo.uri ? unreachable(config, error) : error;
  });

  const watchdog = watchMonitors(connection.getClient(), {
    stallAfterMs: 2 * connectTimeoutMS + HEARTBEAT_FREQUENCY_MS + 1000,
    onRestart: ({ address, stalledMs, error }) => {
      onMonitorRestart(error ? 'failed' : 'reconnected');
      if (error) logger.warn({ address }, 'reconnecting to MongoDB after a stalled server check failed; retrying');
      else logger.warn({ address, stalledMs }, 'the MongoDB driver stopped checking the server; reconnected the client');
    },
  });
  cleanups.push(async () => watchdog.stop());
  return connection;
}

/** The driver says `connect ECONNREFUSED 127.0.0.1:1`; the operator needs to hear which setting points there. */
function unreachable(config: GatewayConfig, error: unknown): Error {
  // The hosts only: the URI's user and password stay out of the message.
  const hosts = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/.exec(config.mongo.uri ?? '')?.[1] ?? 'the server';
  const cause = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
  const instead = config.production ? '' : ', or unset MONGODB_URI to use the embedded database';
  return new Error(
    `no connection to MongoDB at ${hosts} (MONGODB_URI) within MONGODB_TIMEOUT_MS (${config.mongo.timeoutMs} ms): ${cause}. ` +
      `Check MONGODB_URI, that the server runs and that it lets this host in${instead}.`,
    { cause: error },
  );
}

