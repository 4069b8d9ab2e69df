import { z } from 'zod';
import type { AcsCredential } from '../acs/acsIdentityClient.js';
import type { CustomIdMode } from '../acs/customIdCreator.js';
import { ALL_SCOPE_NAMES, parseScopeName, type ScopeName } from '../acs/scopes.js';
import { isGuid, normalizeGuid } from '../auth/objectId.js';
import { parseCacheKeys, type CacheKey } from '../identity/tokens/tokenCipher.js';
import { defaultManifestPath } from '../trustedDocuments/defaultManifest.js';

/** Thrown when the environment cannot start the gateway; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const commaList = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean));

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: optionalString,
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATA_DIR: z.string().default('.local/data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  MONGODB_URI: optionalString.pipe(
    z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  ),
  MONGODB_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),

  COMMUNICATION_SERVICES_CONNECTION_STRING: optionalString,
  COMMUNICATION_SERVICES_ENDPOINT: optionalString.pipe(z.url().optional()),
  COMMUNICATION_SERVICES_ACCESSKEY: optionalString,
  ACS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),

  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  AUTH_JWKS_URI: optionalString.pipe(z.url().optional()),
  AUTH_USER_ID_CLAIM: z.string().min(1).default('sub'),
  AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
  AUTH_ADMIN_ROLE: z.string().min(1).default('identity.admin'),
  AUTH_ALGORITHMS: commaList,
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  AUTH_VERIFIED_TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
  AUTH_VERIFIED_TOKEN_CACHE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),

  ALLOWED_SCOPES: commaList,
  DEFAULT_TOKEN_EXPIRES_IN_MINUTES: z.coerce.number().int().min(60).max(1440).default(1440),
  PENDING_MAPPING_WAIT_MS: z.coerce.number().int().min(0).default(15000),
  INTROSPECTION: booleanFlag(false).optional(),

  CORS_ORIGINS: commaList,
  /** false, true (one proxy), or how many proxies in front append to X-Forwarded-For. */
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(true|false|\d{1,2})$/, 'must be false, true (one proxy in front) or a number of trusted proxies')
    .optional()
    .transform((value) => (value === undefined || value === 'false' ? 0 : value === 'true' ? 1 : Number(value))),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(5_000),
  READINESS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  ALLOW_BATCHED_REQUESTS: booleanFlag(false),
  MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).default(102400),
  MAX_QUERY_CHARACTERS: z.coerce.number().int().min(100).default(10000),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(8),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(10),
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(1000),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(10).default(1000),
  MAX_INTROSPECTION_DEPTH: z.coerce.number().int().min(1).max(100).default(16),
  MAX_ENTITY_REPRESENTATIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  FIELD_SUGGESTIONS: booleanFlag(false).optional(),
  /** Trusted documents (see trustedDocumentsConfig). */
  TRUSTED_DOCUMENTS: optionalString,
  TRUSTED_DOCUMENTS_ONLY: booleanFlag(false).optional(),
  TRUSTED_DOCUMENTS_ROUTER_SECRET: optionalString,

  /** Default: `mongo` with MONGODB_URI; `memory` with the embedded database, which only this process uses. */
  RATE_LIMIT_STORE: z.enum(['mongo', 'memory', 'off']).optional(),
  RATE_LIMIT_ISSUE_TOKEN_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_CREATE_USER_AND_TOKEN_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_MUTATIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_ENTITIES_PER_MINUTE: z.coerce.number().int().min(1).default(600),

  MAPPING_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  MAPPING_CACHE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  TOKEN_CACHE: booleanFlag(false),
  TOKEN_CACHE_KEYS: optionalString,
  TOKEN_CACHE_MIN_REMAINING_MINUTES: z.coerce.number().int().min(1).max(1380).default(15),

  ACS_CUSTOM_ID: z.enum(['auto', 'on', 'off']).default('auto'),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(60000),
  RECONCILE_STALE_AFTER_MS: z.coerce.number().int().min(1000).default(120000),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),

  /** exchangeTeamsUserToken (see teamsConfig). */
  TEAMS_ENABLED: booleanFlag(false).optional(),
  TEAMS_CLIENT_ID: commaList,
  TEAMS_TENANT_ID: commaList,
  TEAMS_JWKS_URI: optionalString.pipe(z.url().optional()),
  TEAMS_ISSUERS: commaList,
  TEAMS_REQUIRED_SCOPES: commaList,
  AUTH_OBJECT_ID_CLAIM: z.string().min(1).default('oid'),
  RATE_LIMIT_TEAMS_EXCHANGE_PER_MINUTE: z.coerce.number().int().min(1).default(10),

  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000),
  METRICS: booleanFlag(true),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

