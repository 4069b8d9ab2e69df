import { z } from 'zod';
import { isGuid, normalizeGuid } from '../vocabulary/guid.js';
import { booleanFlag, commaList, ConfigError, optionalString, type AreaContext, type EnvOf } from './env.js';

/** exchangeTeamsUserToken. */
export const teamsEnv = {
  TEAMS_ENABLED: booleanFlag(false).optional(),
  TEAMS_CLIENT_ID: commaList,
  TEAMS_TENANT_ID: commaList,
  TEAMS_JWKS_URI: optionalString.pipe(z.url().optional()),
  TEAMS_ISSUERS: commaList,
  TEAMS_REQUIRED_SCOPES: commaList,
};

/** What a Teams user's Entra token must carry, wherever it comes from. */
export interface TeamsTokenRules {
  /** The Entra applications (client ids) whose tokens may be exchanged: the token's appid/azp must be one of them. */
  clientIds: string[];
  /** Delegated scopes the token must all carry (scp). */
  requiredScopes: string[];
}

/** exchangeTeamsUserToken: off, Teams users of Microsoft Entra ID, or (outside production) the development issuer's. */
export type TeamsConfig =
  | { kind: 'off' }
  | ({
      kind: 'entra';
      /** Tenants whose users may exchange, or any work or school tenant (a multi-tenant app). */
      tenants: string[] | 'organizations';
      jwksUri: string;
      /** Accepted `iss` values; `{tenantid}` stands for the token's own `tid`. */
      issuers: string[];
    } & TeamsTokenRules)
  /** clientIds null: the development issuer's own client id. */
  | ({ kind: 'devIssuer' } & Omit<TeamsTokenRules, 'clientIds'> & { clientIds: string[] | null });

/** The scopes of the Azure Communication Services API a Teams user's token is requested with (its `scp`). */
const DEFAULT_TEAMS_SCOPES = ['Teams.ManageCalls', 'Teams.ManageChats'];

/** Entra's v2.0 and v1.0 issuers in the public cloud; `{tenantid}` is the token's own `tid`. */
const DEFAULT_TEAMS_ISSUERS = ['https://login.microsoftonline.com/{tenantid}/v2.0', 'https://sts.windows.net/{tenantid}/'];

/**
 * Off in production unless TEAMS_CLIENT_ID is set; on elsewhere. Production, or any of TEAMS_TENANT_ID,
 * TEAMS_JWKS_URI and TEAMS_ISSUERS, means Microsoft Entra ID; otherwise the development issuer signs Teams tokens.
 */
export function teamsConfig(e: EnvOf<typeof teamsEnv>, { production }: AreaContext): TeamsConfig {
  const enabled = e.TEAMS_ENABLED ?? (!production || e.TEAMS_CLIENT_ID.length > 0);
  if (!enabled) return { kind: 'off' };
  const clientIds = guidList(e.TEAMS_CLIENT_ID, 'TEAMS_CLIENT_ID');
  const requiredScopes = e.TEAMS_REQUIRED_SCOPES.length > 0 ? e.TEAMS_REQUIRED_SCOPES : DEFAULT_TEAMS_SCOPES;
  const entra = production || e.TEAMS_TENANT_ID.length > 0 || e.TEAMS_JWKS_URI !== undefined || e.TEAMS_ISSUERS.length > 0;
  if (!entra) return { kind: 'devIssuer', clientIds: clientIds.length > 0 ? clientIds : null, requiredScopes };
  if (clientIds.length === 0) {
    throw new ConfigError(
      'TEAMS_ENABLED is on: set TEAMS_CLIENT_ID to the application (client) id of the Entra app registration with the Teams.ManageCalls and Teams.ManageChats permissions (a comma list for several), or TEAMS_ENABLED=false.',
    );
  }
  const tenants = teamsTenants(e.TEAMS_TENANT_ID);
  const issuers = e.TEAMS_ISSUERS.length > 0 ? e.TEAMS_ISSUERS : DEFAULT_TEAMS_ISSUERS;
  // One tenant: its own keys. Several, or any: Entra's common key set, which signs for every tenant.
  const jwksUri =
    e.TEAMS_JWKS_URI ??
    `https://login.microsoftonline.com/${tenants !== 'organizations' && tenants.length === 1 ? tenants[0] : 'common'}/discovery/v2.0/keys`;
  return { kind: 'entra', clientIds, tenants, jwksUri, issuers, requiredScopes };
}

function teamsTenants(values: string[]): string[] | 'organizations' {
  if (values.length === 0) {
    throw new ConfigError(
      'TEAMS_TENANT_ID must be set with TEAMS_CLIENT_ID: your Entra tenant id (a single-tenant app), a comma list of tenant ids, or "organizations" for Teams users of any tenant (a multi-tenant app).',
    );
  }
  if (values.length === 1 && values[0]!.toLowerCase() === 'organizations') return 'organizations';
  return guidList(values, 'TEAMS_TENANT_ID');
}

function guidList(values: string[], variable: string): string[] {
  const bad = values.filter((value): boolean => !isGuid(value));
  if (bad.length > 0) {
    throw new ConfigError(`${variable} takes GUIDs (as the Entra admin center shows them); got ${bad.map((value) => `"${value.slice(0, 40)}"`).join(', ')}.`);
  }
  return values.map(normalizeGuid);
}
