// The identity operations: create, issue, revoke, delete and (2025 api-versions) get.
import { supportsCustomId } from '../apiVersions.js';
import type { DataPlaneRequest, EmulatorContext } from '../context.js';
import { formatWholeSeconds } from '../dateTime.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { identityNotFound, identityNotOwned, multipleIdentitiesForCustomId, validation } from '../errors.js';
import type { Reply } from '../http.js';
import { resourceOf } from '../ids.js';
import type { IdentityRecord } from '../store.js';

export const SCOPES: readonly string[] = ['chat', 'voip', 'chat.join', 'chat.join.limited', 'voip.join'];
const DEFAULT_MINUTES = 1440;
const MIN_MINUTES = 60;

export async function createIdentity(ctx: EmulatorContext, req: DataPlaneRequest): Promise<Reply> {
  const body = asObject(req.body);
  const customId = supportsCustomId(req.apiVersion) ? optionalCustomId(body['customId']) : undefined;
  const wantsToken = body['createTokenWithScopes'] !== undefined && body['createTokenWithScopes'] !== null;
  const scopes = wantsToken ? checkScopes(body['createTokenWithScopes'], 'createTokenWithScopes') : undefined;
  const minutes = checkMinutes(body['expiresInMinutes']);

  // The only documented success is 201, for a new identity and for the one already holding the customId.
  const record = customId === undefined ? ctx.store.create() : await bindCustomId(ctx, customId);
  // Recorded: the identity is described as it was before this request's token (no lastTokenIssuedAt on a
  // new identity with a token; an existing customId's earlier lastTokenIssuedAt).
  const identity = identityBody(record, req.apiVersion);
  const accessToken = scopes ? await issueFor(ctx, record, scopes, minutes) : undefined;
  return { status: 201, body: { identity, ...(accessToken ? { accessToken } : {}) } };
}

/**
 * The identity holding customId, or a new one. Atomic, unless the customIdRaceMs fault opens a window between the
 * look-up and the creation, as the service was reported to have (Azure/azure-sdk-for-js#38531): then racing
 * creations each make an identity, and later ones are refused with MultipleIdentitiesForCustomId.
 */
async function bindCustomId(ctx: EmulatorContext, customId: string): Promise<IdentityRecord> {
  const held = ctx.store.holding(customId);
  if (held.length > 1) throw multipleIdentitiesForCustomId();
  if (held.length === 1) return held[0]!;
  const raceMs = ctx.faults.get().customIdRaceMs;
  if (raceMs) await sleep(raceMs);
  return ctx.store.create(customId);
}

export async function issueAccessToken(ctx: EmulatorContext, req: DataPlaneRequest, encodedId: string): Promise<Reply> {
  const body = asObject(req.body);
  const scopes = checkScopes(body['scopes'], 'scopes');
  const minutes = checkMinutes(body['expiresInMinutes']);
  const record = ownedIdentity(ctx, encodedId);
  return { status: 200, body: await issueFor(ctx, record, scopes, minutes) };
}

export function revokeAccessTokens(ctx: EmulatorContext, encodedId: string): Reply {
  ctx.store.revoke(ownedIdentity(ctx, encodedId));
  return { status: 204 };
}

export function deleteIdentity(ctx: EmulatorContext, encodedId: string): Reply {
  ctx.store.delete(ownedIdentity(ctx, encodedId));
  return { status: 204 };
}

export function getIdentity(ctx: EmulatorContext, req: DataPlaneRequest, encodedId: string): Reply {
  return { status: 200, body: identityBody(ownedIdentity(ctx, encodedId), req.apiVersion) };
}

function issueFor(ctx: EmulatorContext, record: IdentityRecord, scopes: string[], minutes: number) {
  const issuedAtMs = ctx.store.tokenIssued(record, Date.now());
  ctx.counters.tokensIssued += 1;
  return ctx.issuer.issue(record.id, scopes, issuedAtMs, issuedAtMs + (ctx.tokenLifetimeMs ?? minutes * 60_000));
}

/** The live identity of this resource behind a percent-encoded path segment. */
function ownedIdentity(ctx: EmulatorContext, encodedId: string): IdentityRecord {
  let id: string;
  try {
    id = decodeURIComponent(encodedId);
  } catch {
    throw identityNotOwned();
  }
  // Inferred: anything that is not an id of this resource "doesn't belong to the resource".
  if (resourceOf(id) !== ctx.store.resourceId) throw identityNotOwned();
  const record = ctx.store.get(id);
  if (!record || record.deletedAtMs !== undefined) throw identityNotFound();
  return record;
}

function identityBody(record: IdentityRecord, apiVersion: string): Record<string, string> {
  if (!supportsCustomId(apiVersion)) return { id: record.id };
  const body: Record<string, string> = { id: record.id };
  if (record.customId !== undefined) body['customId'] = record.customId;
  // Recorded with whole seconds only (2025-04-14T15:32:35+00:00), unlike expiresOn.
  if (record.lastTokenIssuedAtMs !== undefined) body['lastTokenIssuedAt'] = formatWholeSeconds(record.lastTokenIssuedAtMs);
  return body;
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw validation('The request body is invalid.');
  return body as Record<string, unknown>;
}

function checkScopes(value: unknown, target: string): string[] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    throw validation('Invalid scopes - Scopes field is required.', target);
  }
  if (!Array.isArray(value)) throw validation('Invalid scopes - Scopes field must be an array.', target);
  for (const scope of value) {
    // Inferred: no public recording of an unknown scope; the message names the offending value.
    if (typeof scope !== 'string' || !SCOPES.includes(scope)) {
      throw validation(`Invalid scopes - Scope '${shown(scope)}' is not supported.`, target);
    }
  }
  return value as string[];
}

function checkMinutes(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_MINUTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_MINUTES || value > DEFAULT_MINUTES) {
    throw validation(
      `ExpiresInMinutes value ${shown(value)} is invalid. Value must be within the [${MIN_MINUTES}, ${DEFAULT_MINUTES}] interval.`,
      'ExpiresInMinutes',
    );
  }
  return value;
}

function optionalCustomId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  // Inferred: the spec only says customId is a string.
  if (typeof value !== 'string' || value === '') throw validation('CustomId must be a non-empty string.', 'customId');
  return value;
}

/** A value as it may appear in a message: short, and never the whole of a hostile body. */
function shown(value: unknown): string {
  const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}
