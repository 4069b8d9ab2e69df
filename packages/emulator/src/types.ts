// Public shapes of the emulator's in-process API.

export type Operation = 'create' | 'issue' | 'revoke' | 'delete' | 'exchange' | 'get';
export type LimitedOperation = Exclude<Operation, 'get'>;

export interface FaultOptions {
  /** Added to every ACS data-plane response (not to /_emulator routes). */
  latencyMs?: number;
  /** Share (0..1) of data-plane requests answered with `errorStatus`. */
  errorRate?: number;
  /** Status used by `errorRate`; default 503. */
  errorStatus?: 500 | 503;
  /** The next N data-plane requests are answered 429. */
  force429?: number;
  /** Share (0..1) of data-plane requests answered 429. */
  force429Rate?: number;
  /** Retry-After sent with injected 429/503 answers; default 1. */
  retryAfterSeconds?: number;
}

export interface EmulatorOptions {
  host?: string;
  port?: number;
  accessKey?: string;
  resourceId?: string;
  dataDir?: string;
  https?: boolean;
  acceptBearer?: (token: string) => boolean | Promise<boolean>;
  teamsJwks?: { keys: object[] } | URL;
  rateLimits?: Partial<Record<LimitedOperation, number>>;
  /** Length of a rate-limit window in ms; default 30 000 as documented for ACS. */
  rateLimitWindowMs?: number;
  faults?: FaultOptions;
  /**
   * Emulator-only, for tests of token refresh: every user token lives this many seconds, whatever
   * `expiresInMinutes` asked for (still validated). Real ACS has no such setting.
   */
  tokenLifetimeSeconds?: number;
  logger?: (line: string) => void;
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
  /** Requests answered with an injected 429, 500 or 503 instead of being served. */
  faultsInjected: number;
}

export interface RunningEmulator {
  endpoint: string;
  accessKey: string;
  connectionString: string;
  resourceId: string;
  port: number;
  caCertPem?: string;
  setFaults(f: FaultOptions): void;
  stats(): EmulatorStats;
  listIdentities(): IdentityInfo[];
  close(): Promise<void>;
}
