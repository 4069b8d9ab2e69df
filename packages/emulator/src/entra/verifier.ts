// Checks an Entra ID access token: signature against the trusted keys, exp and nbf, iss for its tenant,
// audience, scope, and tid and oid. The answers are inferred: only the Teams user exchange's 401 is recorded.
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AcsError, invalidAccessToken } from '../errors.js';
import { isGuid } from '../ids.js';
import type { JsonWebKeySet } from '../types.js';

export interface TrustedIssuer {
  keys: JWTVerifyGetKey;
  /** The iss values a token of this tenant may carry. */
  issuersFor(tenantId: string): string[];
}

export const entraIdIssuer = (jwks: JsonWebKeySet | URL): TrustedIssuer => ({
  keys: jwks instanceof URL ? createRemoteJWKSet(jwks) : createLocalJWKSet(jwks as JSONWebKeySet),
  issuersFor: (tid) => [`https://login.microsoftonline.com/${tid}/v2.0`, `https://sts.windows.net/${tid}/`],
});

export interface EntraExpectation {
  /** Accepted aud values (with or without a trailing slash). */
  audiences: readonly string[];
  /** A permission the scp claim must hold. */
  permission: string;
}

export interface VerifiedEntraToken {
  tenantId: string;
  userId: string;
  appId?: string;
  groups: string[];
  expiresAtMs: number;
}

export const insufficientScope = (): AcsError =>
  new AcsError(403, 'InsufficientScope', 'The access token does not grant the scope this operation requires.');

export class EntraVerifier {
  constructor(private readonly trusted: readonly TrustedIssuer[]) {}

  get configured(): boolean {
    return this.trusted.length > 0;
  }

  async verify(token: string | undefined, expect: EntraExpectation): Promise<VerifiedEntraToken> {
    if (!token) throw invalidAccessToken();
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw invalidAccessToken();
    }
    const tid = unverified['tid'];
    if (typeof tid !== 'string' || !isGuid(tid)) throw invalidAccessToken();

    const payload = await this.verifySignature(token, tid.toLowerCase());
    const audiences = [payload.aud ?? []].flat().map(trimSlash);
    if (!audiences.some((a) => expect.audiences.map(trimSlash).includes(a))) throw invalidAccessToken();
    const oid = payload['oid'];
    if (typeof oid !== 'string' || !isGuid(oid)) throw invalidAccessToken();
    const scp = typeof payload['scp'] === 'string' ? payload['scp'].split(' ') : [];
    if (!scp.includes(expect.permission)) throw insufficientScope();

    const app = typeof payload['appid'] === 'string' ? payload['appid'] : payload['azp'];
    const groups = Array.isArray(payload['groups']) ? payload['groups'].filter((g): g is string => typeof g === 'string') : [];
    return {
      tenantId: tid.toLowerCase(),
      userId: oid.toLowerCase(),
      ...(typeof app === 'string' ? { appId: app } : {}),
      groups,
      expiresAtMs: (payload.exp ?? 0) * 1000,
    };
  }

  /** A token passes when one trusted issuer's keys verify it, with its iss, and it is neither expired nor premature. */
  private async verifySignature(token: string, tid: string): Promise<JWTPayload> {
    for (const issuer of this.trusted) {
      try {
        const { payload } = await jwtVerify(token, issuer.keys, {
          algorithms: ['RS256'],
          issuer: issuer.issuersFor(tid),
          requiredClaims: ['exp', 'iss', 'aud'],
        });
        return payload;
      } catch {
        // Not this issuer's token, or not a valid one: the next issuer may still vouch for it.
      }
    }
    throw invalidAccessToken();
  }
}

const trimSlash = (s: unknown): string => String(s).replace(/\/+$/, '');
