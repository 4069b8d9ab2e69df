import type { AcsIdentityClient } from '../acs/acsIdentityClient.js';
import type { GatewayConfig } from '../config/config.js';
import { TeamsExchange } from '../teams/teamsExchange.js';
import { ACS_TEAMS_AUDIENCES, createTeamsTokenVerifier } from '../teams/teamsTokenVerifier.js';
import { loadLocalStack } from './localStack.js';

/** Entra signs access tokens with RS256 only. */
const ENTRA_ALGORITHMS = ['RS256'];

/** exchangeTeamsUserToken as configured: off, Microsoft Entra ID, or the development issuer outside production. */
export async function teamsExchangeFor(config: GatewayConfig, acs: AcsIdentityClient): Promise<TeamsExchange> {
  const { teams, auth } = config;
  if (teams.kind === 'off') return new TeamsExchange(null, acs, auth.objectIdClaim);
  const common = { audiences: ACS_TEAMS_AUDIENCES, requiredScopes: teams.requiredScopes, clockToleranceSeconds: auth.clockToleranceSeconds };
  if (teams.kind === 'devIssuer') {
    const local = await loadLocalStack(config.production, 'the development issuer for Teams tokens');
    const dev = await local.loadDevIssuer(config.dataDir);
    const verifier = createTeamsTokenVerifier({
      ...common,
      jwks: dev.jwks,
      algorithms: dev.algorithms,
      issuers: [dev.teams.issuer],
      tenants: [dev.teams.tenantId],
      clientIds: teams.clientIds ?? [dev.teams.clientId],
    });
    return new TeamsExchange(verifier, acs, auth.objectIdClaim, config.scopePolicy);
  }
  const verifier = createTeamsTokenVerifier({
    ...common,
    jwks: new URL(teams.jwksUri),
    algorithms: ENTRA_ALGORITHMS,
    issuers: teams.issuers,
    tenants: teams.tenants,
    clientIds: teams.clientIds,
  });
  return new TeamsExchange(verifier, acs, auth.objectIdClaim, config.scopePolicy);
}
