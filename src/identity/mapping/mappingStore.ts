import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { mongo, trusted, type UpdateQuery } from 'mongoose';
import { ErrorCode, GatewayError } from '../../errors.js';
import { appUserKey, type AppUserRef } from '../appUser.js';
import type { IdentityMapping, IdentityMappingModel } from './identityMappingModel.js';

export type Reservation =
  | { reserved: true; mapping: IdentityMapping; reservationId: string }
  | { reserved: false; mapping: IdentityMapping };

const DUPLICATE_KEY = 11000;
/** Waiting requests poll with backoff, so a crowd of them cannot starve the one doing the work. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

/**
 * A condition on a mapping's state: as a MongoDB filter, and as the same test in code. The connection sanitizes
 * every filter (sanitizeFilter), so the gateway's own operators are marked trusted() here, where they are written.
 */
interface StateCondition {
  filter: Record<string, unknown>;
  holds(mapping: IdentityMapping): boolean;
}

const isState = (state: IdentityMapping['state']): StateCondition => ({ filter: { state }, holds: (m) => m.state === state });
const pendingOwnedBy = (reservationId: string): StateCondition => ({
  filter: { state: 'pending', reservationId },
  holds: (m) => m.state === 'pending' && m.reservationId === reservationId,
});
const pendingUnowned: StateCondition = {
  filter: { state: 'pending', reservationId: trusted({ $exists: false }) },
  holds: (m) => m.state === 'pending' && !m.reservationId,
};
/** Still pending under the same reservation, or still abandoned: nobody took it over since it was read. */
const unchangedPending = (mapping: IdentityMapping): StateCondition => ({
  filter: { state: 'pending', reservationId: mapping.reservationId ?? trusted({ $exists: false }) },
  holds: (m) => m.state === 'pending' && (m.reservationId ?? null) === (mapping.reservationId ?? null),
});
const activeOrDeleting: StateCondition = {
  filter: { state: trusted({ $in: ['active', 'deleting'] }) },
  holds: (m) => m.state === 'active' || m.state === 'deleting',
};

export interface MappingStoreOptions {
  acsResource: string;
  pendingWaitMs: number;
  /**
   * Test the state in code between a read and a write by `_id`, instead of in the update's filter. For a server that
   * runs a filtered update as a read then a write anyway and scans for any filter on more than `_id`
   * (DatabaseTraits.readModifyWriteUpdates): no weaker there, and two indexed operations instead of a scan.
   * On MongoDB the filter stays, and the update is atomic.
   */
  stateCheckedInCode?: boolean;
}

/** Persistence of mappings, with database failures turned into UPSTREAM_UNAVAILABLE. */
export class MappingStore {
  constructor(
    private readonly model: IdentityMappingModel,
    private readonly options: MappingStoreOptions,
  ) {}

  find(user: AppUserRef): Promise<IdentityMapping | null> {
    return guard(() => this.byId(appUserKey(user)));
  }

  /**
   * The user's active mapping, once a creation or deletion under way has settled; IDENTITY_NOT_FOUND when there
   * is none (an abandoned creation included: createUser finishes it), IDENTITY_RESOURCE_MISMATCH when it belongs to
   * another ACS resource.
   */
  async requireActive(user: AppUserRef): Promise<IdentityMapping & { acsId: string }> {
    const found = await this.find(user);
    const mapping = found && (await this.waitUntilSettled(user, found));
    if (mapping?.state !== 'active' || !mapping.acsId) throw identityNotFound(user);
    this.assertSameResource(mapping);
    return mapping as IdentityMapping & { acsId: string };
  }

  /** A mapping made against another ACS resource is reported, not used: its ACS id means nothing to this one. */
  assertSameResource(mapping: IdentityMapping): void {
    if (mapping.acsResource !== this.options.acsResource) {
      throw new GatewayError(
        ErrorCode.IDENTITY_RESOURCE_MISMATCH,
        `This app user's ACS identity belongs to another ACS resource (${mapping.acsResource}) than the configured one (${this.options.acsResource}). Point the gateway back at that resource, or delete and recreate the user.`,
      );
    }
  }

