import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/config.js';
import { productionEnv, refusal } from '../harness/productionEnv.js';

const production = productionEnv();
const clientId = randomUUID();
const tenantId = randomUUID();

describe('Teams configuration', () => {
  it('is off in production unless TEAMS_CLIENT_ID is set', () => {
    expect(loadConfig(production).teams).toEqual({ kind: 'off' });
    expect(loadConfig({ ...production, TEAMS_ENABLED: 'false', TEAMS_CLIENT_ID: clientId, TEAMS_TENANT_ID: tenantId }).teams).toEqual({ kind: 'off' });
  });

  it('trusts the development issuer outside production, unless Entra settings are given', () => {
    expect(loadConfig({}).teams).toEqual({ kind: 'devIssuer', clientIds: null, requiredScopes: ['Teams.ManageCalls', 'Teams.ManageChats'] });
    expect(loadConfig({ TEAMS_CLIENT_ID: clientId.toUpperCase() }).teams).toMatchObject({ kind: 'devIssuer', clientIds: [clientId] });
    expect(loadConfig({ TEAMS_ENABLED: 'no' }).teams).toEqual({ kind: 'off' });
    expect(loadConfig({ TEAMS_CLIENT_ID: clientId, TEAMS_TENANT_ID: tenantId }).teams.kind).toBe('entra');
  });

  it("uses a single tenant's own keys and issuers, and Entra's common keys for several tenants or any", () => {
    expect(loadConfig({ ...production, TEAMS_CLIENT_ID: clientId, TEAMS_TENANT_ID: tenantId }).teams).toEqual({
      kind: 'entra',
      clientIds: [clientId],
      tenants: [tenantId],
      jwksUri: `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`,
      issuers: ['https://login.microsoftonline.com/{tenantid}/v2.0', 'https://sts.windows.net/{tenantid}/'],
      requiredScopes: ['Teams.ManageCalls', 'Teams.ManageChats'],
    });
    const other = randomUUID();
    expect(loadConfig({ ...production, TEAMS_CLIENT_ID: `${clientId}, ${other}`, TEAMS_TENANT_ID: `${tenantId},${other}` }).teams).toMatchObject({
      clientIds: [clientId, other],
      tenants: [tenantId, other],
      jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    });
    expect(loadConfig({ ...production, TEAMS_CLIENT_ID: clientId, TEAMS_TENANT_ID: 'organizations' }).teams).toMatchObject({
      tenants: 'organizations',
      jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    });
    expect(
      loadConfig({
        ...production,
        TEAMS_CLIENT_ID: clientId,
        TEAMS_TENANT_ID: tenantId,
        TEAMS_JWKS_URI: 'https://login.microsoftonline.us/common/discovery/v2.0/keys',
        TEAMS_ISSUERS: 'https://login.microsoftonline.us/{tenantid}/v2.0',
        TEAMS_REQUIRED_SCOPES: 'Teams.ManageCalls',
      }).teams,
    ).toMatchObject({
      jwksUri: 'https://login.microsoftonline.us/common/discovery/v2.0/keys',
      issuers: ['https://login.microsoftonline.us/{tenantid}/v2.0'],
      requiredScopes: ['Teams.ManageCalls'],
    });
  });

  it.each([
    [{ TEAMS_CLIENT_ID: clientId }, /TEAMS_TENANT_ID must be set with TEAMS_CLIENT_ID.*organizations/],
    [{ TEAMS_ENABLED: 'true' }, /TEAMS_ENABLED is on: set TEAMS_CLIENT_ID/],
    [{ TEAMS_CLIENT_ID: 'my-app', TEAMS_TENANT_ID: tenantId }, /TEAMS_CLIENT_ID takes GUIDs.*"my-app"/],
    [{ TEAMS_CLIENT_ID: clientId, TEAMS_TENANT_ID: 'contoso.onmicrosoft.com' }, /TEAMS_TENANT_ID takes GUIDs/],
    [{ TEAMS_CLIENT_ID: clientId, TEAMS_TENANT_ID: tenantId, TEAMS_JWKS_URI: 'keys' }, /TEAMS_JWKS_URI/],
    [{ TEAMS_ENABLED: 'maybe' }, /TEAMS_ENABLED/],
    [{ RATE_LIMIT_TEAMS_EXCHANGE_PER_MINUTE: '0' }, /RATE_LIMIT_TEAMS_EXCHANGE_PER_MINUTE/],
  ])('refuses %j in production, naming the variable', (env, message) => {
    expect(refusal({ ...production, ...env })).toMatch(message);
  });

  it('reads the caller object id claim and the exchange budget', () => {
    expect(loadConfig({}).auth.objectIdClaim).toBe('oid');
    expect(loadConfig({ AUTH_OBJECT_ID_CLAIM: 'extension_entraId' }).auth.objectIdClaim).toBe('extension_entraId');
    // 1% of ACS's own exchange limit per resource (500 per 30 s, 1,000 a minute) for one caller.
    expect(loadConfig({}).rateLimits.perMinute.teamsExchange).toBe(10);
    expect(loadConfig({ RATE_LIMIT_TEAMS_EXCHANGE_PER_MINUTE: '3' }).rateLimits.perMinute.teamsExchange).toBe(3);
  });
});
