import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * One app user's ACS identity. Created `pending` (the app user is reserved before ACS is called),
 * `active` once the ACS id is recorded, `deleting` while the ACS identity is being removed.
 */
export const MAPPING_STATES = ['pending', 'active', 'deleting'] as const;
export type MappingState = (typeof MAPPING_STATES)[number];

const identityMappingSchema = new Schema(
  {
    /** The app-user key (see appUserKey). */
    _id: { type: String, required: true },
    issuer: { type: String, required: true },
    appUserId: { type: String, required: true },
    state: { type: String, enum: MAPPING_STATES, required: true },
    /** Absent while pending. */
    acsId: { type: String },
    /** The ACS resource the identity belongs to; a changed resource is reported, not crashed on. */
    acsResource: { type: String, required: true },
    /** Which request reserved a pending mapping, so only it completes or rolls it back. */
    reservationId: { type: String },
    stateChangedAt: { type: Date, required: true },
    tokensRevokedAt: { type: Date },
    /** How many times tokens were revoked: the token cache compares counts, never two machines' clocks. */
    revocations: { type: Number },
  },
  {
    collection: 'identity_mappings',
    timestamps: true,
    versionKey: false,
    // The mapping is the permanent record: a write that a failover could roll back would let the next call create
    // a second identity for the user. Majority whatever the URI or the cluster default says; the embedded database ignores it.
    // Unacknowledged by a majority within 5 s, the write fails as UPSTREAM_UNAVAILABLE, and a retry is safe.
    writeConcern: { w: 'majority', wtimeout: 5000 },
  },
);

// The app-user key: the provider's issuer plus its user id, so two providers cannot collide.
identityMappingSchema.index({ issuer: 1, appUserId: 1 }, { unique: true, name: 'app_user_key' });
// Sparse, because pending mappings have no ACS id yet (sparse rather than partial: the embedded database has no partial indexes).
identityMappingSchema.index({ acsId: 1 }, { unique: true, sparse: true, name: 'acs_id' });
identityMappingSchema.index({ state: 1, stateChangedAt: 1 }, { name: 'state_age' });

export type IdentityMapping = InferSchemaType<typeof identityMappingSchema> & {
  createdAt: Date;
  updatedAt: Date;
};
export type IdentityMappingModel = Model<IdentityMapping>;

export const identityMappingModel = (connection: Connection): IdentityMappingModel =>
  (connection.models.IdentityMapping as IdentityMappingModel | undefined) ??
  connection.model<IdentityMapping>('IdentityMapping', identityMappingSchema as unknown as Schema<IdentityMapping>);