/** Every variable the gateway reads for its configuration (deployment tooling such as the Helm chart is checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** A real ACS resource, or (outside production only) the local emulator started for the purpose. */
export type AcsConfig = AcsCredential | { kind: 'embeddedEmulator' };

export type AuthConfig =
  | {
      kind: 'oidc';
      issuer: string;
      audience: string;
      jwksUri: string;
      algorithms: string[];
    }
  | { kind: 'devIssuer' };

export interface GatewayConfig {
  production: boolean;
  host: string;
  port: number;
  dataDir: string;
  logLevel: string;
  mongo: { uri?: string; timeoutMs: number };
  acs: AcsConfig & { timeoutMs: number };
  auth: AuthConfig & {
    userIdClaim: string;
    rolesClaim: string;
    adminRole: string;
    clockToleranceSeconds: number;
    /** Claim holding the caller's Microsoft Entra object id, for exchangeTeamsUserToken. */
    objectIdClaim: string;
    /** How long a verified bearer token is remembered (0: verify every request), and how many are. */
    verifiedTokenCache: { seconds: number; maxEntries: number };
  };
  allowedScopes: ScopeName[];
  defaultTokenExpiresInMinutes: number;
  pendingMappingWaitMs: number;
  /** How issueToken gets tokens: one named choice, made from TOKEN_CACHE. */
  tokens: TokenStrategy;
  introspection: boolean;
  http: HttpConfig;
  queryLimits: QueryLimits;
  trustedDocuments: TrustedDocumentsConfig;
  rateLimits: RateLimitConfig;
  /** Whether to create identities with a customId (ACS API 2025-06-30), which makes a retried creation idempotent. */
  customId: CustomIdMode;
  reconcile: { intervalMs: number; staleAfterMs: number };
  /** Audit events older than this are removed (a TTL index, or the reconciler on FerretDB); 0 keeps them forever. */
  auditRetentionDays: number;
  teams: TeamsConfig;
}

/** What a Teams user's Entra token must carry, wherever it comes from. */
export interface TeamsTokenRules {
  /** The Entra applications (client ids) whose tokens may be exchanged: the token's appid/azp must be one of them. */
  clientIds: string[];
  /** Delegated scopes the token must all carry (scp). */
  requiredScopes: string[];
}

/** exchangeTeamsUserToken: off, Teams users of Microsoft Entra ID, or (outside production) the development issuer's. */
export type TeamsConfig =
  | { kind: 'off' }
  | ({
      kind: 'entra';
      /** Tenants whose users may exchange, or any work or school tenant (a multi-tenant app). */
      tenants: string[] | 'organizations';
      jwksUri: string;
      /** Accepted `iss` values; `{tenantid}` stands for the token's own `tid`. */
      issuers: string[];
    } & TeamsTokenRules)
  /** clientIds null: the development issuer's own client id. */
  | ({ kind: 'devIssuer' } & Omit<TeamsTokenRules, 'clientIds'> & { clientIds: string[] | null });

export type TokenStrategy =
  /** TOKEN_CACHE on: still-valid tokens are reused. Keys null (outside production only): a generated key kept in DATA_DIR. */
  | { kind: 'tokenCache'; keys: CacheKey[] | null; minRemainingMinutes: number }
  /** TOKEN_CACHE off: every token from ACS, with mappings read in the last `seconds` reused (0: read every time). */
  | { kind: 'recentMappings'; seconds: number; maxEntries: number };