  /** The mapping holding an ACS identity, whichever app user it belongs to (the `acs_id` index is unique). */
  findByAcsId(acsId: string): Promise<IdentityMapping | null> {
    return guard(() => this.model.findOne({ acsId }).lean<IdentityMapping>().exec());
  }

  /**
   * Claims the app user before ACS is called; whoever inserts the pending mapping creates the identity.
   * A plain insert, not an upsert: a server that runs an upsert on an existing document as read-modify-write
   * (DatabaseTraits) can write back a stale copy over a concurrent activation.
   */
  async reserve(user: AppUserRef): Promise<Reservation> {
    const reservationId = randomUUID();
    for (;;) {
      try {
        const created = await guard(() =>
          this.model.create({
            _id: appUserKey(user),
            issuer: user.issuer,
            appUserId: user.appUserId,
            state: 'pending',
            acsResource: this.options.acsResource,
            reservationId,
            stateChangedAt: new Date(),
          }),
        );
        return { reserved: true, mapping: created.toObject() as IdentityMapping, reservationId };
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error;
      }
      // Someone else holds the app user: return their mapping, or insert again if it vanished meanwhile.
      const existing = await this.find(user);
      if (existing) return { reserved: false, mapping: existing };
    }
  }

  /** Records the ACS id on our own reservation; false when the reservation is gone (then the identity must be undone). */
  async activate(user: AppUserRef, reservationId: string, acsId: string): Promise<IdentityMapping | null> {
    return this.updateIf(appUserKey(user), pendingOwnedBy(reservationId), {
      $set: { state: 'active', acsId, stateChangedAt: new Date() },
      $unset: { reservationId: 1 },
    });
  }

  /** Leaves a failed creation pending but unowned, for the next call or the reconciler to finish. */
  async abandon(user: AppUserRef, reservationId: string): Promise<void> {
    await this.updateIf(appUserKey(user), pendingOwnedBy(reservationId), { $unset: { reservationId: 1 } });
  }

  /** Claims an abandoned pending mapping; returns the new reservation id, or null when another request got it. */
  async takeOver(mapping: IdentityMapping): Promise<string | null> {
    const reservationId = randomUUID();
    await this.updateIf(mapping._id, pendingUnowned, { $set: { reservationId, stateChangedAt: new Date() } });
    // Read back: it also settles two requests taking over at once on a server without atomic updates.
    const current = await this.find(mapping);
    return current?.reservationId === reservationId ? reservationId : null;
  }

  async release(user: AppUserRef, reservationId: string): Promise<void> {
    await this.deleteIf(appUserKey(user), pendingOwnedBy(reservationId));
  }

  /** Waits while another request completes a pending or deleting mapping; returns what it settled to (active, abandoned, or gone). */
  async waitUntilSettled(user: AppUserRef, mapping: IdentityMapping): Promise<IdentityMapping | null> {
    const deadline = Date.now() + this.options.pendingWaitMs;
    let current: IdentityMapping | null = mapping;
    let pollMs = FIRST_POLL_MS;
    while (current && current.state !== 'active' && !isAbandoned(current)) {
      if (Date.now() >= deadline) {
        throw new GatewayError(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          `Another request is still ${current.state === 'pending' ? 'creating' : 'deleting'} this identity; retry shortly.`,
          { retryAfterSeconds: 1 },
        );
      }
      await sleep(pollMs);
      pollMs = Math.min(MAX_POLL_MS, pollMs * 2);
      current = await this.find(user);
    }
    return current;
  }

  async markRevoked(mapping: IdentityMapping, revokedAt: Date): Promise<IdentityMapping | null> {
    return this.updateIf(mapping._id, isState('active'), { $set: { tokensRevokedAt: revokedAt }, $inc: { revocations: 1 } });
  }

