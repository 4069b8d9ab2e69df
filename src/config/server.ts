import { z } from 'zod';
import { booleanFlag, commaList, optionalString, type AreaContext, type EnvOf } from './env.js';
import type { MetricsConfig } from './observability.js';

export const serverEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: optionalString,
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATA_DIR: z.string().default('.local/data'),
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
  MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).default(102400),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000),
  ALLOW_BATCHED_REQUESTS: booleanFlag(false),
  MAX_QUERY_CHARACTERS: z.coerce.number().int().min(100).default(10000),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(8),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(10),
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(1000),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(10).default(1000),
  MAX_INTROSPECTION_DEPTH: z.coerce.number().int().min(1).max(100).default(16),
  MAX_ENTITY_REPRESENTATIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  FIELD_SUGGESTIONS: booleanFlag(false).optional(),
};

/** The HTTP server's options (http/server.ts, http/graphqlHandler.ts). */
export interface HttpConfig {
  corsOrigins: string[] | 'localhost';
  /** How many proxies in front append to X-Forwarded-For (0: the header is ignored). */
  trustedProxies: number;
  maxRequestBytes: number;
  shutdownTimeoutMs: number;
  /** node:http's headersTimeout, requestTimeout and keepAliveTimeout: slow clients are cut off. */
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
  readinessCacheMs: number;
  /** Where /metrics is served; see observability.ts. */
  metrics: MetricsConfig;
}

/** The GraphQL request limits (graphql/plugins/queryLimits.ts, entityLimits.ts). */
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

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  introspection: boolean;
  http: Omit<HttpConfig, 'metrics'>;
  queryLimits: QueryLimits;
}

export function serverConfig(e: EnvOf<typeof serverEnv>, { production }: AreaContext): ServerConfig {
  return {
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    port: e.PORT,
    dataDir: e.DATA_DIR,
    introspection: e.INTROSPECTION ?? !production,
    http: {
      // Outside production, browser tools on any localhost port may call; in production only listed origins.
      corsOrigins: e.CORS_ORIGINS.length > 0 ? e.CORS_ORIGINS : production ? [] : 'localhost',
      trustedProxies: e.TRUST_PROXY,
      maxRequestBytes: e.MAX_REQUEST_BYTES,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      timeouts: { headersMs: e.HTTP_HEADERS_TIMEOUT_MS, requestMs: e.HTTP_REQUEST_TIMEOUT_MS, keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS },
      readinessCacheMs: e.READINESS_CACHE_MS,
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
  };
}
