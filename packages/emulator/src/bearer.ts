// Default bearer-token check for HTTPS mode. There is no Entra ID here, so signatures are not checked:
// any unexpired JWT whose `aud` is the ACS data plane (https://communication.azure.com) is accepted.
const ACS_AUDIENCE = 'https://communication.azure.com';

export function acceptAcsAudience(token: string): boolean {
  const payloadPart = token.split('.')[1];
  if (!payloadPart) return false;
  try {
    const claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString()) as { aud?: unknown; exp?: unknown };
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const audienceOk = audiences.some((a) => typeof a === 'string' && a.replace(/\/+$/, '') === ACS_AUDIENCE);
    const unexpired = typeof claims.exp !== 'number' || claims.exp * 1000 > Date.now();
    return audienceOk && unexpired;
  } catch {
    return false;
  }
}
