import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JSONWebKeySet } from 'jose';
import { ErrorCode, GatewayError } from '../errors.js';
import { appUserIdProblem } from '../identity/appUser.js';
import type { Caller } from './caller.js';
import { isGuid, normalizeGuid } from '../vocabulary/guid.js';

export interface CallerVerifierOptions {
  issuer: string;
  audience: string;
  /** A JWKS URL (the provider's jwks_uri) or a key set held in memory (the development issuer). */
  jwks: URL | JSONWebKeySet;
  algorithms: string[];
  userIdClaim: string;
  rolesClaim: string;
  /** Claim holding the caller's Microsoft Entra object id, compared with a Teams user's token (default `oid`). */
  objectIdClaim?: string;
  adminRole: string;
  /** The roles a rule reads (SCOPE_POLICY's): the caller keeps only these of the roles claim. */
  policyRoles?: ReadonlySet<string>;
  clockToleranceSeconds: number;
  /**
   * Remembers tokens that passed verification, so a client's repeated requests skip the signature check.
   * An entry lives `seconds` at most and never past the token's own exp; 0 turns this off.
   */
  verifiedTokenCache?: { seconds: number; maxEntries: number };
  /** Told how each bearer token was checked (for metrics). */
  onBearerToken?: (outcome: BearerTokenOutcome) => void;
}

export type BearerTokenOutcome = 'verified' | 'remembered' | 'rejected';

/**
 * `beforeSignatureCheck` runs only when a token must be verified (not remembered), and may throw to refuse it
 * unchecked: the rate limits use it to stop paying for the signature checks of a flood of forged tokens.
 */
export type CallerVerifier = (authorizationHeader: string | undefined, beforeSignatureCheck?: () => void) => Promise<Caller | null>;

/**
 * Verifies `Authorization: Bearer <JWT>`; no header means an anonymous caller (null). One closure over the key set
 * and the remembered tokens, which is why it runs past 60 lines.
 */
export function createCallerVerifier(options: CallerVerifierOptions): CallerVerifier {
  const keySet = options.jwks instanceof URL ? createRemoteJWKSet(options.jwks) : createLocalJWKSet(options.jwks);

  const remembered = rememberedCallers(options);

  const report = options.onBearerToken ?? (() => {});

  const verify = async (token: string): Promise<{ caller: Caller; validUntilMs: number }> => {
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['exp'],
      });
      const userId = claimAsString(payload, options.userIdClaim);
      if (!userId) {
        throw unauthenticated(`The bearer token has no "${options.userIdClaim}" claim to identify the user.`);
      }
      const problem = appUserIdProblem(userId);
      if (problem) throw unauthenticated(`The bearer token's "${options.userIdClaim}" claim is not a usable app user id: it ${problem}.`);
      const roles = claimAsList(payload, options.rolesClaim);
      const objectId = objectIdOf(payload, options.objectIdClaim ?? 'oid');
      report('verified');
      return {
        caller: {
          issuer: options.issuer,
          userId,
          isAdmin: roles.includes(options.adminRole),
          roles: options.policyRoles ? [...new Set(roles.filter((role) => options.policyRoles!.has(role)))] : [],
          ...(objectId && { objectId }),
        },
        // jose accepts exp plus the tolerance, so a remembered token may be used exactly as long.
        validUntilMs: (payload.exp! + options.clockToleranceSeconds) * 1000,
      };
    } catch (error) {
      report('rejected');
      throw error instanceof GatewayError ? error : unauthenticated(describeRejection(error), error);
    }
  };

  return async (authorizationHeader, beforeSignatureCheck) => {
    if (authorizationHeader === undefined || authorizationHeader === '') return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorizationHeader);
    if (!match?.[1]) {
      report('rejected');
      throw unauthenticated('The Authorization header must be "Bearer <token>".');
    }
    const token = match[1];
    if (!remembered) {
      beforeSignatureCheck?.();
      return (await verify(token)).caller;
    }
    // Keyed by a digest: the cache never holds bearer tokens themselves.
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = remembered.get(key);
    if (hit && hit.validUntilMs > Date.now()) {
      report('remembered');
      return hit.caller;
    }
    beforeSignatureCheck?.();
    const verified = await verify(token);
    remembered.set(key, verified, { ttl: Math.max(1, Math.min(verified.validUntilMs - Date.now(), remembered.ttl)) });
    return verified.caller;
  };
}

/** Only tokens that passed every check are remembered; a rejected token is checked again each time. */
function rememberedCallers(options: CallerVerifierOptions) {
  const cache = options.verifiedTokenCache;
  if (!cache || cache.seconds === 0) return null;
  return new LRUCache<string, { caller: Caller; validUntilMs: number }>({ max: cache.maxEntries, ttl: cache.seconds * 1000 });
}

function unauthenticated(message: string, cause?: unknown): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, message, { cause });
}

/** A reason a client can act on, never the token itself. */
function describeRejection(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The bearer token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `The bearer token's "${error.claim}" claim is not accepted.`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "The bearer token's signing algorithm is not accepted.";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "The bearer token's signature is not valid.";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The bearer token was signed with an unknown key.';
  if (error instanceof joseErrors.JWKSTimeout) return 'The identity provider\'s keys could not be fetched in time.';
  return 'The bearer token is not a valid signed JWT.';
}

function claimAsString(payload: JWTPayload, claim: string): string | undefined {
  const value = readClaim(payload, claim);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Entra object ids are GUIDs; anything else can never match a Teams user's `oid`, so it is not kept. */
function objectIdOf(payload: JWTPayload, claim: string): string | undefined {
  const value = readClaim(payload, claim);
  return isGuid(value) ? normalizeGuid(value) : undefined;
}

function claimAsList(payload: JWTPayload, claim: string): string[] {
  const value = readClaim(payload, claim);
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/** Dotted paths reach nested claims, e.g. `realm_access.roles` (Keycloak). */
function readClaim(payload: JWTPayload, claim: string): unknown {
  if (claim in payload) return payload[claim];
  return claim.split('.').reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    payload,
  );
}
