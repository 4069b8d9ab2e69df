import { createHash } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { trusted } from 'mongoose';
import type { AcsToken } from '../../acs/acsIdentityClient.js';
import { appUserKey, type AppUserRef } from '../appUser.js';
import type { IdentityView } from '../views.js';
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
 * What an entry was last checked against: the revocation clock's value read before the mapping, and the identity
 * that mapping showed. While the clock still shows that value, no revoke or deletion has happened since on any
 * instance, so the entry is served with this identity and the mapping is not read.
 */
export interface CheckedAgainst {
  clock: string;
  identity: IdentityView & { tokensRevokedAt: Date | null };
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
  checked(entryOf: EntryName, clock: string): CheckedHit | null {
    return this.checkedByKey(cacheKeyOf(entryOf), clock);
  }

  /** Whether this process holds an entry of that name, checked or not. */
  holds(entryOf: EntryName): boolean {
    return this.local.has(cacheKeyOf(entryOf));
  }

  /**
   * The shared entry, when another instance stored it after checking it under this clock value: one read, and no
   * mapping read. Kept in this process either way, so the checks that follow need not read it again (see get).
   */
  async checkedShared(entryOf: EntryName, clock: string): Promise<CheckedHit | null> {
    const cacheKey = cacheKeyOf(entryOf);
    await this.loadShared(cacheKey);
    return this.checkedByKey(cacheKey, clock);
  }

  private checkedByKey(cacheKey: string, clock: string): CheckedHit | null {
    const entry = this.local.get(cacheKey);
    if (!entry?.checked || entry.checked.clock !== clock) return null;
    if (entry.expiresOn.getTime() - Date.now() < this.options.minRemainingMs) {
      this.local.delete(cacheKey); // too old to serve: it goes (the shared copy by the sweep)
      return null;
    }
    return { token: { token: entry.token, expiresOn: entry.expiresOn }, identity: entry.checked.identity };
  }

  /** Notes that this process's entry matches the mapping read after the clock showed `clock`. */
  markChecked(lookup: CacheLookup, checked: CheckedAgainst): void {
    const entry = this.local.get(cacheKeyOf(lookup));
    if (entry && matches(entry, lookup)) entry.checked = checked;
  }

  /** `sharedRead`: the shared entry was read for this request already (checkedShared), and is not read again. */
  async get(lookup: CacheLookup, { sharedRead = false } = {}): Promise<AcsToken | null> {
    const cacheKey = cacheKeyOf(lookup);
    const local = this.local.get(cacheKey);
    // A local copy older than the mapping may hide a newer entry another instance stored: the shared one is read.
    const entry = local && matches(local, lookup) ? local : sharedRead ? local : await this.loadShared(cacheKey);
    if (!entry || !matches(entry, lookup)) return null;
    if (entry.expiresOn.getTime() - Date.now() < this.options.minRemainingMs) return null;
    return { token: entry.token, expiresOn: entry.expiresOn };
  }

  private async loadShared(cacheKey: string): Promise<LocalEntry | null> {
    // A driver call by _id, as for mappings (see MappingStore).
    const stored = await this.model.collection.findOne<CachedTokenRecord>({ _id: cacheKey as never });
    if (!stored) return null;
    const checked = checkedOf(stored);
    // What the entry was checked against is sealed with the token: a changed identity or clock opens nothing.
    const token = this.cipher.open(stored, associatedData(cacheKey, stored.acsId, stored.revocations, checked));
    if (token === null) return null;
    // Entries stored before the count existed have none, and are never served.
    const entry: LocalEntry = { acsId: stored.acsId, revocations: stored.revocations ?? -1, expiresOn: stored.expiresOn, token, owner: appUserKey(stored), checked };
    this.remember(cacheKey, entry);
    return entry;
  }

  private remember(cacheKey: string, entry: LocalEntry): void {
    this.local.delete(cacheKey);
    this.local.set(cacheKey, entry);
    // Oldest first out: a Map iterates in insertion order.
    if (this.local.size > LOCAL_ENTRIES) this.local.delete(this.local.keys().next().value!);
  }

  /** `checked`: what the lookup was read under, when a clock was read before its mapping (not for a forced refresh). */
  async put(lookup: CacheLookup, token: AcsToken, checked?: CheckedAgainst): Promise<void> {
    const cacheKey = cacheKeyOf(lookup);
    const { acsId, revocations } = lookup;
    this.remember(cacheKey, { acsId, revocations, expiresOn: token.expiresOn, token: token.token, owner: appUserKey(lookup.user), checked });
    const sealed = this.cipher.seal(token.token, associatedData(cacheKey, acsId, revocations, checked));
    const entry = {
      _id: cacheKey,
      ...lookup.user,
      acsId,
      revocations,
      ...(checked && { checkedClock: checked.clock, createdAt: checked.identity.createdAt, tokensRevokedAt: checked.identity.tokensRevokedAt }),
      issuedAt: new Date(),
      expiresOn: token.expiresOn,
      ...sealed,
    };
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
  /** The revocation clock's value read before the mapping this entry was last found to match, and its identity. */
  checked?: CheckedAgainst;
}

export interface CheckedHit {
  token: AcsToken;
  identity: IdentityView;
}

/** Issued for the identity and under the revocation count the mapping shows now. */
const matches = (entry: LocalEntry, lookup: CacheLookup) => entry.acsId === lookup.acsId && entry.revocations === lookup.revocations;

/** A stored entry's check, when it was stored with one. */
function checkedOf(stored: CachedTokenRecord): CheckedAgainst | undefined {
  if (typeof stored.checkedClock !== 'string' || !(stored.createdAt instanceof Date)) return undefined;
  const identity = { id: stored.acsId, appUserId: stored.appUserId, createdAt: stored.createdAt, tokensRevokedAt: stored.tokensRevokedAt ?? null };
  return { clock: stored.checkedClock, identity };
}

/**
 * The entry's name, and for an entry stored with a check everything a hit then serves without reading the mapping:
 * bound to the sealed token, so that none of it can be changed in the database without the token failing to open.
 * Entries stored without a check keep the name alone (and are served only after a mapping read).
 */
function associatedData(cacheKey: string, acsId: string, revocations: number | null | undefined, checked: CheckedAgainst | undefined): string {
  if (!checked) return cacheKey;
  const { clock, identity } = checked;
  return JSON.stringify([cacheKey, acsId, revocations, clock, identity.appUserId, identity.createdAt.toISOString(), identity.tokensRevokedAt?.toISOString() ?? null]);
}

/** What names an entry. */
export type EntryName = Pick<CacheLookup, 'user' | 'scopes' | 'expiresInMinutes'>;

/** The entry a lookup names: issuer, app user, scopes (in any order) and lifetime, hashed. */
export function cacheKeyOf({ user, scopes, expiresInMinutes }: EntryName): string {
  const material = JSON.stringify([user.issuer, user.appUserId, [...scopes].sort(), expiresInMinutes]);
  return createHash('sha256').update(material).digest('base64url');
}
