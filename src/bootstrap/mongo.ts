import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import type { GatewayConfig } from '../config/config.js';
import { startEmbeddedMongo } from '../db/embedded/index.js';
import type { Logger } from '../logging/logger.js';
import type { Cleanups } from './cleanups.js';

/** Connects to MONGODB_URI, or to an embedded server started for the purpose. */
export async function connectMongo(config: GatewayConfig, logger: Logger, cleanups: Cleanups): Promise<Connection> {
  let mongoUri = config.mongo.uri;
  if (!mongoUri) {
    const embedded = await startEmbeddedMongo({
      dataDir: path.join(config.dataDir, 'mongo'),
      log: (message) => logger.info(message),
    });
    cleanups.push(() => embedded.stop());
    mongoUri = new URL('acs_identity_gateway', embedded.uri).toString();
    logger.info({ kind: embedded.kind }, 'started the embedded MongoDB');
  }
  const connection = mongoose.createConnection(mongoUri, {
    serverSelectionTimeoutMS: config.mongo.timeoutMs,
    socketTimeoutMS: config.mongo.timeoutMs * 2,
    // Fail fast while MongoDB is down instead of queueing operations behind a reconnect.
    bufferCommands: false,
  });
  cleanups.push(() => connection.close());
  await connection.asPromise();
  return connection;
}

/** FerretDB answers buildInfo with its own version next to the MongoDB one it emulates. */
export async function isFerretDb(connection: Connection): Promise<boolean> {
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info;
}