  /** Moves an active mapping to deleting; null when another request got there first. */
  async markDeleting(mapping: IdentityMapping): Promise<IdentityMapping | null> {
    return this.updateIf(mapping._id, activeOrDeleting, { $set: { state: 'deleting', stateChangedAt: new Date() } });
  }

  /** Removes a deleting mapping; false when it is no longer there to remove. */
  remove(mapping: IdentityMapping): Promise<boolean> {
    return this.deleteIf(mapping._id, isState('deleting'));
  }

  /** Pending and deleting mappings unchanged since `before`, oldest first: what crashed or failed requests left. */
  stale(before: Date): AsyncIterable<IdentityMapping> {
    return this.model
      .find({ state: trusted({ $in: ['pending', 'deleting'] }), stateChangedAt: trusted({ $lt: before }) })
      .sort({ stateChangedAt: 1 })
      .lean<IdentityMapping[]>()
      .cursor();
  }

  /** Activates a stale pending mapping with the identity ACS holds for it; false when a request took it over meanwhile. */
  async completeStale(mapping: IdentityMapping, acsId: string): Promise<boolean> {
    const updated = await this.updateIf(mapping._id, unchangedPending(mapping), {
      $set: { state: 'active', acsId, stateChangedAt: new Date() },
      $unset: { reservationId: 1 },
    });
    return updated !== null;
  }

  /** Removes a stale pending mapping whose identity cannot be found; false when a request took it over meanwhile. */
  discardStale(mapping: IdentityMapping): Promise<boolean> {
    return this.deleteIf(mapping._id, unchangedPending(mapping));
  }

  /**
   * A driver call, as every token request reads the mapping: the filter is a string the gateway built, with
   * nothing for mongoose to cast or sanitize, and a lean query costs about 0.1 ms of CPU more (bench/HISTORY.md).
   */
  private byId(id: string): Promise<IdentityMapping | null> {
    return this.model.collection.findOne<IdentityMapping>({ _id: id as never });
  }

  /** Updates the mapping if the condition holds; returns it as updated, or null when it did not hold. */
  private updateIf(id: string, condition: StateCondition, update: UpdateQuery<IdentityMapping>): Promise<IdentityMapping | null> {
    return guard(async () => {
      if (this.options.stateCheckedInCode) {
        const current = await this.byId(id);
        if (!current || !condition.holds(current)) return null;
        return this.model.findByIdAndUpdate(id, update, { returnDocument: 'after' }).lean<IdentityMapping>().exec();
      }
      return this.model
        .findOneAndUpdate({ _id: id, ...condition.filter }, update, { returnDocument: 'after' })
        .lean<IdentityMapping>()
        .exec();
    });
  }

  /** Deletes the mapping if the condition holds; false when it did not hold. */
  private deleteIf(id: string, condition: StateCondition): Promise<boolean> {
    return guard(async () => {
      if (this.options.stateCheckedInCode) {
        const current = await this.byId(id);
        if (!current || !condition.holds(current)) return false;
        return (await this.model.deleteOne({ _id: id }).exec()).deletedCount === 1;
      }
      return (await this.model.deleteOne({ _id: id, ...condition.filter }).exec()).deletedCount === 1;
    });
  }
}

class DuplicateKeyError extends Error {}

/** A pending mapping whose creator gave up (see abandon): nobody is working on it. */
const isAbandoned = (mapping: IdentityMapping): boolean => mapping.state === 'pending' && !mapping.reservationId;

export function identityNotFound(user: AppUserRef): GatewayError {
  return new GatewayError(ErrorCode.IDENTITY_NOT_FOUND, `App user "${user.appUserId}" has no ACS identity; call createUser first.`);
}

/** Any database failure reaches the caller as UPSTREAM_UNAVAILABLE, never as a driver message. */
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    if (error instanceof mongo.MongoServerError && error.code === DUPLICATE_KEY) {
      throw new DuplicateKeyError();
    }
    throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The mapping database is unavailable; retry later.', { cause: error });
  }
}
