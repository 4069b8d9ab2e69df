import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readOrCreateFile } from './readOrCreateFile.js';
import type { CacheKey } from '../config/tokens.js';

/** Outside production, a cache key generated once and kept in the data folder (production must configure one). */
export async function loadDevCacheKey(dataDir: string): Promise<CacheKey> {
  const text = await readOrCreateFile(path.join(dataDir, 'token-cache', 'key.json'), () =>
    JSON.stringify({ id: `dev-${Date.now().toString(36)}`, key: randomBytes(32).toString('base64') }),
  );
  const { id, key } = JSON.parse(text) as { id: string; key: string };
  return { id, key: Buffer.from(key, 'base64') };
}