export interface HttpConfig {
  corsOrigins: string[] | 'localhost';
  /** How many proxies in front append to X-Forwarded-For (0: the header is ignored). */
  trustedProxies: number;
  maxRequestBytes: number;
  shutdownTimeoutMs: number;
  /** node:http's headersTimeout, requestTimeout and keepAliveTimeout: slow clients are cut off. */
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
  readinessCacheMs: number;
  /** Off, on the API port, or on a port of its own (METRICS_PORT). */
  metrics: { enabled: false } | { enabled: true; port?: number };
}

export interface QueryLimits {
  allowBatchedRequests: boolean;
  maxCharacters: number;
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxDirectives: number;
  maxTokens: number;
  /** Introspection is left out of maxDepth but bounded on its own (the standard introspection query is 14 deep). */
  maxIntrospectionDepth: number;
  /** Representations per `_entities` request; each also counts in the cost and the caller's rate limit. */
  maxEntityRepresentations: number;
  fieldSuggestions: boolean;
}

export interface TrustedDocumentsConfig {
  /** The manifest ({"sha256:<hex>": "<document>"}, the client preset's format): by default the committed one. */
  manifestPath: string;
  /** Refuse every document not in the manifest, before parsing (on by default in production). */
  only: boolean;
  /** A router sending this in x-router-secret may send its own documents (query plans) when `only` is on. */
  routerSecret?: string;
}

export interface RateLimitConfig {
  store: 'mongo' | 'memory' | 'off';
  /** Requests per minute, per caller, for each limited operation. */
  perUserPerMinute: { issueToken: number; createUserAndToken: number; otherMutations: number; entities: number; teamsExchange: number };
  /** Requests per minute, per client IP, for traffic without a bearer token. */
  anonymousPerMinute: number;
}

