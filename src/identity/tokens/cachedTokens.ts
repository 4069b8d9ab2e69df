import type { AcsIdentityClient, AcsToken } from '../../acs/acsIdentityClient.js';
import type { AppUserRef } from '../appUser.js';
import type { MappingStore } from '../mapping/mappingStore.js';
import type { TokenRequest } from '../tokenRequest.js';
import { toTokenView, toView, type IssuedToken } from '../views.js';
import { leaseIdOf, type CacheLookup, type CheckedAgainst, type TokenCache } from './tokenCache.js';
import type { RevocationClock } from './revocationClock.js';
import type { TokenSource } from './tokenSource.js';

/**
 * How a cached-token request was served: `local` (this process's entry, checked under the current revocation
 * clock), `shared` (an entry another instance stored and checked under it), `mapping` (an entry, after reading the
 * mapping because the clock had moved), `miss` (ACS asked, by this instance or another) or `refresh` (forceRefresh).
 */
export type TokenCacheResult = 'local' | 'shared' | 'mapping' | 'miss' | 'refresh';

/**
 * TOKEN_CACHE on: a still-valid token (same user, scopes and lifetime) is served instead of calling ACS, to spare
 * ACS's rate limits when many clients reconnect at once. A revoke made on any instance is honoured at once: a hit
 * is served without reading the mapping only while the revocation clock shows no revoke or deletion since its entry
 * was last checked against the mapping, by this instance or the one that stored it; otherwise the mapping is read.
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
    private readonly onLookup: (result: TokenCacheResult) => void = () => {},
  ) {}

  async issue(user: AppUserRef, request: TokenRequest, { forceRefresh }: { forceRefresh: boolean }): Promise<IssuedToken> {
    const name = { user, scopes: request.acsScopes, expiresInMinutes: request.expiresInMinutes };
    // Read before the mapping: a revoke whose clock move this read misses is one the mapping read below sees.
    const clock = forceRefresh ? null : await this.clock.now();
    // This process's entry, else the shared one, when checked under this clock value: no mapping read. The shared
    // one is read only when this process holds no entry of that name (its own copy is the newer).
    const local = clock === null ? null : this.cache.checked(name, clock);
    const sharedRead = clock !== null && !local && !this.cache.holds(name);
    const hit = local ?? (sharedRead ? await this.cache.checkedShared(name, clock) : null);
    if (hit) {
      this.onLookup(local ? 'local' : 'shared');
      return { identity: hit.identity, accessToken: toTokenView(hit.token, request) };
    }
    const mapping = await this.mappings.requireActive(user);
    const lookup: CacheLookup = { ...name, acsId: mapping.acsId, revocations: mapping.revocations ?? 0 };
    // What a hit on another instance serves without reading the mapping (none without a clock, or a creation time).
    const checked = clock === null || !(mapping.createdAt instanceof Date) ? undefined : { clock, identity: { ...toView(mapping), tokensRevokedAt: mapping.tokensRevokedAt ?? null } };
    const cached = forceRefresh ? null : await this.cache.get(lookup, { sharedRead });
    // A forced refresh asks ACS itself, and others do not wait for it.
    const token = cached ?? (forceRefresh ? await this.fetch(lookup, request) : await this.shared(lookup, request, checked));
    if (checked) this.cache.markChecked(lookup, checked);
    this.onLookup(forceRefresh ? 'refresh' : cached ? 'mapping' : 'miss');
    return { identity: toView(mapping), accessToken: toTokenView(token, request) };
  }

  /** After a revoke or deletion has updated the mapping: every instance checks its entries against it again. */
  async forget(user: AppUserRef): Promise<void> {
    await this.clock.advance();
    await this.cache.dropUser(user);
  }

  /** The call under way for this entry (see leaseIdOf), or a new one. */
  private shared(lookup: CacheLookup, request: TokenRequest, checked: CheckedAgainst | undefined): Promise<AcsToken> {
    const key = leaseIdOf(lookup);
    const under = this.inFlight.get(key);
    if (under) return under;
    const call = this.fetchOnce(lookup, request, checked).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, call);
    return call;
  }

  /** One instance asks ACS; the others wait for the entry it stores, or ask ACS themselves if none comes. */
  private async fetchOnce(lookup: CacheLookup, request: TokenRequest, checked: CheckedAgainst | undefined): Promise<AcsToken> {
    const claim = await this.cache.claim(lookup);
    if (!claim) return (await this.cache.awaitClaimed(lookup)) ?? this.fetch(lookup, request, checked);
    try {
      // Another instance may have stored it and let go of its claim between our miss and our claim.
      return (await this.cache.get(lookup)) ?? (await this.fetch(lookup, request, checked));
    } finally {
      await this.cache.release(claim).catch(() => undefined); // a claim left behind lapses by itself
    }
  }

  /**
   * Stored under the revocation count read before ACS was asked: a revoke racing this call leaves the mapping
   * with a higher count, and the entry is never served. With `checked`, the clock value read before that mapping:
   * a revoke racing this call moves the clock, so no instance serves the entry without reading the mapping.
   */
  private async fetch(lookup: CacheLookup, request: TokenRequest, checked?: CheckedAgainst): Promise<AcsToken> {
    const token = await this.acs.getToken(lookup.acsId, request.acsScopes, request.expiresInMinutes);
    await this.cache.put(lookup, token, checked);
    return token;
  }
}
