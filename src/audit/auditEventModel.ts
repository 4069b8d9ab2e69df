import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/** One identity or token operation. Append-only: the gateway never updates or deletes these, and never stores token material. */
const auditEventSchema = new Schema(
  {
    at: { type: Date, required: true },
    requestId: { type: String, required: true },
    action: { type: String, required: true },
    outcome: { type: String, enum: ['success', 'failure'], required: true },
    errorCode: { type: String },
    actorIssuer: { type: String, required: true },
    actorId: { type: String, required: true },
    subjectAppUserId: { type: String, required: true },
    identityId: { type: String },
  },
  { collection: 'audit_events', versionKey: false },
);
auditEventSchema.index({ subjectAppUserId: 1, _id: -1 }, { name: 'by_subject' });

export type AuditEventRecord = InferSchemaType<typeof auditEventSchema> & { _id: { toString(): string } };
export type AuditEventModel = Model<AuditEventRecord>;

export const auditEventModel = (connection: Connection): AuditEventModel =>
  (connection.models.AuditEvent as AuditEventModel | undefined) ??
  connection.model<AuditEventRecord>('AuditEvent', auditEventSchema as unknown as Schema<AuditEventRecord>);
