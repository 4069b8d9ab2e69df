import type { JSONWebKeySet } from 'jose';
import type { RouteHandler } from '../http/server.js';
import type { CacheKey } from '../config/tokens.js';

/**
 * The stand-ins that development and tests use where production has real services: the ACS emulator, an
 * embedded MongoDB, a development token issuer and cache key, and GraphiQL. They live in src/local, which
 * the production image does not contain and whose packages are development dependencies only. This
 * interface is all that production code knows of them.
 */
export interface LocalStack {
  /** teamsJwks: the keys its Teams route trusts; the development issuer's when not given. */
  startEmulator(options: { dataDir: string; teamsJwks?: URL }): Promise<LocalEmulator>;
  startEmbeddedMongo(options: { dataDir: string; log: (message: string) => void }): Promise<LocalMongo>;
  loadDevIssuer(dataDir: string): Promise<LocalDevIssuer>;
  loadDevCacheKey(dataDir: string): Promise<CacheKey>;
  /** Serves GraphiQL to browsers at GET /graphql, next to the route already registered there. */
  addGraphiqlRoutes(routes: Record<string, RouteHandler>): void;
}

export interface LocalDevIssuer {
  issuer: string;
  audience: string;
  jwks: JSONWebKeySet;
  algorithms: string[];
  /** Its Teams user tokens (same keys): Entra-shaped, in a tenant and for an application that exist nowhere else. */
  teams: { issuer: string; tenantId: string; clientId: string };
}

export interface LocalEmulator {
  connectionString: string;
  endpoint: string;
  resourceId: string;
  close(): Promise<void>;
}

export interface LocalMongo {
  uri: string;
  kind: string;
  stop(): Promise<void>;
}

/** Not a string literal, so that the production build neither type-checks nor bundles what it cannot contain. */
const LOCAL_STACK_MODULE = '../local/index.js';

/**
 * Loads the stand-ins; refuses in production, where configuration validation has already demanded the real
 * services, so reaching this there is a bug and must not start a throwaway database or a fake ACS.
 */
export async function loadLocalStack(production: boolean, needs: string): Promise<LocalStack> {
  if (production) throw new Error(`Refusing to start a local stand-in (${needs}) in production.`);
  return ((await import(LOCAL_STACK_MODULE)) as { localStack: LocalStack }).localStack;
}
