// Maps an ACS Identity request (method + raw path) to its operation, its api-versions and its handler.
import { checkApiVersion, VERSIONS, type RouteVersions } from '../apiVersions.js';
import type { DataPlaneRequest, EmulatorContext } from '../context.js';
import type { Reply } from '../http.js';
import type { Operation } from '../types.js';
import {
  deleteEntraAssignment,
  deleteTeamsExtensionAssignment,
  exchangeEntraToken,
  getEntraAssignment,
  getTeamsExtensionAssignment,
  listEntraAssignments,
  patchEntraAssignments,
  putEntraAssignment,
  putTeamsExtensionAssignment,
} from './access.js';
import { createIdentity, deleteIdentity, getIdentity, issueAccessToken, revokeAccessTokens } from './identities.js';
import { exchangeTeamsToken } from './teams.js';

export interface Route {
  op: Operation;
  /** 'entra': the Entra token in the Authorization header is the authentication, not HMAC. */
  auth?: 'entra';
  versions: RouteVersions;
  handle(ctx: EmulatorContext, req: DataPlaneRequest): Reply | Promise<Reply>;
}

const IDENTITY_PATH = /^\/identities\/([^/]+?)(\/:issueAccessToken|\/:revokeAccessTokens)?$/;
const TEAMS_EXTENSION_ASSIGNMENT = /^\/access\/teamsExtension\/tenants\/([^/]+)\/assignments\/([^/]+)$/;
const ENTRA_ASSIGNMENT = /^\/access\/entra\/assignments\/([^/]+)$/;

export function matchRoute(method: string, path: string): Route | undefined {
  switch (path) {
    case '/identities':
      return method === 'POST' ? { op: 'create', versions: VERSIONS.identity, handle: createIdentity } : undefined;
    case '/teamsUser/:exchangeAccessToken':
      return method === 'POST' ? { op: 'exchange', versions: VERSIONS.teamsUser, handle: exchangeTeamsToken } : undefined;
    case '/access/teamsExtension/:exchangeAccessToken':
      return method === 'POST'
        ? { op: 'entraExchange', auth: 'entra', versions: VERSIONS.teamsExtension, handle: (ctx, req) => exchangeEntraToken(ctx, req, 'teamsExtension') }
        : undefined;
    case '/access/entra/:exchangeAccessToken':
      return method === 'POST'
        ? { op: 'entraExchange', auth: 'entra', versions: VERSIONS.entra, handle: (ctx, req) => exchangeEntraToken(ctx, req, 'entra') }
        : undefined;
    case '/access/entra/assignments':
      if (method === 'GET') return { op: 'assignments', versions: VERSIONS.entra, handle: (ctx) => listEntraAssignments(ctx) };
      return method === 'PATCH' ? { op: 'assignments', versions: VERSIONS.entra, handle: patchEntraAssignments } : undefined;
  }
  return identityRoute(method, path) ?? accessAssignmentRoute(method, path);
}

function identityRoute(method: string, path: string): Route | undefined {
  const m = IDENTITY_PATH.exec(path);
  if (!m) return undefined;
  const id = m[1]!;
  switch (`${method} ${m[2] ?? ''}`) {
    case 'POST /:issueAccessToken':
      return { op: 'issue', versions: VERSIONS.issue, handle: (ctx, req) => issueAccessToken(ctx, req, id) };
    case 'POST /:revokeAccessTokens':
      return { op: 'revoke', versions: VERSIONS.identity, handle: (ctx) => revokeAccessTokens(ctx, id) };
    case 'DELETE ':
      return { op: 'delete', versions: VERSIONS.identity, handle: (ctx) => deleteIdentity(ctx, id) };
    case 'GET ':
      return { op: 'get', versions: VERSIONS.getIdentity, handle: (ctx, req) => getIdentity(ctx, req, id) };
    default:
      return undefined;
  }
}

function accessAssignmentRoute(method: string, path: string): Route | undefined {
  const teams = TEAMS_EXTENSION_ASSIGNMENT.exec(path);
  if (teams) {
    const [tenantId, objectId] = [decode(teams[1]!), decode(teams[2]!)];
    const route = (handle: Route['handle']): Route => ({ op: 'assignments', versions: VERSIONS.teamsExtension, handle });
    if (method === 'GET') return route((ctx) => getTeamsExtensionAssignment(ctx, tenantId, objectId));
    if (method === 'PUT') return route((ctx, req) => putTeamsExtensionAssignment(ctx, req, tenantId, objectId));
    if (method === 'DELETE') return route((ctx) => deleteTeamsExtensionAssignment(ctx, tenantId, objectId));
    return undefined;
  }
  const entra = ENTRA_ASSIGNMENT.exec(path);
  if (entra) {
    const objectId = decode(entra[1]!);
    const route = (handle: Route['handle']): Route => ({ op: 'assignments', versions: VERSIONS.entra, handle });
    if (method === 'GET') return route((ctx) => getEntraAssignment(ctx, objectId));
    if (method === 'PUT') return route((ctx, req) => putEntraAssignment(ctx, req, objectId));
    if (method === 'DELETE') return route((ctx) => deleteEntraAssignment(ctx, objectId));
  }
  return undefined;
}

/** A malformed escape stays as sent; the handler then refuses it as not a GUID. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The api-version check against the versions the route implements. */
export function checkRouteApiVersion(route: Route, apiVersion: string | null, requestUri: string, without: readonly string[] = []): string {
  const accepted = without.length === 0 ? route.versions.accepted : route.versions.accepted.filter((v) => !without.includes(v));
  return checkApiVersion(apiVersion, requestUri, accepted);
}
