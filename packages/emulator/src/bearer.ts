// The bearer (Entra ID) check of the data plane in HTTPS mode, as ACS makes it: a signature by a trusted key
// (asymmetric algorithms only: `none` and HMAC are refused), the https://communication.azure.com audience, expiry,
// and an issuer of the token's own tenant. ACS's exact answer to a refused token is not recorded (inferred: 401 Denied).
import { decodeJwt, jwtVerify } from 'jose';
import type { TrustedIssuer } from './entra/verifier.js';
import { isGuid } from './ids.js';

const ACS_AUDIENCES = ['https://communication.azure.com', 'https://communication.azure.com/'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

export function bearerVerifier(trusted: readonly TrustedIssuer[]): (token: string) => Promise<boolean> {
  return async (token) => {
    let tid: unknown;
    try {
      tid = decodeJwt(token)['tid'];
    } catch {
      return false;
    }
    if (typeof tid !== 'string' || !isGuid(tid)) return false;
    for (const issuer of trusted) {
      try {
        await jwtVerify(token, issuer.keys, {
          algorithms: ASYMMETRIC,
          audience: ACS_AUDIENCES,
          issuer: issuer.issuersFor(tid.toLowerCase()),
          requiredClaims: ['exp', 'iss', 'aud'],
        });
        return true;
      } catch {
        // Not this issuer's token, or not a valid one: the next issuer may still vouch for it.
      }
    }
    return false;
  };
}
