import { LRUCache } from 'lru-cache';
import { appUserKey, type AppUserRef } from '../appUser.js';
import type { IdentityMapping } from '../mapping/identityMappingModel.js';

export interface RecentMappingsOptions {
  /** How long a mapping read from MongoDB is reused. */
  seconds: number;
  maxEntries: number;
}

/**
 * Active mappings this instance read lately, so that issuing a token without the token cache need not read the
 * mapping again. Safe because ACS has the last word: it refuses a token for an identity deleted since (404), and
 * the caller then reads the mapping afresh. What else can change on another instance (tokensRevokedAt, or a
 * deletion still under way) is not trusted from here; see FreshTokens.
 */
export class RecentMappings {
  private readonly entries: LRUCache<string, IdentityMapping>;

  constructor(options: RecentMappingsOptions) {
    this.entries = new LRUCache({ max: options.maxEntries, ttl: options.seconds * 1000 });
  }

  get(user: AppUserRef): IdentityMapping | undefined {
    return this.entries.get(appUserKey(user));
  }

  remember(mapping: IdentityMapping): void {
    if (mapping.state === 'active') this.entries.set(mapping._id, mapping);
  }

  forget(user: AppUserRef): void {
    this.entries.delete(appUserKey(user));
  }
}
