import type { GatewayConfig } from '../config/config.js';
import type { CachedTokenModel } from '../models/cachedToken.js';
import { loadLocalStack } from './localStack.js';
import { TokenCache } from '../tokenCache/tokenCache.js';
import { TokenCipher } from '../tokenCache/tokenCipher.js';

/** The token cache when TOKEN_CACHE is on; outside production without keys, a generated key kept in DATA_DIR. */
export async function tokenCacheFor(config: GatewayConfig, model: CachedTokenModel): Promise<TokenCache | null> {
  if (!config.tokenCache) return null;
  const keys = config.tokenCache.keys ?? [await (await loadLocalStack(config.production, 'a development cache key')).loadDevCacheKey(config.dataDir)];
  return new TokenCache(model, new TokenCipher(keys), { minRemainingMs: config.tokenCache.minRemainingMinutes * 60_000 });
}
