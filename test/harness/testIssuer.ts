import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface TestIssuer {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** A token for an app user, signed with the published key; overrides can break it on purpose. */
  token(sub: string, options?: TestTokenOptions): Promise<string>;
  /** The environment that points a gateway at this issuer. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface TestTokenOptions {
  roles?: string[];
  audience?: string;
  issuer?: string;
  expiresIn?: string | number;
  notBefore?: string | number;
  /** Sign with a key that is not in the JWKS (a forgery). */
  foreignKey?: boolean;
  /** More claims, e.g. an Entra object id (`oid`). */
  claims?: Record<string, unknown>;
}

/** A stand-in OpenID Connect provider: an RS256 key and a JWKS served on loopback HTTP. */
export async function startTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}/`;
  const audience = 'api://acs-identity-gateway-test';
  const jwksUri = `http://127.0.0.1:${port}/jwks.json`;

  return {
    issuer,
    audience,
    jwksUri,
    env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_URI: jwksUri },
    token: (sub, options = {}) => sign(sub, options.foreignKey ? foreign.privateKey : privateKey, { issuer, audience, ...options }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function sign(sub: string, key: CryptoKey, options: TestTokenOptions & { issuer: string; audience: string }): Promise<string> {
  const jwt = new SignJWT({ roles: options.roles ?? [], ...options.claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setSubject(sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m');
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(key);
}

/** An unsigned token (`alg: none`) claiming to be the given user. */
export function unsignedToken(sub: string, issuer: string, audience: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub, iss: issuer, aud: audience, iat: now, exp: now + 600, roles: ['identity.admin'] })}.`;
}
