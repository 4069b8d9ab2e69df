// ACS with managed identity (COMMUNICATION_SERVICES_ENDPOINT alone): the gateway process, as `npm start` runs it,
// gets its token from an App Service managed-identity endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER, read by
// @azure/identity's DefaultAzureCredential) and the emulator, over HTTPS, verifies that token's signature.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDevEntraIssuer, startEmulator, type DevEntraIssuer, type RunningEmulator } from '@acs-identity-gateway/emulator';
import { errorCode, graphql } from '../harness/graphqlClient.js';
import { buildOnce, startGatewayProcess, type GatewayProcess } from '../harness/gatewayProcess.js';
import { startTestIssuer, type TestIssuer } from '../harness/testIssuer.js';
import { uniqueDbUri } from '../support/mongo.js';

const TENANT = randomUUID();
const SECRET = randomUUID();

/** An App Service managed-identity endpoint that mints with `sign` for the resource asked. */
async function startMsiEndpoint(mint: (resource: string) => Promise<string>): Promise<{ url: string; calls: string[]; server: Server }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const resource = url.searchParams.get('resource') ?? '';
    calls.push(resource);
    if (req.headers['x-identity-header'] !== SECRET) {
      res.writeHead(401).end();
      return;
    }
    void mint(resource).then((token) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource, token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`, calls, server };
}

describe('managed identity against the emulator over HTTPS', () => {
  let emulator: RunningEmulator;
  let issuer: TestIssuer;
  let trusted: DevEntraIssuer;
  let certDir: string;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    buildOnce();
    certDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-mi-'));
    trusted = await createDevEntraIssuer();
    emulator = await startEmulator({ https: true, certDir, devEntra: trusted });
    issuer = await startTestIssuer();
  }, 120_000);
  afterAll(async () => {
    for (const r of running) await r.stop();
    await issuer?.close();
    await emulator?.close();
    await rm(certDir, { recursive: true, force: true });
  });

  /** A managed identity's token: app-only (roles, no scp), for the resource DefaultAzureCredential asked. */
  const tokenOf = (entra: DevEntraIssuer) => (resource: string) =>
    entra.mintToken({ tenantId: TENANT, userId: randomUUID(), claims: { aud: resource, scp: undefined, roles: [] } });

  async function gatewayWith(mint: (resource: string) => Promise<string>): Promise<{ gateway: GatewayProcess; msiCalls: string[] }> {
    const msi = await startMsiEndpoint(mint);
    running.push({ stop: () => new Promise<void>((resolve) => msi.server.close(() => resolve())) });
    const gateway = await startGatewayProcess({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MONGODB_URI: uniqueDbUri('managed_identity'),
      COMMUNICATION_SERVICES_ENDPOINT: emulator.endpoint,
      NODE_EXTRA_CA_CERTS: emulator.caCertPath!,
      IDENTITY_ENDPOINT: msi.url,
      IDENTITY_HEADER: SECRET,
      RECONCILE_INTERVAL_MS: '0',
      // Production's metrics port (9464) is one per machine; the suite runs gateways side by side.
      METRICS_PORT: '0',
      // The requests below are free documents, which production refuses by default (trusted documents only).
      TRUSTED_DOCUMENTS_ONLY: 'false',
      ...issuer.env,
    });
    running.push(gateway);
    return { gateway, msiCalls: msi.calls };
  }

  it('creates identities and tokens with a signed token of a trusted key, asked for the ACS resource', async () => {
    const { gateway, msiCalls } = await gatewayWith(tokenOf(trusted));
    const user = await issuer.token('mi-user');
    const created = await graphql<{ createUser: { identity: { id: string } } }>(gateway.url, 'mutation { createUser { identity { id } } }', {}, user);
    expect(created.errors).toBeUndefined();
    const issued = await graphql(gateway.url, 'mutation { issueToken(input: { scopes: [CHAT] }) { accessToken { token } } }', {}, user);
    expect(issued.errors).toBeUndefined();
    expect(emulator.listIdentities().find((i) => i.id === created.data?.createUser.identity.id)).toMatchObject({ deleted: false });
    expect(msiCalls.length).toBeGreaterThan(0);
    expect(new Set(msiCalls)).toEqual(new Set(['https://communication.azure.com/']));
  }, 120_000);

  it('gets nothing from ACS with a token of a key the emulator does not trust', async () => {
    const stranger = await createDevEntraIssuer();
    const before = emulator.listIdentities().length;
    const { gateway } = await gatewayWith(tokenOf(stranger));
    const user = await issuer.token('mi-stranger');
    const refused = await graphql(gateway.url, 'mutation { createUser { identity { id } } }', {}, user);
    expect(errorCode(refused)).toBe('UPSTREAM_UNAVAILABLE');
    expect(emulator.listIdentities().length).toBe(before);
  }, 120_000);
});
