import { z } from 'zod';
import { acsConfig, acsEnv, type AcsConfig } from './acs.js';
import { authConfig, authEnv, type AuthConfig } from './auth.js';
import { databaseConfig, databaseEnv, type DatabaseConfig } from './database.js';
import { ConfigError, describeIssue, type AreaContext } from './env.js';
import { observabilityConfig, observabilityEnv } from './observability.js';
import { rateLimitsConfig, rateLimitsEnv, type RateLimitConfig } from './rateLimits.js';
import { serverConfig, serverEnv, type HttpConfig, type ServerConfig } from './server.js';
import { teamsConfig, teamsEnv, type TeamsConfig } from './teams.js';
import { tokensConfig, tokensEnv, type TokensConfig } from './tokens.js';
import { trustedDocumentsConfig, trustedDocumentsEnv, type TrustedDocumentsConfig } from './trustedDocuments.js';
import { unknownVariables } from './unknownVariables.js';

export { ConfigError } from './env.js';
export type { AcsConfig, AcsCredential, CustomIdMode } from './acs.js';
export type { AuthConfig } from './auth.js';
export type { RateLimitConfig } from './rateLimits.js';
export type { HttpConfig, QueryLimits } from './server.js';
export type { TeamsConfig, TeamsTokenRules } from './teams.js';
export type { CacheKey, ScopeGrant, ScopePolicy, TokenStrategy } from './tokens.js';
export type { TrustedDocumentsConfig } from './trustedDocuments.js';

/**
 * The environment, by area: each module under config/ declares the variables it reads and returns the options of
 * the code that consumes them. This file only joins them; config/ imports no domain module.
 */
const envSchema = z.object({
  ...serverEnv,
  ...observabilityEnv,
  ...databaseEnv,
  ...acsEnv,
  ...authEnv,
  ...tokensEnv,
  ...rateLimitsEnv,
  ...teamsEnv,
  ...trustedDocumentsEnv,
});

/** Every variable the gateway reads for its configuration (deployment tooling such as the Helm chart is checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type GatewayConfig = {
  production: boolean;
  logLevel: string;
  /** What production would refuse but development only warns about (unknown variables with the gateway's prefixes). */
  warnings?: string[];
} & Omit<ServerConfig, 'http'> & { http: HttpConfig } & DatabaseConfig &
  TokensConfig & { acs: AcsConfig; auth: AuthConfig; rateLimits: RateLimitConfig; teams: TeamsConfig; trustedDocuments: TrustedDocumentsConfig };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = envSchema.safeParse(env);
  const unknown = unknownVariables(env, CONFIG_VARIABLES);
  if (!parsed.success) {
    const problems = new Set(parsed.error.issues.map((issue) => describeIssue(issue, env, envSchema.shape)));
    throw new ConfigError(`Invalid configuration. ${[...problems, ...unknown].join('; ')}`);
  }
  const e = parsed.data;
  const context: AreaContext = { production: e.NODE_ENV === 'production' };
  // Every missing piece is reported at once, so an operator fixes the deployment in one go.
  const problems: string[] = context.production ? [...unknown] : [];
  const attempt = <T>(build: () => T): T => {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
      return undefined as T;
    }
  };
  const acs = attempt(() => acsConfig(e, context));
  const auth = attempt(() => authConfig(e, context));
  const tokens = attempt(() => tokensConfig(e, context));
  const server = serverConfig(e, context);
  const observability = attempt(() => observabilityConfig(e, server.port, context));
  const database = attempt(() => databaseConfig(e, context));
  const teams = attempt(() => teamsConfig(e, context));
  const trusted = attempt(() => trustedDocumentsConfig(e, context));
  if (problems.length > 0) throw new ConfigError(problems.join(' '));

  return {
    production: context.production,
    warnings: context.production ? [] : unknown,
    ...server,
    http: { ...server.http, metrics: observability.metrics },
    logLevel: observability.logLevel,
    ...database,
    ...tokens,
    acs,
    auth,
    rateLimits: rateLimitsConfig(e, context, e.MONGODB_URI),
    teams,
    ...trusted,
  };
}
