import type { AcsIdentityClient } from '../../acs/acsIdentityClient.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import type { AppUserRef } from '../appUser.js';
import type { MappingStore } from '../mapping/mappingStore.js';
import type { TokenRequest } from '../tokenRequest.js';
import { toTokenView, toView, type IssuedToken } from '../views.js';
import type { RecentMappings } from './recentMappings.js';
import type { TokenSource } from './tokenSource.js';

/**
 * TOKEN_CACHE off: every token comes from ACS. A mapping read in the last MAPPING_CACHE_SECONDS serves (null:
 * read it every time): ACS refuses a token for an identity deleted since (404), and then the mapping is read
 * afresh. Two things another instance may have changed meanwhile are not taken from it: tokensRevokedAt is read
 * only if the client asks for it, and a deletion still under way (ACS not yet told) can let tokens out for that
 * long, which die with the identity.
 */
export class FreshTokens implements TokenSource {
  constructor(
    private readonly acs: AcsIdentityClient,
    private readonly mappings: MappingStore,
    private readonly recent: RecentMappings | null,
  ) {}

  async issue(user: AppUserRef, request: TokenRequest): Promise<IssuedToken> {
    const recent = this.recent?.get(user);
    if (recent) {
      try {
        const token = await this.acs.getToken(recent.acsId!, request.acsScopes, request.expiresInMinutes);
        const identity = { ...toView(recent), tokensRevokedAt: this.lazyTokensRevokedAt(user) };
        return { identity, accessToken: toTokenView(token, request) };
      } catch (error) {
        if (!(error instanceof GatewayError && error.code === ErrorCode.IDENTITY_NOT_FOUND)) throw error;
        this.recent!.forget(user);
      }
    }
    const mapping = await this.mappings.requireActive(user);
    const token = await this.acs.getToken(mapping.acsId, request.acsScopes, request.expiresInMinutes);
    // Only once ACS accepted it: an identity ACS refuses is read afresh every time.
    this.recent?.remember(mapping);
    return { identity: toView(mapping), accessToken: toTokenView(token, request) };
  }

  async forget(user: AppUserRef): Promise<void> {
    this.recent?.forget(user);
  }

  /** A promise read only when awaited, so a response that does not select the field costs no database read. */
  private lazyTokensRevokedAt(user: AppUserRef): Promise<Date | null> {
    let read: Promise<Date | null> | undefined;
    const load = () => (read ??= this.mappings.find(user).then((mapping) => mapping?.tokensRevokedAt ?? null));
    return { then: (onFulfilled, onRejected) => load().then(onFulfilled, onRejected) } as Promise<Date | null>;
  }
}
