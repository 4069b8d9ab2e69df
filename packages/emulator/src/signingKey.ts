// The RSA key that signs ACS tokens, with a self-signed certificate so tokens carry a real x5t.
import { createHash, createPublicKey, generateKeyPairSync, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { readIfExists, writeFileAtomic } from './files.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Upper-case hex SHA-1 thumbprint of the certificate, as in real ACS token headers. */
  kid: string;
  /** The same thumbprint, base64url. */
  x5t: string;
  certPem: string;
  jwk: Record<string, unknown>;
}

interface StoredKey {
  privateKeyPem: string;
  certPem: string;
}

const FILE = 'signing-key.json';

/** Loads the key from dataDir, or creates one (and saves it there when a dataDir is given). */
export async function loadOrCreateSigningKey(dataDir: string | undefined): Promise<SigningKey> {
  const path = dataDir ? join(dataDir, FILE) : undefined;
  const saved = path ? await readIfExists(path) : undefined;
  const stored = saved ? (JSON.parse(saved) as StoredKey) : await createKey();
  if (path && !saved) await writeFileAtomic(path, JSON.stringify(stored));
  return toSigningKey(stored);
}

async function createKey(): Promise<StoredKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const notAfterDate = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const cert = await generate([{ name: 'commonName', value: 'ACS Identity emulator token signing' }], {
    keyPair: { privateKey, publicKey },
    algorithm: 'sha256',
    notAfterDate,
  });
  return { privateKeyPem: privateKey, certPem: cert.cert };
}

function toSigningKey(stored: StoredKey): SigningKey {
  const privateKey = createPrivateKey(stored.privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  const der = new X509Certificate(stored.certPem).raw;
  const thumbprint = createHash('sha1').update(der).digest();
  const kid = thumbprint.toString('hex').toUpperCase();
  const x5t = thumbprint.toString('base64url');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, x5t, use: 'sig', alg: 'RS256', x5c: [der.toString('base64')] };
  return { privateKey, publicKey, kid, x5t, certPem: stored.certPem, jwk };
}
