import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { ErrorCode, GatewayError } from '../../errors.js';

/** The collection holding the clock: one document. */
export const TOKEN_REVOCATIONS = 'token_revocations';
const CLOCK_ID = 'clock';

/**
 * A value in MongoDB that every revoke and deletion, on any instance, replaces after it has updated the mapping.
 * A cache hit checks it instead of reading the user's mapping: while the value is the one read before the entry
 * was last checked against the mapping, no revoke or deletion has happened since, on any instance. A new random
 * value, not an increment, so that two writes racing (on a server that runs an update as a read and a write, see
 * bootstrap/database.ts) can never leave a value a reader has seen before.
 *
 * Reads are shared: a caller gets the result of a read that began after its call, so a revoke answered before a
 * request arrived is always seen, and concurrent hits cost one read between them. Written by hand: a pair of
 * promises, no library shares reads this way.
 */
export class RevocationClock {
  /** The read that callers join: not yet begun. */
  private next: Promise<string> | null = null;
  /** The read under way, which began before anyone waiting on `next` called. */
  private underWay: Promise<string> | null = null;

  constructor(private readonly connection: Connection) {}

  /** The clock's value, from a read that begins after this call. */
  now(): Promise<string> {
    if (this.next) return this.next;
    const after = this.underWay?.then(noop, noop) ?? Promise.resolve();
    const read = after.then(() => {
      this.next = null;
      const reading = this.read();
      this.underWay = reading;
      void reading.then(
        () => this.settled(reading),
        () => this.settled(reading),
      );
      return reading;
    });
    this.next = read;
    return read;
  }

  /** After a mapping's revocation count or state changed: every instance's checked entries are checked again. */
  async advance(): Promise<void> {
    const clock = this.connection.collection<{ _id: string; value: string }>(TOKEN_REVOCATIONS);
    const update = () => clock.updateOne({ _id: CLOCK_ID }, { $set: { value: randomUUID() } }, { upsert: true });
    // Two first upserts racing: one inserts, the other can find the _id taken (a duplicate key error), and updates.
    await update()
      .catch((error: unknown) => {
        if ((error as { code?: number }).code !== 11000) throw error;
        return update();
      })
      .catch(unavailable);
  }

  private async read(): Promise<string> {
    const clock = await this.connection
      .collection<{ _id: string; value: string }>(TOKEN_REVOCATIONS)
      .findOne({ _id: CLOCK_ID })
      .catch(unavailable);
    return clock?.value ?? 'never';
  }

  private settled(reading: Promise<string>): void {
    if (this.underWay === reading) this.underWay = null;
  }
}

const noop = () => undefined;

function unavailable(cause: unknown): never {
  throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The token cache database is unavailable; retry later.', { cause });
}
