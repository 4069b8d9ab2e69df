// The production configuration: Teams tokens checked as Microsoft Entra ID issues them (v1.0 and v2.0, tenants,
// issuers), with the signing keys fetched over HTTP from TEAMS_JWKS_URI. A test OIDC provider stands in for Entra.
import { randomUUID } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '@acs-identity-gateway/emulator';
import type { RunningGateway } from '../../src/app.js';
import { errorCode, graphql } from '../harness/graphqlClient.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const EXCHANGE = 'mutation($input: ExchangeTeamsUserTokenInput!) { exchangeTeamsUserToken(input: $input) { teamsUserId } }';
const CLIENT_ID = randomUUID();
const TENANT_ID = randomUUID();
const OTHER_TENANT_ID = randomUUID();
const CONSUMER_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

let h: Harness;
let acs: RunningEmulator;
let singleTenant: RunningGateway;
let multiTenant: RunningGateway;

beforeAll(async () => {
  h = await startHarness({ name: 'teams_entra' });
  // ACS checks Teams tokens against the same keys the gateway fetches.
  acs = await startEmulator({ teamsJwks: new URL(h.issuer.jwksUri) });
  const entra = { COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString, TEAMS_CLIENT_ID: CLIENT_ID, TEAMS_JWKS_URI: h.issuer.jwksUri };
  singleTenant = await h.startInstance({ ...entra, TEAMS_TENANT_ID: TENANT_ID });
  multiTenant = await h.startInstance({ ...entra, TEAMS_TENANT_ID: 'organizations' });
});
afterAll(async () => {
  await h?.stop();
  await acs?.close();
});

type Version = 'v1' | 'v2';

/** A token shaped as Entra issues it for ACS: v1.0 (sts.windows.net, App ID URI, appid) or v2.0 (login.microsoftonline.com, app id, azp). */
function entraToken(oid: string, version: Version, overrides: { tid?: string; iss?: string; clientId?: string } = {}): Promise<string> {
  const tid = overrides.tid ?? TENANT_ID;
  const v1 = version === 'v1';
  return h.issuer.token(randomUUID(), {
    issuer: overrides.iss ?? (v1 ? `https://sts.windows.net/${tid}/` : `https://login.microsoftonline.com/${tid}/v2.0`),
    audience: v1 ? 'https://auth.msft.communication.azure.com' : '1fd5118e-2576-4263-8130-9503064c837a',
    claims: { ver: v1 ? '1.0' : '2.0', tid, oid, scp: 'Teams.ManageCalls Teams.ManageChats', [v1 ? 'appid' : 'azp']: overrides.clientId ?? CLIENT_ID },
  });
}

async function exchange(gateway: RunningGateway, teamsToken: string, oid: string) {
  const caller = await h.issuer.token(`user-${oid}`, { claims: { oid } });
  return graphql(gateway.url, EXCHANGE, { input: { teamsUserAadToken: teamsToken } }, caller);
}

const exchanges = () => acs.stats().requestsByOperation.exchange;

describe('Teams tokens from Microsoft Entra ID', () => {
  it.each<Version>(['v1', 'v2'])('accepts a %s token of the tenant and application, and ACS agrees', async (version) => {
    const oid = randomUUID();
    const before = exchanges();
    const result = await exchange(singleTenant, await entraToken(oid, version), oid);
    expect(result.errors).toBeUndefined();
    expect(result.data?.exchangeTeamsUserToken.teamsUserId).toBe(`8:orgid:${oid}`);
    expect(exchanges()).toBe(before + 1);
  });

  it.each<[string, () => RunningGateway, (oid: string) => Promise<string>, RegExp]>([
    ['another tenant', () => singleTenant, (oid) => entraToken(oid, 'v2', { tid: OTHER_TENANT_ID }), /tenant/],
    ["another tenant's issuer", () => singleTenant, (oid) => entraToken(oid, 'v1', { iss: `https://sts.windows.net/${OTHER_TENANT_ID}/` }), /issuer/],
    ['an issuer that is not Entra', () => singleTenant, (oid) => entraToken(oid, 'v2', { iss: h.issuer.issuer }), /issuer/],
    ['another application', () => singleTenant, (oid) => entraToken(oid, 'v2', { clientId: randomUUID() }), /another application/],
    ['a personal Microsoft account', () => multiTenant, (oid) => entraToken(oid, 'v2', { tid: CONSUMER_TENANT_ID }), /tenant/],
  ])('refuses a token of %s with TEAMS_TOKEN_INVALID before ACS', async (_case, gateway, makeToken, reason) => {
    const oid = randomUUID();
    const before = exchanges();
    const result = await exchange(gateway(), await makeToken(oid), oid);
    expect(errorCode(result)).toBe('TEAMS_TOKEN_INVALID');
    expect(result.errors?.[0]?.message).toMatch(reason);
    expect(exchanges()).toBe(before);
  });

  it('accepts Teams users of any work or school tenant with TEAMS_TENANT_ID=organizations', async () => {
    const oid = randomUUID();
    const result = await exchange(multiTenant, await entraToken(oid, 'v2', { tid: OTHER_TENANT_ID }), oid);
    expect(result.errors).toBeUndefined();
  });

  it("answers UPSTREAM_UNAVAILABLE while Entra's keys cannot be fetched, and never calls ACS", async () => {
    const unreachable = await h.startInstance({
      COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
      TEAMS_CLIENT_ID: CLIENT_ID,
      TEAMS_TENANT_ID: TENANT_ID,
      TEAMS_JWKS_URI: 'http://127.0.0.1:9/keys',
    });
    const oid = randomUUID();
    const before = exchanges();
    const result = await exchange(unreachable, await entraToken(oid, 'v2'), oid);
    expect(errorCode(result)).toBe('UPSTREAM_UNAVAILABLE');
    expect(exchanges()).toBe(before);
  });
});
