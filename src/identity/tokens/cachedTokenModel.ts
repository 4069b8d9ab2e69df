import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/** An issued ACS token kept for reuse, sealed with AES-256-GCM: the collection never holds a token in clear. */
const cachedTokenSchema = new Schema(
  {
    /** Issuer, app user, scopes and lifetime, hashed: what a request must match to reuse the token. The id, so every server (the embedded database included) looks it up without a scan. */
    _id: { type: String, required: true },
    issuer: { type: String, required: true },
    appUserId: { type: String, required: true },
    acsId: { type: String, required: true },
    /** The mapping's revocation count when the token was asked for (see CacheLookup.revocations). */
    revocations: { type: Number },
    /**
     * The revocation clock's value read before the mapping this entry was checked against, and what that mapping
     * showed (see TokenCache.checkedShared): while the clock still shows it, any instance serves the entry without
     * reading the mapping. Sealed with the token as associated data.
     */
    checkedClock: { type: String },
    createdAt: { type: Date },
    tokensRevokedAt: { type: Date },
    issuedAt: { type: Date, required: true },
    expiresOn: { type: Date, required: true },
    keyId: { type: String, required: true },
    iv: { type: String, required: true },
    ciphertext: { type: String, required: true },
    tag: { type: String, required: true },
  },
  { collection: 'token_cache', versionKey: false },
);
cachedTokenSchema.index({ issuer: 1, appUserId: 1 }, { name: 'app_user' });

export type CachedTokenRecord = InferSchemaType<typeof cachedTokenSchema>;
export type CachedTokenModel = Model<CachedTokenRecord>;

export const cachedTokenModel = (connection: Connection): CachedTokenModel =>
  (connection.models.CachedToken as CachedTokenModel | undefined) ??
  connection.model<CachedTokenRecord>('CachedToken', cachedTokenSchema as unknown as Schema<CachedTokenRecord>);
