import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { isGuid, normalizeGuid } from '../vocabulary/guid.js';
import type { TeamsTokenRules } from '../config/config.js';
import { badInput, ErrorCode, GatewayError } from '../errors.js';

/** The audiences of an Entra token for Azure Communication Services: its App ID URI (v1.0 tokens) and its application id (v2.0). */
export const ACS_TEAMS_AUDIENCES = ['https://auth.msft.communication.azure.com', '1fd5118e-2576-4263-8130-9503064c837a'];

/**
 * Entra access tokens travel in Authorization headers, which Node and most proxies cap at 16 KiB, so no working
 * token is longer; a longer string is refused before it is parsed.
 */
export const MAX_TEAMS_TOKEN_LENGTH = 16 * 1024;

/** Personal Microsoft accounts live in this tenant; they are never Teams (work or school) users. */
const CONSUMER_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

export interface TeamsTokenVerifierOptions extends TeamsTokenRules {
  /** Entra's JWKS URL, or a key set held in memory (the development issuer). */
  jwks: URL | JSONWebKeySet;
  /** Accepted `iss` values; `{tenantid}` stands for the token's own `tid`. */
  issuers: string[];
  /** Tenants whose users may exchange, or any work or school tenant. */
  tenants: string[] | 'organizations';
  audiences: string[];
  algorithms: string[];
  clockToleranceSeconds: number;
}

/** What the gateway knows of a Teams user once their token passed every check. */
export interface VerifiedTeamsToken {
  /** The Teams user's object id, in lower case. */
  objectId: string;
  tenantId: string;
  /** `oid` and the application (appid, or azp in v2.0 tokens) as the token writes them, for ACS to compare with the token. */
  claimedObjectId: string;
  clientId: string;
  token: string;
  /** The token's exp: the ACS token exchanged for it expires with it. */
  expiresAt: Date;
}

export type TeamsTokenVerifier = (token: unknown) => Promise<VerifiedTeamsToken>;

/**
 * Checks a Teams user's Entra token the way ACS will, and more strictly, so that a bad one never reaches ACS:
 * signature and expiry against the tenant's keys, issuer and tenant, audience, application and scopes.
 */
export function createTeamsTokenVerifier(options: TeamsTokenVerifierOptions): TeamsTokenVerifier {
  const keySet = options.jwks instanceof URL ? createRemoteJWKSet(options.jwks) : createLocalJWKSet(options.jwks);
  const requiredScopes = options.requiredScopes.map((scope) => scope.toLowerCase());

  return async (token) => {
    if (typeof token !== 'string' || token.trim() === '') throw badInput('teamsUserAadToken', 'teamsUserAadToken must be a non-empty string.');
    if (token.length > MAX_TEAMS_TOKEN_LENGTH) {
      throw badInput('teamsUserAadToken', `teamsUserAadToken is longer than any Entra access token (at most ${MAX_TEAMS_TOKEN_LENGTH} characters).`);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        audience: options.audiences,
        algorithms: options.algorithms,
        clockTolerance: options.clockToleranceSeconds,
        // tid and oid are checked below, after the audience: a token for another API is named as such.
        requiredClaims: ['exp', 'iss'],
      }));
    } catch (error) {
      throw rejection(error);
    }

    const tenantId = payload.tid;
    if (!isGuid(tenantId)) throw invalid('its "tid" claim is not a tenant id');
    const tenant = normalizeGuid(tenantId);
    const tenantAllowed = options.tenants === 'organizations' ? tenant !== CONSUMER_TENANT_ID : options.tenants.includes(tenant);
    if (!tenantAllowed) throw invalid('it was issued in a tenant this gateway does not accept');
    if (!options.issuers.some((template) => template.replaceAll('{tenantid}', tenantId) === payload.iss)) {
      throw invalid('its issuer is not Microsoft Entra ID for its tenant');
    }

    const app = typeof payload.appid === 'string' ? payload.appid : payload.azp;
    if (!isGuid(app) || !options.clientIds.includes(normalizeGuid(app))) throw invalid('it was issued to another application than the configured Teams application');

    const granted = typeof payload.scp === 'string' ? payload.scp.toLowerCase().split(' ') : [];
    const missing = options.requiredScopes.filter((_, index) => !granted.includes(requiredScopes[index]!));
    if (missing.length > 0) throw invalid(`it lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

    if (!isGuid(payload.oid)) throw invalid('its "oid" claim is not an object id');
    return { objectId: normalizeGuid(payload.oid), tenantId: tenant, claimedObjectId: payload.oid, clientId: app, token, expiresAt: new Date(payload.exp! * 1000) };
  };
}

const invalid = (reason: string, cause?: unknown): GatewayError =>
  new GatewayError(ErrorCode.TEAMS_TOKEN_INVALID, `The Teams token is not accepted: ${reason}.`, { cause });

/** A reason a client can act on, never the token itself; failing to fetch Entra's keys is the gateway's upstream failing. */
function rejection(error: unknown): GatewayError {
  if (error instanceof joseErrors.JWTExpired) return invalid('it has expired', error);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return invalid(error.claim === 'aud' ? 'it is not for Azure Communication Services (aud)' : `its "${error.claim}" claim is missing or not valid`, error);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return invalid('its signing algorithm is not accepted', error);
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('its signature is not valid', error);
  if (error instanceof joseErrors.JWKSNoMatchingKey) return invalid('it was signed with an unknown key', error);
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || !(error instanceof joseErrors.JOSEError)) {
    return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, "Microsoft Entra ID's signing keys could not be fetched; retry later.", { cause: error });
  }
  return invalid('it is not a signed JWT', error);
}
