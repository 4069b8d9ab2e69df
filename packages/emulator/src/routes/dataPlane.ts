// Maps an ACS Identity request (method + raw path) to its operation and handler.
import { checkApiVersion, supportsCustomId, unsupportedApiVersion } from '../apiVersions.js';
import type { DataPlaneRequest, EmulatorContext } from '../context.js';
import type { Reply } from '../http.js';
import type { Operation } from '../types.js';
import { createIdentity, deleteIdentity, getIdentity, issueAccessToken, revokeAccessTokens } from './identities.js';
import { exchangeTeamsToken } from './teams.js';

export interface Route {
  op: Operation;
  handle(ctx: EmulatorContext, req: DataPlaneRequest): Reply | Promise<Reply>;
}

const IDENTITY_PATH = /^\/identities\/([^/]+?)(\/:issueAccessToken|\/:revokeAccessTokens)?$/;

export function matchRoute(method: string, path: string): Route | undefined {
  if (path === '/identities') {
    return method === 'POST' ? { op: 'create', handle: createIdentity } : undefined;
  }
  if (path === '/teamsUser/:exchangeAccessToken') {
    return method === 'POST' ? { op: 'exchange', handle: exchangeTeamsToken } : undefined;
  }
  const m = IDENTITY_PATH.exec(path);
  if (!m) return undefined;
  const id = m[1]!;
  switch (`${method} ${m[2] ?? ''}`) {
    case 'POST /:issueAccessToken':
      return { op: 'issue', handle: (ctx, req) => issueAccessToken(ctx, req, id) };
    case 'POST /:revokeAccessTokens':
      return { op: 'revoke', handle: (ctx) => revokeAccessTokens(ctx, id) };
    case 'DELETE ':
      return { op: 'delete', handle: (ctx) => deleteIdentity(ctx, id) };
    case 'GET ':
      return { op: 'get', handle: (ctx, req) => getIdentity(ctx, req, id) };
    default:
      return undefined;
  }
}

/** The api-version check, including GET /identities/{id}, which exists only from 2025-03-02-preview on. */
export function checkRouteApiVersion(route: Route, apiVersion: string | null, requestUri: string): string {
  const version = checkApiVersion(apiVersion, requestUri);
  if (route.op === 'get' && !supportsCustomId(version)) {
    throw unsupportedApiVersion(requestUri, version);
  }
  return version;
}
