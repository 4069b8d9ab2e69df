import { createHash } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { trusted } from 'mongoose';
import type { AcsToken } from '../../acs/acsIdentityClient.js';
import { appUserKey, type AppUserRef } from '../appUser.js';
import type { IdentityMapping } from '../mapping/identityMappingModel.js';
import type { CachedTokenModel, CachedTokenRecord } from './cachedTokenModel.js';
import type { TokenCipher } from './tokenCipher.js';

export interface TokenCacheOptions {
  /** A cached token is served only while at least this much of its lifetime is left. */
  minRemainingMs: number;
}

/** The collection of claims on an entry's ACS call, one document per entry with a call under way. */
export const TOKEN_LEASES = 'token_leases';

export interface CacheLookup {
  user: AppUserRef;
  acsId: string;
  scopes: readonly string[];
  expiresInMinutes: number;
  /**
   * The mapping's revocation count, read before ACS was asked: an entry is served only while the mapping still
   * has the count it was stored under. A counter, not a time, so that no two machines' clocks need agree.
   */
  revocations: number;
}

/**
 * Reuses still-valid tokens instead of calling ACS, to spare ACS's rate limits in reconnect storms.
 * Safe across instances: every entry is checked against the mapping's revocation count, which a revoke
 * or delete on any instance increments before it drops the entries; a local entry checked since the
 * revocation clock last moved needs no new check (see RevocationClock).
 */
export class TokenCache {
  /**
   * This process's own copy of recent entries, in front of the shared collection: a hit then costs no
   * read of the collection. It is as safe as the shared one, since every hit is checked against the mapping,
   * read afresh unless the revocation clock shows that no revoke or delete happened since the last check.
   */
  private readonly local = new Map<string, LocalEntry>();

  constructor(
    private readonly model: CachedTokenModel,
    private readonly cipher: TokenCipher,
    private readonly options: TokenCacheOptions,
  ) {}

  /**
   * This process's entry, when it was last checked against the mapping under this revocation clock value (see
   * RevocationClock): no revoke or deletion has happened since on any instance, so the mapping need not be read.
   */
  checked(entryOf: EntryName, clock: string): { token: AcsToken; mapping: IdentityMapping } | null {
    const cacheKey = cacheKeyOf(entryOf);
    const entry = this.local.get(cacheKey);
    if (!entry?.checked || entry.checked.clock !== clock) return null;
    if (entry.expiresOn.getTime() - Date.now() < this.options.minRemainingMs) {
      this.local.delete(cacheKey); // too old to serve: it goes (the shared copy by TTL or the sweep)
      return null;
    }
    return { token: { token: entry.token, expiresOn: entry.expiresOn }, mapping: entry.checked.mapping };
  }

  /** Notes that this process's entry matches the mapping read after the clock showed `clock`. */
  markChecked(lookup: CacheLookup, clock: string, mapping: IdentityMapping): void {
    const entry = this.local.get(cacheKeyOf(lookup));
    if (entry && entry.acsId === lookup.acsId && entry.revocations === lookup.revocations) entry.checked = { clock, mapping };
  }

  async get(lookup: CacheLookup): Promise<AcsToken | null> {
    const cacheKey = cacheKeyOf(lookup);
    const entry = this.local.get(cacheKey) ?? (await this.loadShared(cacheKey));
    if (!entry || entry.acsId !== lookup.acsId) return null;
    if (entry.revocations !== lookup.revocations) return null;
    if (entry.expiresOn.getTime() - Date.now() < this.options.minRemainingMs) return null;
    return { token: entry.token, expiresOn: entry.expiresOn };
  }

  private async loadShared(cacheKey: string): Promise<LocalEntry | null> {
    // A driver call by _id, as for mappings (see MappingStore).
    const stored = await this.model.collection.findOne<CachedTokenRecord>({ _id: cacheKey as never });
    const token = stored && this.cipher.open(stored, cacheKey);
    if (!stored || token === null) return null;
    // Entries stored before the count existed have none, and are never served.
    const entry = { acsId: stored.acsId, revocations: stored.revocations ?? -1, expiresOn: stored.expiresOn, token, owner: appUserKey(stored) };
    this.remember(cacheKey, entry);
    return entry;
  }

  private remember(cacheKey: string, entry: LocalEntry): void {
    this.local.delete(cacheKey);
    this.local.set(cacheKey, entry);
    // Oldest first out: a Map iterates in insertion order.
    if (this.local.size > LOCAL_ENTRIES) this.local.delete(this.local.keys().next().value!);
  }

