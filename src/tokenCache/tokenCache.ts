import { createHash } from 'node:crypto';
import type { AcsToken } from '../acs/acsIdentityClient.js';
import type { CachedTokenModel } from '../models/cachedToken.js';
import type { AppUserRef } from '../services/accessPolicy.js';
import type { TokenCipher } from './tokenCipher.js';

export interface TokenCacheOptions {
  /** A cached token is served only while at least this much of its lifetime is left. */
  minRemainingMs: number;
}

export interface CacheLookup {
  user: AppUserRef;
  acsId: string;
  scopes: readonly string[];
  expiresInMinutes: number;
  /** Tokens issued before this are never served: a revoke on any instance sets it on the mapping. */
  notIssuedBefore: Date | null;
}

/**
 * Reuses still-valid tokens instead of calling ACS, to spare ACS's rate limits in reconnect storms.
 * Safe across instances: every read is checked against the mapping's revocation time, which a revoke
 * or delete on any instance updates before it drops the entries.
 */
export class TokenCache {
  constructor(
    private readonly model: CachedTokenModel,
    private readonly cipher: TokenCipher,
    private readonly options: TokenCacheOptions,
  ) {}

  async get(lookup: CacheLookup): Promise<AcsToken | null> {
    const cacheKey = keyOf(lookup);
    const entry = await this.model.findById(cacheKey).lean().exec();
    if (!entry || entry.acsId !== lookup.acsId) return null;
    if (lookup.notIssuedBefore && entry.issuedAt <= lookup.notIssuedBefore) return null;
    if (entry.expiresOn.getTime() - Date.now() < this.options.minRemainingMs) return null;
    const token = this.cipher.open(entry, cacheKey);
    return token === null ? null : { token, expiresOn: entry.expiresOn };
  }

  async put(lookup: CacheLookup, token: AcsToken, issuedAt: Date): Promise<void> {
    const cacheKey = keyOf(lookup);
    const sealed = this.cipher.seal(token.token, cacheKey);
    const entry = { _id: cacheKey, ...lookup.user, acsId: lookup.acsId, issuedAt, expiresOn: token.expiresOn, ...sealed };
    // Replace, not upsert-merge: FerretDB v1 runs upserts as read-modify-write; a lost race only costs a later ACS call.
    await this.model.deleteOne({ _id: cacheKey }).exec();
    await this.model.create(entry).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 11000) throw error;
    });
  }

  async dropUser(user: AppUserRef): Promise<void> {
    await this.model.deleteMany({ issuer: user.issuer, appUserId: user.appUserId }).exec();
  }
}

function keyOf({ user, scopes, expiresInMinutes }: CacheLookup): string {
  const material = JSON.stringify([user.issuer, user.appUserId, [...scopes].sort(), expiresInMinutes]);
  return createHash('sha256').update(material).digest('base64url');
}
