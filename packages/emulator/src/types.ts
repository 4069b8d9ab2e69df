// Public shapes of the emulator's in-process API.
import type { DevEntraIssuer } from './entra/devIssuer.js';

/** What the emulator counts, limits and can fail, one name per kind of data-plane request. */
export const OPERATIONS = [
  'create',
  'issue',
  'revoke',
  'delete',
  'get',
  /** POST /teamsUser/:exchangeAccessToken */
  'exchange',
  /** POST /access/teamsExtension/:exchangeAccessToken and POST /access/entra/:exchangeAccessToken */
  'entraExchange',
  /** The Teams-extension and Entra assignment routes */
  'assignments',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** A per-operation limit per window; 'off' (or Infinity) lifts it. */
export type RateLimit = number | 'off';

/** Statuses a fault can answer with; 429 and 503 carry Retry-After. */
export const FAULT_STATUSES = [429, 500, 502, 503, 504] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

export interface OperationFaults {
  /** Added before this operation is answered; replaces the global latencyMs. */
  latencyMs?: number;
  /** Share (0..1) of this operation's requests answered with `errorStatus`; replaces the global rule. */
  errorRate?: number;
  /** Default 503. */
  errorStatus?: FaultStatus;
}

export interface FaultOptions {
  /** Added to every ACS data-plane response (not to /_emulator routes). */
  latencyMs?: number;
  /** Share (0..1) of data-plane requests answered with `errorStatus`. */
  errorRate?: number;
  /** Status used by `errorRate`; default 503. */
  errorStatus?: FaultStatus;
  /** The next N data-plane requests are answered 429. */
  force429?: number;
  /** Share (0..1) of data-plane requests answered 429. */
  force429Rate?: number;
  /** Retry-After sent with injected 429/503 answers; default 1. */
  retryAfterSeconds?: number;
  /**
   * Creations with a customId wait this long between looking it up and creating the identity, so racing ones each
   * make one, and later ones answer 409 MultipleIdentitiesForCustomId: the service's reported behaviour
   * (Azure/azure-sdk-for-js#38531; the status is inferred).
   */
  customIdRaceMs?: number;
  /** Settings for one operation, replacing the global latency and error rule for it. */
  byOperation?: Partial<Record<Operation, OperationFaults>>;
}

export type JsonWebKeySet = { keys: object[] };

export interface EmulatorOptions {
  host?: string;
  port?: number;
  accessKey?: string;
  resourceId?: string;
  dataDir?: string;
  https?: boolean;
  /**
   * Where the HTTPS certificate authority and server certificate are kept (default: dataDir). Without either,
   * a fresh pair is made in memory at every start.
   */
  certDir?: string;
  /**
   * Replaces the bearer-token check of HTTPS mode. By default a token must be signed (RS256/ES256 family) by a
   * trusted key (devEntra's and bearerJwks), for https://communication.azure.com, unexpired, from the Entra
   * issuer of its own tenant.
   */
  acceptBearer?: (token: string) => boolean | Promise<boolean>;
  /** Keys of an Entra ID trusted for bearer (managed identity) tokens on the data plane, besides devEntra's. */
  bearerJwks?: JsonWebKeySet | URL;
  /**
   * API versions this emulated resource refuses with 400 UnsupportedApiVersion, as a resource or region without a
   * preview would; e.g. ['2025-03-02-preview'] for one without customId.
   */
  withoutApiVersions?: string[];
  /** Keys trusted for the Entra token of POST /teamsUser/:exchangeAccessToken. */
  teamsJwks?: JsonWebKeySet | URL;
  /**
   * Keys of a real Entra ID (issuer https://login.microsoftonline.com/{tid}/v2.0 or https://sts.windows.net/{tid}/),
   * trusted for every Entra token: the /access/* exchanges and POST /teamsUser/:exchangeAccessToken.
   */
  entraJwks?: JsonWebKeySet | URL;
  /** A development Entra issuer (createDevEntraIssuer) whose tokens are trusted wherever an Entra token is checked. */
  devEntra?: DevEntraIssuer;
  rateLimits?: Partial<Record<Operation, RateLimit>>;
  /** Length of a rate-limit window in ms; default 30 000 as documented for ACS. */
  rateLimitWindowMs?: number;
  faults?: FaultOptions;
  /**
   * Emulator-only, for tests of token refresh: every user token lives this many seconds, whatever
   * `expiresInMinutes` asked for (still validated). Real ACS has no such setting.
   */
  tokenLifetimeSeconds?: number;
  logger?: (line: string) => void;
  /**
   * Told of every data-plane request that passed authentication and the api-version check, with its parsed body:
   * for tests of what a client sends (bodies can hold Entra tokens; keep what you see in memory).
   */
  onRequest?: (request: ObservedRequest) => void;
}

export interface ObservedRequest {
  operation: Operation;
  method: string;
  path: string;
  apiVersion: string;
  body: unknown;
}

export interface IdentityInfo {
  id: string;
  createdAt: string;
  revokedAt?: string;
  deleted: boolean;
  customId?: string;
  lastTokenIssuedAt?: string;
}

export interface EmulatorStats {
  identities: number;
  deleted: number;
  revoked: number;
  tokensIssued: number;
  /** Data-plane requests received, including rejected and fault-injected ones. */
  requests: number;
  requestsByOperation: Record<Operation, number>;
  /** Requests answered with an injected 429, 5xx instead of being served. */
  faultsInjected: number;
  /** Requests answered 429 because their operation's rate limit for the window was used up. */
  rateLimited: number;
}

export interface RunningEmulator {
  endpoint: string;
  accessKey: string;
  connectionString: string;
  resourceId: string;
  port: number;
  /** The certificate authority that signed the HTTPS certificate (PEM), in HTTPS mode. */
  caCertPem?: string;
  /** The file holding caCertPem, when the certificate is kept in certDir or dataDir: NODE_EXTRA_CA_CERTS. */
  caCertPath?: string;
  setFaults(f: FaultOptions): void;
  stats(): EmulatorStats;
  listIdentities(): IdentityInfo[];
  close(): Promise<void>;
}