  async put(lookup: CacheLookup, token: AcsToken): Promise<void> {
    const cacheKey = cacheKeyOf(lookup);
    const { acsId, revocations } = lookup;
    this.remember(cacheKey, { acsId, revocations, expiresOn: token.expiresOn, token: token.token, owner: appUserKey(lookup.user) });
    const sealed = this.cipher.seal(token.token, cacheKey);
    const entry = { _id: cacheKey, ...lookup.user, acsId, revocations, issuedAt: new Date(), expiresOn: token.expiresOn, ...sealed };
    // Replace, not upsert-merge: the embedded database runs upserts as read-modify-write; a lost race only costs a later ACS call.
    await this.model.deleteOne({ _id: cacheKey }).exec();
    await this.model.create(entry).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 11000) throw error;
    });
  }

  /**
   * Claims the ACS call for this entry across instances: the claim to release, or null when another instance
   * holds it. A claim is a document keyed as the in-process single flight; one left by a crashed holder is
   * taken over once its `until` has passed (and swept like expired tokens).
   */
  async claim(lookup: CacheLookup): Promise<Claim | null> {
    const leases = this.model.db.collection<{ _id: string; until: Date }>(TOKEN_LEASES);
    const _id = leaseIdOf(lookup);
    const until = new Date(Date.now() + LEASE_MS);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await leases.insertOne({ _id, until });
        return { _id, until };
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      // Held: by a live instance, or by one that died before releasing it.
      const stale = await leases.deleteOne({ _id, until: trusted({ $lte: new Date() }) });
      if (stale.deletedCount === 0) return null;
    }
    return null;
  }

  /** Ends a claim, unless it lapsed and another instance took it over. */
  release(claim: Claim): Promise<unknown> {
    return this.model.db.collection<Claim>(TOKEN_LEASES).deleteOne({ _id: claim._id, until: claim.until });
  }

  /**
   * The entry another instance is fetching, once it is stored; null if the claim ends (or its time runs out)
   * without one, and the caller then asks ACS itself.
   */
  async awaitClaimed(lookup: CacheLookup): Promise<AcsToken | null> {
    const leases = this.model.db.collection<{ _id: string }>(TOKEN_LEASES);
    const deadline = Date.now() + LEASE_MS;
    const cacheKey = cacheKeyOf(lookup);
    // Backing off: under load the other call takes longer, and each look costs two reads.
    for (let wait = FIRST_LEASE_POLL_MS; Date.now() < deadline; wait = Math.min(wait * 2, MAX_LEASE_POLL_MS)) {
      await setTimeout(wait);
      this.local.delete(cacheKey); // the shared collection is what the other instance writes
      const token = await this.get(lookup);
      if (token) return token;
      if (!(await leases.findOne({ _id: leaseIdOf(lookup) }))) return this.get(lookup);
    }
    return null;
  }

  async dropUser(user: AppUserRef): Promise<void> {
    // Local entries of this user go too; other instances' copies are refused by the mapping check.
    const owner = appUserKey(user);
    for (const [cacheKey, entry] of this.local) if (entry.owner === owner) this.local.delete(cacheKey);
    await this.model.deleteMany({ issuer: user.issuer, appUserId: user.appUserId }).exec();
  }
}

const LOCAL_ENTRIES = 10_000;
/** How long a claim holds, about twice a slow ACS call: a waiting instance then asks ACS itself. */
const LEASE_MS = 3_000;
/** A waiting instance first looks for the entry after this, then less and less often. */
const FIRST_LEASE_POLL_MS = 25;
const MAX_LEASE_POLL_MS = 200;

export interface Claim {
  _id: string;
  until: Date;
}

/**
 * An ACS call's key: the entry, and the mapping's identity and revocation count read before the call, so a
 * request that read the mapping after a revoke never waits for a call begun before it.
 */
export const leaseIdOf = (lookup: CacheLookup) => `${cacheKeyOf(lookup)} ${lookup.acsId} ${lookup.revocations}`;

interface LocalEntry {
  acsId: string;
  revocations: number;
  expiresOn: Date;
  token: string;
  owner: string;
  /** The revocation clock's value read before the mapping this entry was last found to match. */
  checked?: { clock: string; mapping: IdentityMapping };
}

/** What names an entry. */
export type EntryName = Pick<CacheLookup, 'user' | 'scopes' | 'expiresInMinutes'>;

/** The entry a lookup names: issuer, app user, scopes (in any order) and lifetime, hashed. */
export function cacheKeyOf({ user, scopes, expiresInMinutes }: EntryName): string {
  const material = JSON.stringify([user.issuer, user.appUserId, [...scopes].sort(), expiresInMinutes]);
  return createHash('sha256').update(material).digest('base64url');
}
