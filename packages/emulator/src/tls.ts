// The HTTPS mode's self-signed server certificate, made at start for 127.0.0.1 and localhost.
import { generate } from 'selfsigned';

export interface ServerCert {
  key: string;
  cert: string;
}

export async function selfSignedCert(host: string): Promise<ServerCert> {
  const altNames = [
    { type: 2 as const, value: 'localhost' },
    { type: 7 as const, ip: '127.0.0.1' },
    { type: 7 as const, ip: '::1' },
  ];
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    altNames.push(/^[\d.:]+$/.test(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host });
  }
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