/** Asymmetric algorithms only: HMAC with a public key and `none` are never accepted. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

const CONNECTION_STRING_PATTERN = /^endpoint=(.*);accesskey=(.*)$/i;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration. ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  // Every missing piece is reported at once, so an operator fixes the deployment in one go.
  const problems: string[] = [];
  const attempt = <T>(build: () => T): T => {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
      return undefined as T;
    }
  };
  const acs = attempt(() => acsConfig(e, production));
  const auth = attempt(() => authConfig(e, production));
  const tokens = attempt(() => tokenStrategy(e, production));
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    problems.push('METRICS_PORT must differ from PORT; leave it unset to serve /metrics on the API port.');
  }
  if (production && !e.MONGODB_URI) {
    problems.push('MONGODB_URI must be set in production: the gateway will not keep its mappings in an embedded database there.');
  }
  const scopes = attempt(() => allowedScopes(e.ALLOWED_SCOPES));
  const teams = attempt(() => teamsConfig(e, production));
  const trustedDocuments = attempt(() => trustedDocumentsConfig(e, production));
  if (problems.length > 0) throw new ConfigError(problems.join(' '));

  return {
    production,
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    port: e.PORT,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    mongo: { uri: e.MONGODB_URI, timeoutMs: e.MONGODB_TIMEOUT_MS },
    acs: { ...acs, timeoutMs: e.ACS_TIMEOUT_MS },
    auth: {
      ...auth,
      userIdClaim: e.AUTH_USER_ID_CLAIM,
      rolesClaim: e.AUTH_ROLES_CLAIM,
      adminRole: e.AUTH_ADMIN_ROLE,
      clockToleranceSeconds: e.AUTH_CLOCK_TOLERANCE_SECONDS,
      objectIdClaim: e.AUTH_OBJECT_ID_CLAIM,
      verifiedTokenCache: { seconds: e.AUTH_VERIFIED_TOKEN_CACHE_SECONDS, maxEntries: e.AUTH_VERIFIED_TOKEN_CACHE_SIZE },
    },
    allowedScopes: scopes,
    defaultTokenExpiresInMinutes: e.DEFAULT_TOKEN_EXPIRES_IN_MINUTES,
    pendingMappingWaitMs: e.PENDING_MAPPING_WAIT_MS,
    tokens,
    introspection: e.INTROSPECTION ?? !production,
    http: {
      // Outside production, browser tools on any localhost port may call; in production only listed origins.
      corsOrigins: e.CORS_ORIGINS.length > 0 ? e.CORS_ORIGINS : production ? [] : 'localhost',
      trustedProxies: e.TRUST_PROXY,
      maxRequestBytes: e.MAX_REQUEST_BYTES,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      timeouts: { headersMs: e.HTTP_HEADERS_TIMEOUT_MS, requestMs: e.HTTP_REQUEST_TIMEOUT_MS, keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS },
      readinessCacheMs: e.READINESS_CACHE_MS,
      metrics: e.METRICS ? { enabled: true, port: e.METRICS_PORT } : { enabled: false },
    },
    queryLimits: {
      allowBatchedRequests: e.ALLOW_BATCHED_REQUESTS,
      maxCharacters: e.MAX_QUERY_CHARACTERS,
      maxDepth: e.MAX_QUERY_DEPTH,
      maxAliases: e.MAX_QUERY_ALIASES,
      maxCost: e.MAX_QUERY_COST,
      maxDirectives: e.MAX_QUERY_DIRECTIVES,
      maxTokens: e.MAX_QUERY_TOKENS,
      maxIntrospectionDepth: e.MAX_INTROSPECTION_DEPTH,
      maxEntityRepresentations: e.MAX_ENTITY_REPRESENTATIONS,
      fieldSuggestions: e.FIELD_SUGGESTIONS ?? !production,
    },
    trustedDocuments,
    customId: e.ACS_CUSTOM_ID,
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_MS, staleAfterMs: e.RECONCILE_STALE_AFTER_MS },
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    teams,
    rateLimits: {
      store: e.RATE_LIMIT_STORE ?? (e.MONGODB_URI ? 'mongo' : 'memory'),
      perUserPerMinute: {
        issueToken: e.RATE_LIMIT_ISSUE_TOKEN_PER_MINUTE,
        createUserAndToken: e.RATE_LIMIT_CREATE_USER_AND_TOKEN_PER_MINUTE,
        otherMutations: e.RATE_LIMIT_MUTATIONS_PER_MINUTE,
        entities: e.RATE_LIMIT_ENTITIES_PER_MINUTE,
        teamsExchange: e.RATE_LIMIT_TEAMS_EXCHANGE_PER_MINUTE,
      },
      anonymousPerMinute: e.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
    },
  };
}

type Env = z.infer<typeof envSchema>;

function acsConfig(e: Env, production: boolean): AcsConfig {
  const connectionString = e.COMMUNICATION_SERVICES_CONNECTION_STRING;
  if (connectionString) {
    const match = CONNECTION_STRING_PATTERN.exec(connectionString);
    if (!match?.[1] || !match[2]) {
      throw new ConfigError(
        'COMMUNICATION_SERVICES_CONNECTION_STRING must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key>.',
      );
    }
    const endpoint = checkEndpoint(match[1], 'COMMUNICATION_SERVICES_CONNECTION_STRING');
    return { kind: 'connectionString', connectionString, endpoint };
  }
  if (e.COMMUNICATION_SERVICES_ENDPOINT) {
    const endpoint = checkEndpoint(e.COMMUNICATION_SERVICES_ENDPOINT, 'COMMUNICATION_SERVICES_ENDPOINT');
    if (e.COMMUNICATION_SERVICES_ACCESSKEY) {
      return { kind: 'accessKey', endpoint, accessKey: e.COMMUNICATION_SERVICES_ACCESSKEY };
    }
    if (!endpoint.startsWith('https://')) {
      throw new ConfigError('COMMUNICATION_SERVICES_ENDPOINT must be https:// for managed identity (bearer tokens are never sent over plain http).');
    }
    return { kind: 'managedIdentity', endpoint };
  }
  if (e.COMMUNICATION_SERVICES_ACCESSKEY) {
    throw new ConfigError('COMMUNICATION_SERVICES_ACCESSKEY is set but COMMUNICATION_SERVICES_ENDPOINT is not; set both.');
  }
  if (production) {
    throw new ConfigError(
      'No ACS resource configured. In production set COMMUNICATION_SERVICES_CONNECTION_STRING, or COMMUNICATION_SERVICES_ENDPOINT (with COMMUNICATION_SERVICES_ACCESSKEY, or alone for managed identity).',
    );
  }
  return { kind: 'embeddedEmulator' };
}

/** Plain http is only for a loopback emulator; keys must not cross a network in clear. */
function checkEndpoint(raw: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${variable} has an endpoint that is not a URL.`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(`${variable} must use https:// (plain http is allowed only for a loopback emulator).`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new ConfigError(`${variable} must be the resource's root URL, with no path.`);
  }
  return url.origin + '/';
}

