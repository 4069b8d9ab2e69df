// Entra ID users (Teams Phone extensibility): the two token exchanges and the assignments that decide who may
// exchange. Shapes follow the specs (stable/2025-06-30 for teamsExtension, preview/2025-03-02-preview for entra);
// where the specs say nothing (error codes, GUID checks, 204 on a missing assignment) the answers are inferred.
import type { DataPlaneRequest, EmulatorContext } from '../context.js';
import { expiryWithin } from '../dateTime.js';
import {
  ENTRA_PRINCIPAL_TYPES,
  TEAMS_EXTENSION_PRINCIPAL_TYPES,
  teamsExtensionKey,
  type AssignmentKey,
  type EntraAssignment,
  type TeamsExtensionAssignment,
} from '../entra/assignments.js';
import type { EntraExpectation } from '../entra/verifier.js';
import { assignmentNotFound, invalidAccessToken, notAssigned, unsupportedMediaType, validation } from '../errors.js';
import type { Reply } from '../http.js';
import { entraUserId, isGuid, teamsExtensionUserId } from '../ids.js';

export type ExchangeFlavor = 'teamsExtension' | 'entra';

// What the credential of communication-common asks Entra for: .../TeamsExtension.ManageCalls or .../clients/VoIP.
const EXPECTED: Record<ExchangeFlavor, EntraExpectation> = {
  teamsExtension: {
    audiences: ['https://auth.msft.communication.azure.com', 'https://auth.msft.communication.azure.us'],
    permission: 'TeamsExtension.ManageCalls',
  },
  entra: { audiences: ['https://communication.azure.com/clients'], permission: 'VoIP' },
};

export async function exchangeEntraToken(ctx: EmulatorContext, req: DataPlaneRequest, flavor: ExchangeFlavor): Promise<Reply> {
  const bearer = /^Bearer (\S+)$/.exec(req.authorization ?? '')?.[1];
  if (!bearer) throw invalidAccessToken();
  // The body is an empty object in the spec; anything but an object is refused (inferred).
  if (req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
    throw validation('The request body is invalid.');
  }
  const user = await ctx.entra.verify(bearer, EXPECTED[flavor]);

  let key: AssignmentKey;
  let clientIds: readonly string[] | undefined;
  let identity: string;
  if (flavor === 'teamsExtension') {
    const assignment = ctx.store.assignments.getTeamsExtension(user.tenantId, user.userId);
    if (!assignment) throw notAssigned();
    key = teamsExtensionKey(user.tenantId, user.userId);
    clientIds = assignment.clientIds;
    identity = teamsExtensionUserId(ctx.store.resourceId, user.tenantId, user.userId);
  } else {
    const found = ctx.store.assignments.entraFor(user.tenantId, user.userId, user.groups);
    if (!found) throw notAssigned();
    key = found.key;
    clientIds = found.assignment.clientIds;
    identity = entraUserId(ctx.store.resourceId, user.tenantId, user.userId);
  }
  const appId = user.appId?.toLowerCase();
  if (clientIds && clientIds.length > 0 && (!appId || !clientIds.some((c) => c.toLowerCase() === appId))) {
    throw notAssigned('The client application is not among the clientIds of the assignment.');
  }

  const nowMs = Date.now();
  ctx.counters.tokensIssued += 1;
  // Inferred: like the Teams user exchange, the ACS token expires with the Entra token.
  const accessToken = await ctx.issuer.issue(identity, ['voip'], nowMs, expiryWithin(user.expiresAtMs, nowMs), { assignment: key });
  return { status: 200, body: { identity: { id: identity }, accessToken } };
}

// --- /access/teamsExtension/tenants/{tenantId}/assignments/{objectId} ---

export function getTeamsExtensionAssignment(ctx: EmulatorContext, tenantId: string, objectId: string): Reply {
  pathGuids(tenantId, objectId);
  const a = ctx.store.assignments.getTeamsExtension(tenantId, objectId);
  if (!a) throw assignmentNotFound(); // the docs: GET after DELETE answers 404
  return { status: 200, body: a };
}

