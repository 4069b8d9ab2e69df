// Validation of the Entra ID token a Teams user exchanges for an ACS token (POST /teamsUser/:exchangeAccessToken).
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { earlyValidation, invalidAccessToken, validation } from './errors.js';
import { isGuid } from './ids.js';
import type { JsonWebKeySet } from './types.js';

export interface TeamsExchangeRequest {
  token?: unknown;
  appId?: unknown;
  userId?: unknown;
}

export interface VerifiedTeamsUser {
  oid: string;
  expiresAtMs: number;
}

export const keySet = (jwks: JsonWebKeySet | URL): JWTVerifyGetKey =>
  jwks instanceof URL ? createRemoteJWKSet(jwks) : createLocalJWKSet(jwks as JSONWebKeySet);

export class TeamsTokenVerifier {
  /** Any of these keys may have signed the token; none means no token can be trusted. */
  constructor(private readonly keys: readonly JWTVerifyGetKey[]) {}

  /**
   * The recorded order: the required appId and userId (400, named as the model's fields) and the token (401, also
   * when empty) are checked before the controller, which then checks the format (400) and, inferred, whether the
   * token is that app's and that user's (400).
   */
  async verify(body: TeamsExchangeRequest, tokenOnly = false): Promise<VerifiedTeamsUser> {
    if (tokenOnly) {
      const payload = await this.verifySignatureAndExpiry(body.token);
      if (typeof payload['oid'] !== 'string') throw invalidAccessToken();
      return { oid: payload['oid'], expiresAtMs: (payload.exp ?? 0) * 1000 };
    }
    required(body.appId, 'AppId');
    required(body.userId, 'UserId');
    const payload = await this.verifySignatureAndExpiry(body.token);
    const appId = guid(body.appId, 'AppId');
    const userId = guid(body.userId, 'UserId');

    const tokenApp = typeof payload['appid'] === 'string' ? payload['appid'] : payload['azp'];
    // Inferred: no public recording shows a valid token of another app or user; the messages are the emulator's.
    if (typeof tokenApp !== 'string' || tokenApp.toLowerCase() !== appId.toLowerCase()) {
      throw validation('AAD application is not the expected one.', 'appId');
    }
    const oid = payload['oid'];
    if (typeof oid !== 'string' || oid.toLowerCase() !== userId.toLowerCase()) {
      throw validation('Provided AAD token issued for unexpected user.', 'userId');
    }
    return { oid, expiresAtMs: (payload.exp ?? 0) * 1000 };
  }

  private async verifySignatureAndExpiry(token: unknown): Promise<JWTPayload> {
    // Recorded: an empty token answers 401 like an invalid one, not a 400 for a missing field.
    if (typeof token !== 'string' || token === '') throw invalidAccessToken();
    for (const keys of this.keys) {
      try {
        return (await jwtVerify(token, keys, { requiredClaims: ['exp'] })).payload;
      } catch {
        // Another key set may still verify it.
      }
    }
    throw invalidAccessToken();
  }
}

// Recorded: "AppId: The AppId field is required." with target AppId (the model's field name), and likewise UserId.
function required(value: unknown, field: 'AppId' | 'UserId'): void {
  if (value === undefined || value === null || value === '') {
    throw earlyValidation(`${field}: The ${field} field is required.`, field);
  }
}

// Recorded: "Provided AppId has invalid format." with target appId (the JSON name), and likewise UserId.
function guid(value: unknown, field: 'AppId' | 'UserId'): string {
  if (typeof value !== 'string' || !isGuid(value)) {
    throw validation(`Provided ${field} has invalid format.`, field === 'AppId' ? 'appId' : 'userId');
  }
  return value;
}
