import { createCallerVerifier, type BearerTokenOutcome, type CallerVerifier } from '../auth/callerVerifier.js';
import type { GatewayConfig } from '../config/config.js';
import { loadLocalStack } from './localStack.js';

/** The configured OpenID Connect provider, or the development issuer outside production. */
export async function callerVerifierFor(config: GatewayConfig, onBearerToken?: (outcome: BearerTokenOutcome) => void): Promise<CallerVerifier> {
  const { auth } = config;
  const common = {
    userIdClaim: auth.userIdClaim,
    rolesClaim: auth.rolesClaim,
    objectIdClaim: auth.objectIdClaim,
    adminRole: auth.adminRole,
    policyRoles: new Set(config.scopePolicy?.byRole.keys() ?? []),
    clockToleranceSeconds: auth.clockToleranceSeconds,
    verifiedTokenCache: auth.verifiedTokenCache,
    onBearerToken,
  };
  if (auth.kind === 'devIssuer') {
    const local = await loadLocalStack(config.production, 'the development token issuer');
    const dev = await local.loadDevIssuer(config.dataDir);
    return createCallerVerifier({ ...common, issuer: dev.issuer, audience: dev.audience, jwks: dev.jwks, algorithms: dev.algorithms });
  }
  return createCallerVerifier({ ...common, issuer: auth.issuer, audience: auth.audience, jwks: new URL(auth.jwksUri), algorithms: auth.algorithms });
}
