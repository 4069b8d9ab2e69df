import type { AcsIdentityClient } from '../acs/acsIdentityClient.js';
import type { GatewayConfig } from '../config/config.js';
import type { MappingStore } from '../identity/mapping/mappingStore.js';
import type { CachedTokenModel } from '../identity/tokens/cachedTokenModel.js';
import { CachedTokens, type TokenCacheResult } from '../identity/tokens/cachedTokens.js';
import { FreshTokens } from '../identity/tokens/freshTokens.js';
import { RecentMappings } from '../identity/tokens/recentMappings.js';
import { RevocationClock } from '../identity/tokens/revocationClock.js';
import { TokenCache } from '../identity/tokens/tokenCache.js';
import { TokenCipher } from '../identity/tokens/tokenCipher.js';
import type { TokenSource } from '../identity/tokens/tokenSource.js';
import { loadLocalStack } from './localStack.js';

/** The configured token strategy: the encrypted token cache (TOKEN_CACHE), or fresh tokens with recently read mappings. */
export async function tokenSourceFor(
  config: GatewayConfig,
  acs: AcsIdentityClient,
  mappings: MappingStore,
  model: CachedTokenModel,
  onLookup?: (result: TokenCacheResult) => void,
): Promise<TokenSource> {
  const strategy = config.tokens;
  if (strategy.kind === 'recentMappings') {
    return new FreshTokens(acs, mappings, strategy.seconds > 0 ? new RecentMappings(strategy) : null);
  }
  // Outside production without TOKEN_CACHE_KEYS: a generated key kept in DATA_DIR.
  const keys = strategy.keys ?? [await (await loadLocalStack(config.production, 'a development cache key')).loadDevCacheKey(config.dataDir)];
  const cache = new TokenCache(model, new TokenCipher(keys), { minRemainingMs: strategy.minRemainingMinutes * 60_000 });
  return new CachedTokens(acs, mappings, cache, new RevocationClock(model.db), onLookup);
}
