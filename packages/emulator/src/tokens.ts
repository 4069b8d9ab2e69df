// ACS user access tokens: RS256 JWTs shaped like the real ones, and their introspection.
import { sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { promisify } from 'node:util';
import { formatServiceDateTime, subMillisecondTicks } from './dateTime.js';
import { identityKind, type IdentityKind } from './ids.js';
import type { SigningKey } from './signingKey.js';
import type { IdentityStore } from './store.js';

// Real tokens carry scp 1792 whatever the scopes; the format is not part of the API contract.
const SCP = 1792;

// With a callback, node signs on the libuv thread pool: RSA signing is over half the emulator's CPU, and off the
// event loop it runs on another core while the loop parses and answers the next requests.
const signOnThreadPool = promisify(rsaSign);

export interface IssuedToken {
  token: string;
  /** Like the real service: up to 7 fraction digits, trailing zeros trimmed, and an explicit +00:00 offset. */
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
  /** Emulator-only: the assignment an Entra exchange went through; deleting it revokes the token. */
  emuAssignment?: string;
}

export type InvalidReason =
  | 'expired'
  | 'revoked'
  | 'deleted'
  | 'invalid_signature'
  | 'malformed'
  | 'unknown_identity'
  | 'unassigned';

export interface Introspection {
  active: boolean;
  reason?: InvalidReason;
  identity?: string;
  kind?: IdentityKind;
  expiresOn?: string;
}

export interface IssueOptions {
  /** Set for tokens of the Entra exchanges. */
  assignment?: string;
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

  /** A token for `identityId`: an 8:acs: id, 8:orgid:<oid> for a Teams user, or a Teams-extension or Entra user id. */
  async issue(
    identityId: string,
    scopes: readonly string[],
    issuedAtMs: number,
    expiresAtMs: number,
    opts: IssueOptions = {},
  ): Promise<IssuedToken> {
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
      ...(opts.assignment ? { emuAssignment: opts.assignment } : {}),
    };
    const signingInput = `${this.headerPart}.${b64url(JSON.stringify(claims))}`;
    const signature = (await signOnThreadPool('sha256', Buffer.from(signingInput), this.key.privateKey)).toString('base64url');
    return { token: `${signingInput}.${signature}`, expiresOn: formatServiceDateTime(expiresAtMs, subMillisecondTicks()) };
  }

  introspect(token: string, store: IdentityStore, nowMs = Date.now()): Introspection {
    const parts = token.split('.');
    if (parts.length !== 3) return { active: false, reason: 'malformed' };
    const [headerPart, payloadPart, signature] = parts as [string, string, string];
    let claims: Partial<Claims>;
    try {
      const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as { kid?: string };
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString()) as Partial<Claims>;
      if (header?.kid !== this.key.kid) return { active: false, reason: 'invalid_signature' };
    } catch {
      return { active: false, reason: 'malformed' };
    }
    const signed = rsaVerify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), this.key.publicKey, Buffer.from(signature, 'base64url'));
    if (!signed) return { active: false, reason: 'invalid_signature' };
    if (typeof claims.skypeid !== 'string' || typeof claims.exp !== 'number') return { active: false, reason: 'malformed' };

    const identity = `8:${claims.skypeid}`;
    const kind = identityKind(identity);
    const about = { identity, ...(kind ? { kind } : {}), expiresOn: formatServiceDateTime(claims.exp * 1000) };
    if (claims.exp * 1000 <= nowMs) return { active: false, reason: 'expired', ...about };
    const issuedAtMs = claims.emuIatMs ?? (claims.iat ?? 0) * 1000;

    if (kind === 'microsoftTeamsUser') return { active: true, ...about }; // not tied to this resource's state
    if (kind === 'teamsExtensionUser' || kind === 'entraUser') {
      if (typeof claims.emuAssignment !== 'string') return { active: false, reason: 'malformed', ...about };
      const standing = store.assignments.standing(claims.emuAssignment, issuedAtMs);
      return standing === 'active' ? { active: true, ...about } : { active: false, reason: standing, ...about };
    }

    const record = store.get(identity);
    if (!record) return { active: false, reason: 'unknown_identity', ...about };
    if (record.deletedAtMs !== undefined) return { active: false, reason: 'deleted', ...about };
    if (record.revokedAtMs !== undefined && issuedAtMs <= record.revokedAtMs) {
      return { active: false, reason: 'revoked', ...about };
    }
    return { active: true, ...about };
  }
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}