export function putTeamsExtensionAssignment(ctx: EmulatorContext, req: DataPlaneRequest, tenantId: string, objectId: string): Reply {
  pathGuids(tenantId, objectId);
  const body = object(req.body);
  const principalType = oneOf(body['principalType'], TEAMS_EXTENSION_PRINCIPAL_TYPES, 'principalType');
  const clientIds = body['clientIds'] === undefined || body['clientIds'] === null ? undefined : guids(body['clientIds'], 'clientIds');
  const a: TeamsExtensionAssignment = { objectId, tenantId, principalType, ...(clientIds ? { clientIds } : {}) };
  const created = ctx.store.assignments.putTeamsExtension(a);
  return { status: created ? 201 : 200, body: a };
}

export function deleteTeamsExtensionAssignment(ctx: EmulatorContext, tenantId: string, objectId: string): Reply {
  pathGuids(tenantId, objectId);
  ctx.store.assignments.deleteTeamsExtension(tenantId, objectId);
  return { status: 204 };
}

// --- /access/entra/assignments ---

export function listEntraAssignments(ctx: EmulatorContext): Reply {
  return { status: 200, body: { value: ctx.store.assignments.listEntra() } };
}

export function getEntraAssignment(ctx: EmulatorContext, objectId: string): Reply {
  guidField(objectId, 'objectId');
  const a = ctx.store.assignments.getEntra(objectId);
  if (!a) throw assignmentNotFound();
  return { status: 200, body: a };
}

export function putEntraAssignment(ctx: EmulatorContext, req: DataPlaneRequest, objectId: string): Reply {
  guidField(objectId, 'objectId');
  const a = entraAssignment(objectId, req.body, '');
  const created = ctx.store.assignments.putEntra(a);
  return { status: created ? 201 : 200, body: a };
}

export function deleteEntraAssignment(ctx: EmulatorContext, objectId: string): Reply {
  guidField(objectId, 'objectId');
  ctx.store.assignments.deleteEntra(objectId);
  return { status: 204 };
}

/** JSON merge patch (RFC 7396) of the objectId → assignment map: null removes, an object sets. All or nothing. */
export function patchEntraAssignments(ctx: EmulatorContext, req: DataPlaneRequest): Reply {
  if (req.contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/merge-patch+json') {
    throw unsupportedMediaType('application/merge-patch+json');
  }
  const changes: Array<[string, EntraAssignment | null]> = Object.entries(object(req.body)).map(([objectId, value]) => {
    guidField(objectId, objectId);
    return [objectId, value === null ? null : entraAssignment(objectId, value, `${objectId}.`)];
  });
  const set: EntraAssignment[] = [];
  for (const [objectId, a] of changes) {
    if (a === null) ctx.store.assignments.deleteEntra(objectId);
    else {
      ctx.store.assignments.putEntra(a);
      set.push(a);
    }
  }
  // The spec lists 200 with the assignments and 204; 204 when the patch only removed (inferred).
  return set.length > 0 ? { status: 200, body: { value: set } } : { status: 204 };
}

function entraAssignment(objectId: string, value: unknown, prefix: string): EntraAssignment {
  const body = object(value, prefix.slice(0, -1) || undefined);
  const tenantId = guidField(body['tenantId'], `${prefix}tenantId`);
  const principalType = oneOf(body['principalType'], ENTRA_PRINCIPAL_TYPES, `${prefix}principalType`);
  const clientIds = guids(body['clientIds'], `${prefix}clientIds`);
  // A tenant assignment names the tenant itself (inferred from "tenant" being a principal type).
  if (principalType === 'tenant' && objectId.toLowerCase() !== tenantId.toLowerCase()) {
    throw validation('A tenant assignment must have the tenant id as its object id.', `${prefix}tenantId`);
  }
  return { objectId, tenantId, principalType, clientIds };
}

function object(value: unknown, target?: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw validation('The request body must be a JSON object.', target);
  return value as Record<string, unknown>;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], target: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw validation(`${target} must be one of: ${allowed.join(', ')}.`, target);
  }
  return value as T;
}

function guidField(value: unknown, target: string): string {
  if (typeof value !== 'string' || !isGuid(value)) throw validation(`${target} must be a GUID.`, target);
  return value;
}

function guids(value: unknown, target: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && isGuid(v))) {
    throw validation(`${target} must be an array of GUIDs.`, target);
  }
  return value as string[];
}

function pathGuids(tenantId: string, objectId: string): void {
  guidField(tenantId, 'tenantId');
  guidField(objectId, 'objectId');
}
