import { createHash } from 'node:crypto';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JSONWebKeySet } from 'jose';
import { readOrCreateFile } from './readOrCreateFile.js';

/**
 * The development token issuer: used only when no AUTH_ISSUER is configured outside production.
 * Its key lives in the local data folder so tokens from `npm run dev-token` keep working across restarts.
 */
export const DEV_ISSUER = 'urn:acs-identity-gateway:dev-issuer';
export const DEV_AUDIENCE = 'acs-identity-gateway';
const ALGORITHM = 'ES256';

/**
 * Its Teams user tokens stand in for Microsoft Entra ID's: the same claims (aud, scp, appid, oid, tid), in a tenant
 * and for an application that exist nowhere else. `{tenantid}` in the issuer is the token's tid, as with Entra.
 */
export const DEV_TEAMS_ISSUER = 'urn:acs-identity-gateway:dev-entra/{tenantid}';
export const DEV_TEAMS_TENANT_ID = 'd0000000-0000-4000-8000-000000000001';
export const DEV_TEAMS_CLIENT_ID = 'd0000000-0000-4000-8000-000000000002';
export const DEV_TEAMS_AUDIENCE = 'https://auth.msft.communication.azure.com';
export const DEV_TEAMS_SCOPES = ['Teams.ManageCalls', 'Teams.ManageChats'];

export interface DevIssuer {
  issuer: string;
  audience: string;
  jwks: JSONWebKeySet;
  algorithms: string[];
  teams: { issuer: string; tenantId: string; clientId: string };
  /** A caller token; it carries `oid: devObjectId(sub)`, so the same user's Teams token matches it. */
  sign(claims: DevTokenClaims): Promise<string>;
  /** A Teams user token; the overrides make it wrong on purpose (tests). */
  signTeams(claims: DevTeamsTokenClaims): Promise<string>;
}

export interface DevTokenClaims {
  sub: string;
  roles?: string[];
  expiresInSeconds?: number;
  /** Where the Entra object id goes (AUTH_OBJECT_ID_CLAIM); `oid` by default. */
  objectIdClaim?: string;
}

export interface DevTeamsTokenClaims {
  /** The Entra object id; devObjectId(<app user id>) is the one that user's caller token carries. */
  objectId: string;
  clientId?: string;
  tenantId?: string;
  scopes?: string[];
  audience?: string;
  /** Negative: already expired, by that many seconds. */
  expiresInSeconds?: number;
}

/** The development object id of an app user: a GUID derived from the id, the same on every machine. */
export function devObjectId(appUserId: string): string {
  const hex = createHash('sha256').update(`acs-identity-gateway dev oid\n${appUserId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function loadDevIssuer(dataDir: string): Promise<DevIssuer> {
  const privateJwk = await loadOrCreateKey(path.join(dataDir, 'dev-issuer', 'signing-key.json'));
  const { d: _private, ...publicJwk } = privateJwk;
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  const header = { alg: ALGORITHM, kid: privateJwk.kid, typ: 'JWT' };
  return {
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    jwks: { keys: [{ ...publicJwk, alg: ALGORITHM, use: 'sig' }] },
    algorithms: [ALGORITHM],
    teams: { issuer: DEV_TEAMS_ISSUER, tenantId: DEV_TEAMS_TENANT_ID, clientId: DEV_TEAMS_CLIENT_ID },
    sign: ({ sub, roles = [], expiresInSeconds = 3600, objectIdClaim = 'oid' }) =>
      new SignJWT({ roles, [objectIdClaim]: devObjectId(sub) })
        .setProtectedHeader(header)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime(`${expiresInSeconds}s`)
        .sign(privateKey),
    signTeams: (claims) => signTeams(claims, header, privateKey),
  };
}

function signTeams(claims: DevTeamsTokenClaims, header: { alg: string; kid?: string; typ: string }, key: CryptoKey | Uint8Array): Promise<string> {
  const tenantId = claims.tenantId ?? DEV_TEAMS_TENANT_ID;
  const now = Math.floor(Date.now() / 1000);
  const exp = now + (claims.expiresInSeconds ?? 3600);
  // An Entra v1.0 access token's claims, as ACS receives them.
  return new SignJWT({
    ver: '1.0',
    tid: tenantId,
    oid: claims.objectId,
    appid: claims.clientId ?? DEV_TEAMS_CLIENT_ID,
    scp: (claims.scopes ?? DEV_TEAMS_SCOPES).join(' '),
  })
    .setProtectedHeader(header)
    .setIssuer(DEV_TEAMS_ISSUER.replace('{tenantid}', tenantId))
    .setAudience(claims.audience ?? DEV_TEAMS_AUDIENCE)
    .setSubject(createHash('sha256').update(`${claims.objectId}\n${claims.clientId ?? DEV_TEAMS_CLIENT_ID}`).digest('base64url').slice(0, 43))
    .setIssuedAt(Math.min(now, exp - 60))
    .setNotBefore(Math.min(now, exp - 60))
    .setExpirationTime(exp)
    .sign(key);
}

async function loadOrCreateKey(file: string): Promise<JWK> {
  const text = await readOrCreateFile(file, async () => {
    const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    return JSON.stringify({ ...(await exportJWK(privateKey)), kid: `dev-${Date.now().toString(36)}` });
  });
  return JSON.parse(text) as JWK;
}
