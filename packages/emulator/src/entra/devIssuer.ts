// A development Entra ID: mints RS256 access tokens shaped like Entra's (v2.0: iss, aud, scp, tid, oid, appid)
// so the Entra exchanges run offline. The emulator trusts it when given as `devEntra`; the CLI does by default.
// Its key is kept in a directory, so another process (the CLI's entra-token command) can mint for a running emulator.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';
import { readIfExists, writeFileAtomic } from '../files.js';
import { isGuid } from '../ids.js';

/** Reserved .invalid name: no real issuer can ever have it. */
export const DEV_ENTRA_ISSUER_BASE = 'https://login.dev-entra.invalid';
/** The client id minted tokens carry unless told otherwise. */
export const DEV_ENTRA_CLIENT_ID = '4f0d1e5a-7c1b-4c55-9a2e-6a2d5e0c0d11';

// What `.default` stands for on the two ACS resources: the permission an app would have been granted.
const DEFAULT_PERMISSIONS: Record<string, string> = {
  'https://communication.azure.com/clients': 'VoIP',
  'https://auth.msft.communication.azure.com': 'TeamsExtension.ManageCalls',
  'https://auth.msft.communication.azure.us': 'TeamsExtension.ManageCalls',
};

export interface DevEntraTokenOptions {
  /** Entra tenant (tid), a GUID. */
  tenantId: string;
  /** The user's object id (oid), a GUID. */
  userId: string;
  /** The client application (appid, azp); default DEV_ENTRA_CLIENT_ID. */
  appId?: string;
  /** Entra scopes, all of one resource; default https://communication.azure.com/clients/.default. */
  scopes?: string[];
  /** Lifetime; zero or negative gives a token that has already expired. Default 3600. */
  expiresInSeconds?: number;
  /** Group object ids (the groups claim). */
  groups?: string[];
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
}

/** Structurally a @azure/core-auth TokenCredential. */
export interface DevEntraCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number }>;
}

export interface DevEntraIssuer {
  readonly issuerBase: string;
  readonly jwks: { keys: JWK[] };
  /** The iss claim of a token of this tenant. */
  issuerFor(tenantId: string): string;
  mintToken(opts: DevEntraTokenOptions): Promise<string>;
  /** A TokenCredential for EntraCommunicationTokenCredentialOptions: mints for whatever scopes it is asked. */
  credential(opts: Omit<DevEntraTokenOptions, 'scopes'>): DevEntraCredential;
}

const KEY_FILE = 'dev-entra-key.json';

/** With `dataDir`, the key is loaded from there or created and saved (mode 600); without, it lives in memory. */
export async function createDevEntraIssuer(opts: { dataDir?: string } = {}): Promise<DevEntraIssuer> {
  const privateKey = await loadOrCreateKey(opts.dataDir);
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwk: JWK = { ...publicJwk, kid, alg: 'RS256', use: 'sig' };
  const issuerFor = (tenantId: string) => `${DEV_ENTRA_ISSUER_BASE}/${tenantId.toLowerCase()}/v2.0`;

  const mintToken = async (o: DevEntraTokenOptions): Promise<string> => {
    for (const [name, value] of [['tenantId', o.tenantId], ['userId', o.userId], ['appId', o.appId ?? DEV_ENTRA_CLIENT_ID]] as const) {
      if (typeof value !== 'string' || !isGuid(value)) throw new TypeError(`${name} must be a GUID, got '${String(value)}'`);
    }
    const { audience, scp } = audienceAndScope(o.scopes ?? ['https://communication.azure.com/clients/.default']);
    const lifetime = o.expiresInSeconds ?? 3600;
    if (!Number.isFinite(lifetime)) throw new TypeError('expiresInSeconds must be a finite number');
    const now = Math.floor(Date.now() / 1000);
    const exp = now + Math.trunc(lifetime);
    const iat = Math.min(now, exp - 60);
    const appId = o.appId ?? DEV_ENTRA_CLIENT_ID;
    // Built whole, so that `claims` can override (or, set to undefined, remove) any of them.
    return new SignJWT({
      iss: issuerFor(o.tenantId),
      aud: audience,
      iat,
      nbf: iat,
      exp,
      ver: '2.0',
      tid: o.tenantId.toLowerCase(),
      oid: o.userId.toLowerCase(),
      sub: o.userId.toLowerCase(),
      appid: appId,
      azp: appId,
      scp,
      uti: randomUUID(),
      ...(o.groups ? { groups: o.groups } : {}),
      ...o.claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey);
  };

  return {
    issuerBase: DEV_ENTRA_ISSUER_BASE,
    jwks: { keys: [jwk] },
    issuerFor,
    mintToken,
    credential: (base) => ({
      getToken: async (scopes) => {
        const token = await mintToken({ ...base, scopes: [scopes].flat() });
        const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
        return { token, expiresOnTimestamp: exp * 1000 };
      },
    }),
  };
}

/** Entra's rule: the scopes of one token name one resource; aud is that resource, scp the permissions. */
export function audienceAndScope(scopes: readonly string[]): { audience: string; scp: string } {
  if (scopes.length === 0) throw new TypeError('at least one scope is needed');
  let audience: string | undefined;
  const permissions: string[] = [];
  for (const scope of scopes) {
    const slash = scope.lastIndexOf('/');
    if (!/^https:\/\/[^/]+/.test(scope) || slash < 'https://'.length) throw new TypeError(`'${scope}' is not a resource scope (https://resource/permission)`);
    const resource = scope.slice(0, slash);
    if (audience !== undefined && resource !== audience) throw new TypeError('all scopes of one token must name the same resource');
    audience = resource;
    const permission = scope.slice(slash + 1);
    const granted = permission === '.default' ? DEFAULT_PERMISSIONS[resource] : permission;
    if (!granted) throw new TypeError(`no default permission is known for ${resource}; name the permission`);
    permissions.push(granted);
  }
  return { audience: audience!, scp: [...new Set(permissions)].join(' ') };
}

async function loadOrCreateKey(dataDir: string | undefined): Promise<KeyObject> {
  const path = dataDir ? join(dataDir, KEY_FILE) : undefined;
  const saved = path ? await readIfExists(path) : undefined;
  if (saved) return createPrivateKey((JSON.parse(saved) as { privateKeyPem: string }).privateKeyPem);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (path) await writeFileAtomic(path, JSON.stringify({ privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) }));
  return privateKey;
}
