/**
 * ONE MongoDB for the whole jest run, started from jest's globalSetup (see globalSetup.mjs).
 * Its URI reaches the workers through process.env: they are forked after globalSetup runs.
 * MONGODB_URI wins when set, so CI can point the suite at a real server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedMongo } from '../../src/local/embeddedMongo/index.js';
import { TEST_MONGODB_URI_ENV } from './mongo.js';
import { suiteState } from './suiteState.js';

export async function startSuiteMongo(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env[TEST_MONGODB_URI_ENV] = process.env.MONGODB_URI;
    process.env.TEST_MONGODB_KIND = 'external';
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'acs-gw-test-mongo-'));
  // Jest shows nothing else from globalSetup; keep the one-time build visible.
  const mongo = await startEmbeddedMongo({ dataDir, log: (msg) => process.stderr.write(`[test mongo] ${msg}\n`) });
  suiteState.set({ mongo, dataDir });
  process.env[TEST_MONGODB_URI_ENV] = mongo.uri;
  process.env.TEST_MONGODB_KIND = mongo.kind;
}

export async function stopSuiteMongo(): Promise<void> {
  const state = suiteState.take();
  if (!state) return;
  await state.mongo.stop();
  await rm(state.dataDir, { recursive: true, force: true });
}
