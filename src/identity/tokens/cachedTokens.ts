import type { AcsIdentityClient, AcsToken } from '../../acs/acsIdentityClient.js';
import type { AppUserRef } from '../appUser.js';
import type { MappingStore } from '../mapping/mappingStore.js';
import type { TokenRequest } from '../tokenRequest.js';
import { toTokenView, toView, type IssuedToken } from '../views.js';
import { leaseIdOf, type CacheLookup, type TokenCache } from './tokenCache.js';
import type { RevocationClock } from './revocationClock.js';
import type { TokenSource } from './tokenSource.js';

/**
 * TOKEN_CACHE on: a still-valid token (same user, scopes and lifetime) is served instead of calling ACS, to spare
 * ACS's rate limits when many clients reconnect at once. A revoke made on any instance is honoured at once: a hit
 * is served from this process only while the revocation clock shows no revoke or deletion since its entry was last
 * checked against the mapping; otherwise the mapping is read.
 */
export class CachedTokens implements TokenSource {
  /**
   * ACS calls under way, by cache entry and the mapping's identity and revocation count: requests that miss the
   * cache while one is under way wait for it instead of calling ACS too (in a reconnect storm, a user's devices
   * ask at once). Across instances a claim in the shared collection does the same (see TokenCache.claim).
   * Written by hand: a map of promises, emptied as each call settles.
   */
  private readonly inFlight = new Map<string, Promise<AcsToken>>();

  constructor(
    private readonly acs: AcsIdentityClient,
    private readonly mappings: MappingStore,
    private readonly cache: TokenCache,
    private readonly clock: RevocationClock,
  ) {}

  async issue(user: AppUserRef, request: TokenRequest, { forceRefresh }: { forceRefresh: boolean }): Promise<IssuedToken> {
    const name = { user, scopes: request.acsScopes, expiresInMinutes: request.expiresInMinutes };
    // Read before the mapping: a revoke whose clock move this read misses is one the mapping read below sees.
    const clock = forceRefresh ? null : await this.clock.now();
    const hit = clock === null ? null : this.cache.checked(name, clock);
    if (hit) return { identity: toView(hit.mapping), accessToken: toTokenView(hit.token, request) };
    const mapping = await this.mappings.requireActive(user);
    const lookup: CacheLookup = { ...name, acsId: mapping.acsId, revocations: mapping.revocations ?? 0 };
    const cached = forceRefresh ? null : await this.cache.get(lookup);
    // A forced refresh asks ACS itself, and others do not wait for it.
    const token = cached ?? (forceRefresh ? await this.fetch(lookup, request) : await this.shared(lookup, request));
    if (clock !== null) this.cache.markChecked(lookup, clock, mapping);
    return { identity: toView(mapping), accessToken: toTokenView(token, request) };
  }

  /** After a revoke or deletion has updated the mapping: every instance checks its entries against it again. */
  async forget(user: AppUserRef): Promise<void> {
    await this.clock.advance();
    await this.cache.dropUser(user);
  }

  /** The call under way for this entry (see leaseIdOf), or a new one. */
  private shared(lookup: CacheLookup, request: TokenRequest): Promise<AcsToken> {
    const key = leaseIdOf(lookup);
    const under = this.inFlight.get(key);
    if (under) return under;
    const call = this.fetchOnce(lookup, request).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, call);
    return call;
  }

  /** One instance asks ACS; the others wait for the entry it stores, or ask ACS themselves if none comes. */
  private async fetchOnce(lookup: CacheLookup, request: TokenRequest): Promise<AcsToken> {
    const claim = await this.cache.claim(lookup);
    if (!claim) return (await this.cache.awaitClaimed(lookup)) ?? this.fetch(lookup, request);
    try {
      // Another instance may have stored it and let go of its claim between our miss and our claim.
      return (await this.cache.get(lookup)) ?? (await this.fetch(lookup, request));
    } finally {
      await this.cache.release(claim).catch(() => undefined); // a claim left behind lapses by itself
    }
  }

  /**
   * Stored under the revocation count read before ACS was asked: a revoke racing this call leaves the mapping
   * with a higher count, and the entry is never served.
   */
  private async fetch(lookup: CacheLookup, request: TokenRequest): Promise<AcsToken> {
    const token = await this.acs.getToken(lookup.acsId, request.acsScopes, request.expiresInMinutes);
    await this.cache.put(lookup, token);
    return token;
  }
}
