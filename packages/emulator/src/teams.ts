// Validation of the Entra ID token a Teams user exchanges for an ACS token.
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AcsError, invalidAccessToken, validation } from './errors.js';

export interface TeamsExchangeRequest {
  token?: unknown;
  appId?: unknown;
  userId?: unknown;
}

export interface VerifiedTeamsUser {
  oid: string;
  expiresAtMs: number;
}

type KeySet = JWTVerifyGetKey;

export class TeamsTokenVerifier {
  private readonly keys: KeySet | undefined;

  constructor(jwks: { keys: object[] } | URL | undefined) {
    if (jwks instanceof URL) this.keys = createRemoteJWKSet(jwks);
    else if (jwks) this.keys = createLocalJWKSet(jwks as JSONWebKeySet);
  }

  /** Checks the request the way the real service answers it: 400 for the body, 401 for the token. */
  async verify(body: TeamsExchangeRequest): Promise<VerifiedTeamsUser> {
    const token = required(body.token, 'Token');
    const appId = required(body.appId, 'AppId');
    const userId = required(body.userId, 'UserId');

    const payload = await this.verifySignatureAndExpiry(token);
    const tokenApp = typeof payload['appid'] === 'string' ? payload['appid'] : payload['azp'];
    if (typeof tokenApp !== 'string' || tokenApp.toLowerCase() !== appId.toLowerCase()) {
      throw validation('AAD application is not the expected one.', 'appId');
    }
    const oid = payload['oid'];
    if (typeof oid !== 'string' || oid.toLowerCase() !== userId.toLowerCase()) {
      throw validation('Provided AAD token issued for unexpected user.', 'userId');
    }
    return { oid, expiresAtMs: (payload.exp ?? 0) * 1000 };
  }

  private async verifySignatureAndExpiry(token: string): Promise<JWTPayload> {
    // Without a configured JWKS no token can be trusted.
    if (!this.keys) throw invalidAccessToken();
    try {
      const { payload } = await jwtVerify(token, this.keys, { requiredClaims: ['exp'] });
      return payload;
    } catch (e) {
      if (e instanceof AcsError) throw e;
      throw invalidAccessToken();
    }
  }
}

// Only the AppId message is recorded; Token and UserId follow the same model-validation pattern (inferred).
function required(value: unknown, field: 'Token' | 'AppId' | 'UserId'): string {
  if (typeof value !== 'string' || value === '') {
    throw validation(`${field}: The ${field} field is required.`, field);
  }
  return value;
}
