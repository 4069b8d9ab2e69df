import { z } from 'zod';
import { commaList, ConfigError, optionalString, type AreaContext, type EnvOf } from './env.js';

export const authEnv = {
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  AUTH_JWKS_URI: optionalString.pipe(z.url().optional()),
  AUTH_USER_ID_CLAIM: z.string().min(1).default('sub'),
  AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
  AUTH_ADMIN_ROLE: z.string().min(1).default('identity.admin'),
  AUTH_OBJECT_ID_CLAIM: z.string().min(1).default('oid'),
  AUTH_ALGORITHMS: commaList,
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  AUTH_VERIFIED_TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
  AUTH_VERIFIED_TOKEN_CACHE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
};

/** The caller verifier's options (bootstrap/callerVerifier.ts): an OIDC provider, or outside production the development issuer. */
export type AuthConfig = (
  | { kind: 'oidc'; issuer: string; audience: string; jwksUri: string; algorithms: string[] }
  | { kind: 'devIssuer' }
) & {
  userIdClaim: string;
  rolesClaim: string;
  adminRole: string;
  clockToleranceSeconds: number;
  /** Claim holding the caller's Microsoft Entra object id, for exchangeTeamsUserToken. */
  objectIdClaim: string;
  /** How long a verified bearer token is remembered (0: verify every request), and how many are. */
  verifiedTokenCache: { seconds: number; maxEntries: number };
};

/** Asymmetric algorithms only: HMAC with a public key and `none` are never accepted. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export function authConfig(e: EnvOf<typeof authEnv>, { production }: AreaContext): AuthConfig {
  return {
    ...provider(e, production),
    userIdClaim: e.AUTH_USER_ID_CLAIM,
    rolesClaim: e.AUTH_ROLES_CLAIM,
    adminRole: e.AUTH_ADMIN_ROLE,
    clockToleranceSeconds: e.AUTH_CLOCK_TOLERANCE_SECONDS,
    objectIdClaim: e.AUTH_OBJECT_ID_CLAIM,
    verifiedTokenCache: { seconds: e.AUTH_VERIFIED_TOKEN_CACHE_SECONDS, maxEntries: e.AUTH_VERIFIED_TOKEN_CACHE_SIZE },
  };
}

function provider(e: EnvOf<typeof authEnv>, production: boolean) {
  const { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_URI: jwksUri } = e;
  if (!issuer && !audience && !jwksUri) {
    if (production) {
      throw new ConfigError(
        'AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI must be set in production: the gateway will not run its development token issuer there.',
      );
    }
    return { kind: 'devIssuer' as const };
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
  return { kind: 'oidc' as const, issuer, audience, jwksUri, algorithms };
}