function authConfig(e: Env, production: boolean): AuthConfig {
  const { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_URI: jwksUri } = e;
  if (!issuer && !audience && !jwksUri) {
    if (production) {
      throw new ConfigError(
        'AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI must be set in production: the gateway will not run its development token issuer there.',
      );
    }
    return { kind: 'devIssuer' };
  }
  const missing = [
    ['AUTH_ISSUER', issuer],
    ['AUTH_AUDIENCE', audience],
    ['AUTH_JWKS_URI', jwksUri],
  ].filter(([, value]) => !value).map(([name]) => name);
  if (missing.length > 0 || !issuer || !audience || !jwksUri) {
    throw new ConfigError(`${missing.join(', ')} must be set together with the other AUTH_ variables.`);
  }
  const algorithms = e.AUTH_ALGORITHMS.length > 0 ? e.AUTH_ALGORITHMS : ASYMMETRIC_ALGORITHMS;
  const rejected = algorithms.filter((alg) => !ASYMMETRIC_ALGORITHMS.includes(alg));
  if (rejected.length > 0) {
    throw new ConfigError(`AUTH_ALGORITHMS may list only ${ASYMMETRIC_ALGORITHMS.join(', ')}; got ${rejected.join(', ')}.`);
  }
  return { kind: 'oidc', issuer, audience, jwksUri, algorithms };
}

function tokenStrategy(e: Env, production: boolean): TokenStrategy {
  if (!e.TOKEN_CACHE) return { kind: 'recentMappings', seconds: e.MAPPING_CACHE_SECONDS, maxEntries: e.MAPPING_CACHE_SIZE };
  if (!e.TOKEN_CACHE_KEYS) {
    if (production) throw new ConfigError('TOKEN_CACHE is on: set TOKEN_CACHE_KEYS to <id>:<base64 32-byte key>[,<older id>:<key>…].');
    return { kind: 'tokenCache', keys: null, minRemainingMinutes: e.TOKEN_CACHE_MIN_REMAINING_MINUTES };
  }
  let keys: CacheKey[];
  try {
    keys = parseCacheKeys(e.TOKEN_CACHE_KEYS);
  } catch (error) {
    throw new ConfigError(`TOKEN_CACHE_KEYS: ${(error as Error).message}.`);
  }
  const short = keys.find(({ key }) => key.length !== 32);
  if (keys.length === 0 || short) {
    throw new ConfigError(`TOKEN_CACHE_KEYS: every key must be 32 bytes, base64-encoded${short ? ` ("${short.id}" is not)` : ''}.`);
  }
  return { kind: 'tokenCache', keys, minRemainingMinutes: e.TOKEN_CACHE_MIN_REMAINING_MINUTES };
}

function allowedScopes(values: string[]): ScopeName[] {
  if (values.length === 0) return [...ALL_SCOPE_NAMES];
  return values.map((value) => {
    const name = parseScopeName(value);
    if (!name) {
      throw new ConfigError(`ALLOWED_SCOPES has an unknown scope "${value}"; use ${ALL_SCOPE_NAMES.join(', ')}.`);
    }
    return name;
  });
}

