// ACS user access tokens: RS256 JWTs shaped like the real ones, and their introspection.
import { sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { promisify } from 'node:util';
import type { SigningKey } from './signingKey.js';
import type { IdentityStore } from './store.js';

// Real tokens carry scp 1792 whatever the scopes; the format is not part of the API contract.
const SCP = 1792;
const TEAMS_PREFIX = 'orgid:';

// With a callback, node signs on the libuv thread pool: RSA signing is over half the emulator's CPU, and off the
// event loop it runs on another core while the loop parses and answers the next requests.
const signOnThreadPool = promisify(rsaSign);

export interface IssuedToken {
  token: string;
  /** Like the real service: microseconds and an explicit +00:00 offset. */
  expiresOn: string;
}

interface Claims {
  skypeid: string;
  scp: number;
  csi: number;
  iat: number;
  exp: number;
  acsScope: string;
  resourceId: string;
  /** Emulator-only: issue time in ms, so a revoke right after an issue is decidable. */
  emuIatMs: number;
}

export type InvalidReason = 'expired' | 'revoked' | 'deleted' | 'invalid_signature' | 'malformed' | 'unknown_identity';

export interface Introspection {
  active: boolean;
  reason?: InvalidReason;
  identity?: string;
  expiresOn?: string;
}

export class TokenIssuer {
  private readonly headerPart: string;

  constructor(
    private readonly key: SigningKey,
    private readonly resourceId: string,
  ) {
    // The header never changes, so it is encoded once.
    this.headerPart = b64url(JSON.stringify({ alg: 'RS256', kid: key.kid, x5t: key.x5t, typ: 'JWT' }));
  }

  /** A token for `identityId` (an 8:acs: id, or 8:orgid:<oid> for a Teams user). */
  async issue(identityId: string, scopes: readonly string[], issuedAtMs: number, expiresAtMs: number): Promise<IssuedToken> {
    const iat = Math.floor(issuedAtMs / 1000);
    const claims: Claims = {
      skypeid: identityId.slice('8:'.length),
      scp: SCP,
      csi: iat,
      iat,
      exp: Math.floor(expiresAtMs / 1000),
      acsScope: scopes.join(','),
      resourceId: this.resourceId,
      emuIatMs: issuedAtMs,
    };
    const signingInput = `${this.headerPart}.${b64url(JSON.stringify(claims))}`;
    const signature = (await signOnThreadPool('sha256', Buffer.from(signingInput), this.key.privateKey)).toString('base64url');
    return { token: `${signingInput}.${signature}`, expiresOn: formatExpiresOn(expiresAtMs) };
  }

  introspect(token: string, store: IdentityStore, nowMs = Date.now()): Introspection {
    const parts = token.split('.');
    if (parts.length !== 3) return { active: false, reason: 'malformed' };
    const [headerPart, payloadPart, signature] = parts as [string, string, string];
    let claims: Partial<Claims>;
    try {
      const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as { kid?: string };
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString()) as Partial<Claims>;
      if (header.kid !== this.key.kid) return { active: false, reason: 'invalid_signature' };
    } catch {
      return { active: false, reason: 'malformed' };
    }
    const signed = rsaVerify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), this.key.publicKey, Buffer.from(signature, 'base64url'));
    if (!signed) return { active: false, reason: 'invalid_signature' };
    if (typeof claims.skypeid !== 'string' || typeof claims.exp !== 'number') return { active: false, reason: 'malformed' };

    const identity = `8:${claims.skypeid}`;
    const expiresOn = formatExpiresOn(claims.exp * 1000);
    if (claims.exp * 1000 <= nowMs) return { active: false, reason: 'expired', identity, expiresOn };
    // Teams users' tokens are not tied to an identity of this resource.
    if (claims.skypeid.startsWith(TEAMS_PREFIX)) return { active: true, identity, expiresOn };

    const record = store.get(identity);
    if (!record) return { active: false, reason: 'unknown_identity', identity, expiresOn };
    if (record.deletedAtMs !== undefined) return { active: false, reason: 'deleted', identity, expiresOn };
    const issuedAtMs = claims.emuIatMs ?? (claims.iat ?? 0) * 1000;
    if (record.revokedAtMs !== undefined && issuedAtMs <= record.revokedAtMs) {
      return { active: false, reason: 'revoked', identity, expiresOn };
    }
    return { active: true, identity, expiresOn };
  }
}

/** 2023-10-19T15:34:16.974000+00:00: the real format, with the emulator's ms clock padded to microseconds. */
export function formatExpiresOn(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}
