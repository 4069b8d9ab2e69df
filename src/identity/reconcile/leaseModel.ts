import { Schema, type Connection, type Model } from 'mongoose';

/** A named lease: at most one holder at a time across gateway instances, until it expires. */
const leaseSchema = new Schema(
  {
    _id: { type: String, required: true },
    holder: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'leases', versionKey: false },
);

export interface LeaseRecord {
  _id: string;
  holder: string;
  expiresAt: Date;
}
export type LeaseModel = Model<LeaseRecord>;

export const leaseModel = (connection: Connection): LeaseModel =>
  (connection.models.Lease as LeaseModel | undefined) ?? connection.model<LeaseRecord>('Lease', leaseSchema as unknown as Schema<LeaseRecord>);