function trustedDocumentsConfig(e: Env, production: boolean): TrustedDocumentsConfig {
  const secret = e.TRUSTED_DOCUMENTS_ROUTER_SECRET;
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('TRUSTED_DOCUMENTS_ROUTER_SECRET must be at least 32 characters (e.g. openssl rand -base64 32); the router sends it in x-router-secret.');
  }
  return { manifestPath: e.TRUSTED_DOCUMENTS ?? defaultManifestPath(), only: e.TRUSTED_DOCUMENTS_ONLY ?? production, ...(secret && { routerSecret: secret }) };
}

/** The scopes of the Azure Communication Services API a Teams user's token is requested with (its `scp`). */
const DEFAULT_TEAMS_SCOPES = ['Teams.ManageCalls', 'Teams.ManageChats'];

/** Entra's v2.0 and v1.0 issuers in the public cloud; `{tenantid}` is the token's own `tid`. */
const DEFAULT_TEAMS_ISSUERS = ['https://login.microsoftonline.com/{tenantid}/v2.0', 'https://sts.windows.net/{tenantid}/'];

/**
 * Off in production unless TEAMS_CLIENT_ID is set; on elsewhere. Production, or any of TEAMS_TENANT_ID,
 * TEAMS_JWKS_URI and TEAMS_ISSUERS, means Microsoft Entra ID; otherwise the development issuer signs Teams tokens.
 */
function teamsConfig(e: Env, production: boolean): TeamsConfig {
  const enabled = e.TEAMS_ENABLED ?? (!production || e.TEAMS_CLIENT_ID.length > 0);
  if (!enabled) return { kind: 'off' };
  const clientIds = guidList(e.TEAMS_CLIENT_ID, 'TEAMS_CLIENT_ID');
  const requiredScopes = e.TEAMS_REQUIRED_SCOPES.length > 0 ? e.TEAMS_REQUIRED_SCOPES : DEFAULT_TEAMS_SCOPES;
  const entra = production || e.TEAMS_TENANT_ID.length > 0 || e.TEAMS_JWKS_URI !== undefined || e.TEAMS_ISSUERS.length > 0;
  if (!entra) return { kind: 'devIssuer', clientIds: clientIds.length > 0 ? clientIds : null, requiredScopes };
  if (clientIds.length === 0) {
    throw new ConfigError(
      'TEAMS_ENABLED is on: set TEAMS_CLIENT_ID to the application (client) id of the Entra app registration with the Teams.ManageCalls and Teams.ManageChats permissions (a comma list for several), or TEAMS_ENABLED=false.',
    );
  }
  const tenants = teamsTenants(e.TEAMS_TENANT_ID);
  const issuers = e.TEAMS_ISSUERS.length > 0 ? e.TEAMS_ISSUERS : DEFAULT_TEAMS_ISSUERS;
  // One tenant: its own keys. Several, or any: Entra's common key set, which signs for every tenant.
  const jwksUri =
    e.TEAMS_JWKS_URI ??
    `https://login.microsoftonline.com/${tenants !== 'organizations' && tenants.length === 1 ? tenants[0] : 'common'}/discovery/v2.0/keys`;
  return { kind: 'entra', clientIds, tenants, jwksUri, issuers, requiredScopes };
}

function teamsTenants(values: string[]): string[] | 'organizations' {
  if (values.length === 0) {
    throw new ConfigError(
      'TEAMS_TENANT_ID must be set with TEAMS_CLIENT_ID: your Entra tenant id (a single-tenant app), a comma list of tenant ids, or "organizations" for Teams users of any tenant (a multi-tenant app).',
    );
  }
  if (values.length === 1 && values[0]!.toLowerCase() === 'organizations') return 'organizations';
  return guidList(values, 'TEAMS_TENANT_ID');
}

function guidList(values: string[], variable: string): string[] {
  const bad = values.filter((value): boolean => !isGuid(value));
  if (bad.length > 0) {
    throw new ConfigError(`${variable} takes GUIDs (as the Entra admin center shows them); got ${bad.map((value) => `"${value.slice(0, 40)}"`).join(', ')}.`);
  }
  return values.map(normalizeGuid);
}
