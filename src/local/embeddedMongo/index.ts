import { join } from 'node:path';
import { startFerretDb } from './ferretdbServer.js';
import { probeMemoryServer, startMemoryServer } from './memoryServer.js';
import type { EmbeddedLog, EmbeddedMongo, StartEmbeddedMongoOptions } from './types.js';

export { ensureFerretDbBinary, ferretDbPaths } from './ferretdbBinary.js';
export { startFerretDb } from './ferretdbServer.js';
export { probeMemoryServer, startMemoryServer } from './memoryServer.js';
export type { MemoryServerProbe } from './memoryServer.js';
export { findRepoRoot } from './repoRoot.js';
export type { EmbeddedLog, EmbeddedMongo, StartEmbeddedMongoOptions } from './types.js';

/**
 * Starts a local MongoDB-compatible server for when MONGODB_URI is not set:
 * mongodb-memory-server when a mongod can be had (found fast, offline included),
 * otherwise FerretDB v1.24 with SQLite, built once with go install.
 * Data lives under dataDir, so it survives restarts. FerretDB v1 has no TTL indexes and
 * no transactions: nothing that must work on both may depend on those.
 */
export async function startEmbeddedMongo(opts: StartEmbeddedMongoOptions): Promise<EmbeddedMongo> {
  const log = opts.log ?? (() => {});
  const tried: string[] = [];

  const tryMemoryServer = async (): Promise<EmbeddedMongo | undefined> => {
    const probe = await probeMemoryServer();
    if (!probe.available) {
      tried.push(`mongodb-memory-server: ${probe.detail}`);
      return undefined;
    }
    if (probe.how === 'download') log(`Downloading mongod for mongodb-memory-server from ${probe.detail}…`);
    try {
      return await startMemoryServer({ dataDir: join(opts.dataDir, 'mongod'), systemBinary: probe.systemBinary, log });
    } catch (err) {
      tried.push(`mongodb-memory-server (${probe.how}): ${errorMessage(err)}`);
      log(`mongodb-memory-server failed (${errorMessage(err)}); trying FerretDB.`);
      return undefined;
    }
  };

  const tryFerretDb = async (): Promise<EmbeddedMongo | undefined> => {
    try {
      return await startFerretDb({ dataDir: join(opts.dataDir, 'ferretdb'), log });
    } catch (err) {
      tried.push(`FerretDB: ${errorMessage(err)}`);
      return undefined;
    }
  };

  const order = opts.preferMemoryServer === false ? [tryFerretDb, tryMemoryServer] : [tryMemoryServer, tryFerretDb];
  for (const attempt of order) {
    const server = await attempt();
    if (server) {
      log(`Embedded MongoDB (${server.kind}) listening at ${server.uri}`);
      return server;
    }
  }
  throw new Error(
    'No MongoDB available. Set MONGODB_URI to a MongoDB connection string (e.g. mongodb://localhost:27017/acs-identity), ' +
      'or make an embedded one possible: a mongod binary (MONGOMS_SYSTEM_BINARY or network access for mongodb-memory-server), ' +
      'or Go 1.24+ to build FerretDB. Tried:\n' +
      tried.map((t) => `  - ${t}`).join('\n'),
  );
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

