// The HTTPS mode's certificates: a local certificate authority, and a server certificate it signs for
// localhost, 127.0.0.1, ::1 and the listening host. Kept in <dir>/tls/ so that NODE_EXTRA_CA_CERTS (or a
// truststore made from ca-cert.pem) stays valid across restarts; the server certificate is renewed from the same
// authority when it nears its end or lacks the host. The extensions (key identifiers, critical constraints)
// are those strict verifiers ask for, such as Python 3.13's default VERIFY_X509_STRICT.
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { readIfExists, writeFileAtomic } from './files.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY_MS = 24 * 3600 * 1000;
const CA_DAYS = 3650;
// Apple platforms refuse server certificates valid for more than 825 days; 397 satisfies every rule.
const SERVER_DAYS = 397;
const RENEW_BEFORE_MS = 30 * DAY_MS;

export interface ServerCert {
  key: string;
  /** The server certificate followed by the authority's, as the TLS server sends them. */
  cert: string;
  caCertPem: string;
  /** Where caCertPem is kept, when it is kept. */
  caCertPath?: string;
}

interface Pair {
  certPem: string;
  keyPem: string;
}

/** With `dir`, loads what is there and still fits, and creates and saves the rest; without, makes a fresh pair. */
export async function serverCertificate(host: string, dir: string | undefined): Promise<ServerCert> {
  const tlsDir = dir ? join(dir, 'tls') : undefined;
  const file = (name: string) => join(tlsDir!, name);
  const load = async (cert: string, key: string): Promise<Pair | undefined> => {
    if (!tlsDir) return undefined;
    const [certPem, keyPem] = await Promise.all([readIfExists(file(cert)), readIfExists(file(key))]);
    return certPem && keyPem ? { certPem, keyPem } : undefined;
  };

  let ca = await load('ca-cert.pem', 'ca-key.pem');
  let server = await load('server-cert.pem', 'server-key.pem');
  if (!ca || !fresh(ca.certPem)) {
    ca = await createAuthority();
    server = undefined;
  }
  const names = subjectNames(host);
  if (!server || !fresh(server.certPem) || !signedBy(server.certPem, ca.certPem) || !covers(server.certPem, names)) {
    server = await createServerCert(ca, names);
    if (tlsDir) {
      await writeFileAtomic(file('ca-cert.pem'), ca.certPem, 0o644);
      await writeFileAtomic(file('ca-key.pem'), ca.keyPem);
      await writeFileAtomic(file('server-cert.pem'), server.certPem, 0o644);
      await writeFileAtomic(file('server-key.pem'), server.keyPem);
    }
  }
  return {
    key: server.keyPem,
    cert: server.certPem + ca.certPem,
    caCertPem: ca.certPem,
    ...(tlsDir ? { caCertPath: file('ca-cert.pem') } : {}),
  };
}

interface Names {
  dns: string[];
  ips: string[];
}

function subjectNames(host: string): Names {
  const names: Names = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] };
  const bare = host.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(bare) || bare.includes(':')) {
    if (!names.ips.includes(bare)) names.ips.push(bare);
  } else if (!names.dns.includes(bare.toLowerCase())) {
    names.dns.push(bare.toLowerCase());
  }
  return names;
}

async function createAuthority(): Promise<Pair> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=ACS Identity emulator local CA',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + CA_DAYS * DAY_MS),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await pkcs8Pem(keys.privateKey) };
}

async function createServerCert(ca: Pair, names: Names): Promise<Pair> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(ca.keyPem), ALG, false, ['sign']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=localhost',
    issuer: caCert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + SERVER_DAYS * DAY_MS),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await pkcs8Pem(keys.privateKey) };
}

function fresh(certPem: string): boolean {
  try {
    return Date.parse(new NodeX509(certPem).validTo) - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

function signedBy(certPem: string, caPem: string): boolean {
  try {
    return new NodeX509(certPem).verify(new NodeX509(caPem).publicKey);
  } catch {
    return false;
  }
}

function covers(certPem: string, names: Names): boolean {
  try {
    const c = new NodeX509(certPem);
    return names.dns.every((d) => c.checkHost(d) !== undefined) && names.ips.every((ip) => c.checkIP(ip) !== undefined);
  } catch {
    return false;
  }
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
