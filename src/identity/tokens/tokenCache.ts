import { createHash } from 'node:crypto';
import type { AcsToken } from '../../acs/acsIdentityClient.js';
import { appUserKey, type AppUserRef } from '../appUser.js';
import type { CachedTokenModel } from './cachedTokenModel.js';
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
  /**
   * This process's own copy of recent entries, in front of the shared collection: a hit then costs no
   * database read. It is as safe as the shared one, since every hit is checked against the mapping,
   * which each request reads afresh and which a revoke or delete on any instance updates.
   */
  private readonly local = new Map<string, LocalEntry>();

  constructor(
    private readonly model: CachedTokenModel,
    private readonly cipher: TokenCipher,
    private readonly options: TokenCacheOptions,
  ) {}

  async get(lookup: CacheLookup): Promise<AcsToken | null> {
    const cacheKey = keyOf(lookup);
    const entry = this.local.get(cacheKey) ?? (await this.loadShared(cacheKey));
    if (!entry || entry.acsId !== lookup.acsId) return null;
    if (lookup.notIssuedBefore && entry.issuedAt <= lookup.notIssuedBefore) return null;
    if (entry.expiresOn.getTime() - Date.now() < this.options.minRemainingMs) return null;
    return { token: entry.token, expiresOn: entry.expiresOn };
  }

  private async loadShared(cacheKey: string): Promise<LocalEntry | null> {
    const stored = await this.model.findById(cacheKey).lean().exec();
    const token = stored && this.cipher.open(stored, cacheKey);
    if (!stored || token === null) return null;
    const entry = { acsId: stored.acsId, issuedAt: stored.issuedAt, expiresOn: stored.expiresOn, token, owner: appUserKey(stored) };
    this.remember(cacheKey, entry);
    return entry;
  }

  private remember(cacheKey: string, entry: LocalEntry): void {
    this.local.delete(cacheKey);
    this.local.set(cacheKey, entry);
    // Oldest first out: a Map iterates in insertion order.
    if (this.local.size > LOCAL_ENTRIES) this.local.delete(this.local.keys().next().value!);
  }

  async put(lookup: CacheLookup, token: AcsToken, issuedAt: Date): Promise<void> {
    const cacheKey = keyOf(lookup);
    this.remember(cacheKey, { acsId: lookup.acsId, issuedAt, expiresOn: token.expiresOn, token: token.token, owner: appUserKey(lookup.user) });
    const sealed = this.cipher.seal(token.token, cacheKey);
    const entry = { _id: cacheKey, ...lookup.user, acsId: lookup.acsId, issuedAt, expiresOn: token.expiresOn, ...sealed };
    // Replace, not upsert-merge: FerretDB v1 runs upserts as read-modify-write; a lost race only costs a later ACS call.
    await this.model.deleteOne({ _id: cacheKey }).exec();
    await this.model.create(entry).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 11000) throw error;
    });
  }

  async dropUser(user: AppUserRef): Promise<void> {
    // Local entries of this user go too; other instances' copies are refused by the mapping check.
    const owner = appUserKey(user);
    for (const [cacheKey, entry] of this.local) if (entry.owner === owner) this.local.delete(cacheKey);
    await this.model.deleteMany({ issuer: user.issuer, appUserId: user.appUserId }).exec();
  }
}

const LOCAL_ENTRIES = 10_000;

interface LocalEntry {
  acsId: string;
  issuedAt: Date;
  expiresOn: Date;
  token: string;
  owner: string;
}

function keyOf({ user, scopes, expiresInMinutes }: CacheLookup): string {
  const material = JSON.stringify([user.issuer, user.appUserId, [...scopes].sort(), expiresInMinutes]);
  return createHash('sha256').update(material).digest('base64url');
}
