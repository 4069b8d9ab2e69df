import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JSONWebKeySet } from 'jose';
import { readOrCreateFile } from './readOrCreateFile.js';

/**
 * The development token issuer: used only when no AUTH_ISSUER is configured outside production.
 * Its key lives in the local data folder so tokens from `npm run dev-token` keep working across restarts.
 */
export const DEV_ISSUER = 'urn:acs-identity-gateway:dev-issuer';
export const DEV_AUDIENCE = 'acs-identity-gateway';
const ALGORITHM = 'ES256';

export interface DevIssuer {
  issuer: string;
  audience: string;
  jwks: JSONWebKeySet;
  algorithms: string[];
  sign(claims: DevTokenClaims): Promise<string>;
}

export interface DevTokenClaims {
  sub: string;
  roles?: string[];
  expiresInSeconds?: number;
}

export async function loadDevIssuer(dataDir: string): Promise<DevIssuer> {
  const privateJwk = await loadOrCreateKey(path.join(dataDir, 'dev-issuer', 'signing-key.json'));
  const { d: _private, ...publicJwk } = privateJwk;
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  return {
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    jwks: { keys: [{ ...publicJwk, alg: ALGORITHM, use: 'sig' }] },
    algorithms: [ALGORITHM],
    sign: ({ sub, roles = [], expiresInSeconds = 3600 }) =>
      new SignJWT({ roles })
        .setProtectedHeader({ alg: ALGORITHM, kid: privateJwk.kid, typ: 'JWT' })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime(`${expiresInSeconds}s`)
        .sign(privateKey),
  };
}

async function loadOrCreateKey(file: string): Promise<JWK> {
  const text = await readOrCreateFile(file, async () => {
    const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    return JSON.stringify({ ...(await exportJWK(privateKey)), kid: `dev-${Date.now().toString(36)}` });
  });
  return JSON.parse(text) as JWK;
}
