import type { AcsIdentityClient } from '../../acs/acsIdentityClient.js';
import type { AppUserRef } from '../appUser.js';
import type { MappingStore } from '../mapping/mappingStore.js';
import type { TokenRequest } from '../tokenRequest.js';
import { toTokenView, toView, type IssuedToken } from '../views.js';
import type { CacheLookup, TokenCache } from './tokenCache.js';
import type { TokenSource } from './tokenSource.js';

/**
 * TOKEN_CACHE on: a still-valid token (same user, scopes and lifetime) is served instead of calling ACS, to spare
 * ACS's rate limits when many clients reconnect at once. The mapping is read every time, so that a revoke made on
 * any instance is honoured at once.
 */
export class CachedTokens implements TokenSource {
  constructor(
    private readonly acs: AcsIdentityClient,
    private readonly mappings: MappingStore,
    private readonly cache: TokenCache,
  ) {}

  async issue(user: AppUserRef, request: TokenRequest, { forceRefresh }: { forceRefresh: boolean }): Promise<IssuedToken> {
    const mapping = await this.mappings.requireActive(user);
    const lookup: CacheLookup = {
      user,
      acsId: mapping.acsId,
      scopes: request.acsScopes,
      expiresInMinutes: request.expiresInMinutes,
      revocations: mapping.revocations ?? 0,
    };
    const cached = forceRefresh ? null : await this.cache.get(lookup);
    if (cached) return { identity: toView(mapping), accessToken: toTokenView(cached, request) };

    // Stored under the revocation count read before ACS was asked: a revoke racing this call leaves the mapping
    // with a higher count, and the entry is never served.
    const token = await this.acs.getToken(mapping.acsId, request.acsScopes, request.expiresInMinutes);
    await this.cache.put(lookup, token);
    return { identity: toView(mapping), accessToken: toTokenView(token, request) };
  }

  forget(user: AppUserRef): Promise<void> {
    return this.cache.dropUser(user);
  }
}
