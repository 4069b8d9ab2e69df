import { trusted } from 'mongoose';
import type { LeaseModel } from './leaseModel.js';

/** Hand-written over a tiny collection: a lease is a single conditional write, and expires by its own date, with no TTL index. */
export class Lease {
  constructor(
    private readonly model: LeaseModel,
    readonly name: string,
    readonly holder: string,
  ) {}

  /** True when this holder now has the lease for ttlMs: it was free, expired, or already ours. */
  async acquire(ttlMs: number): Promise<boolean> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlMs);
    try {
      await this.model.create({ _id: this.name, holder: this.holder, expiresAt });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      await this.model
        .updateOne({ _id: this.name, $or: [{ expiresAt: trusted({ $lt: now }) }, { holder: this.holder }] }, { $set: { holder: this.holder, expiresAt } })
        .exec();
    }
    // Read back rather than trust the update's count: it also settles a race between two takers.
    const current = await this.model.findById(this.name).lean().exec();
    return current?.holder === this.holder;
  }

  async release(): Promise<void> {
    await this.model.deleteOne({ _id: this.name, holder: this.holder }).exec();
  }
}
