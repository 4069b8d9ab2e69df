// The real AzureCommunicationTokenCredential of @azure/communication-common with EntraCommunicationTokenCredentialOptions
// obtains ACS tokens from the emulator through both exchanges. The credential sends the Entra token as a bearer
// over its own HTTPS client, which trusts only the system's authorities and NODE_EXTRA_CA_CERTS, so it runs in a
// process of its own with that variable set to the emulator's authority. Nothing of the SDK is mocked.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { createDevEntraIssuer, startEmulator, type DevEntraIssuer, type RunningEmulator } from '../src/index.js';
import { ROOT } from './cliProcess.js';
import { introspect, rawRequest } from './helpers.js';

const APP = join(ROOT, 'packages/emulator/test/fixtures/entra-credential.mjs');
const TEAMS_EXTENSION_SCOPE = 'https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls';
const ENTRA_SCOPE = 'https://communication.azure.com/clients/VoIP';

interface Case {
  name: string;
  resourceEndpoint: string;
  scopes: string[];
  entraToken: string;
}
interface Result {
  name: string;
  token?: string;
  expiresOnTimestamp?: number;
  error?: string;
  asked: string[];
}

function runApp(cases: Case[], env: Record<string, string>): Promise<Result[]> {
  const child = spawn(process.execPath, [APP], { cwd: ROOT, env: { ...env, CASES: JSON.stringify(cases) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Result[]) : reject(new Error(`app exited with ${code}: ${err}`)))),
  );
}

describe('AzureCommunicationTokenCredential with EntraCommunicationTokenCredentialOptions', () => {
  let dataDir: string;
  let issuer: DevEntraIssuer;
  let emu: RunningEmulator;
  let resourceEndpoint: string;
  const [tenantId, assigned, unassigned, clientId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'acs-emulator-entra-cred-'));
    issuer = await createDevEntraIssuer({ dataDir });
    emu = await startEmulator({ https: true, dataDir, devEntra: issuer });
    // As in the docs: the resource endpoint without a trailing slash (the credential appends /access/...).
    resourceEndpoint = emu.endpoint.replace(/\/$/, '');
    const put = await rawRequest(emu, {
      method: 'PUT',
      path: `/access/teamsExtension/tenants/${tenantId}/assignments/${assigned}?api-version=2025-06-30`,
      body: { principalType: 'user', clientIds: [clientId] },
    });
    const patch = await rawRequest(emu, {
      method: 'PATCH',
      path: '/access/entra/assignments?api-version=2025-03-02-preview',
      body: { [assigned]: { tenantId, principalType: 'user', clientIds: [clientId] } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect([put.status, patch.status]).toEqual([201, 200]);
  });
  afterAll(async () => {
    await emu.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const entraToken = (userId: string, scope: string, expiresInSeconds = 3600) =>
    issuer.mintToken({ tenantId, userId, appId: clientId, scopes: [scope], expiresInSeconds });

  it('gets an ACS token for an assigned user through both endpoints; refuses an unassigned user and an expired token', async () => {
    const cases: Case[] = [];
    const add = async (name: string, scope: string, userId: string, expiresInSeconds?: number) =>
      cases.push({ name, resourceEndpoint, scopes: [scope], entraToken: await entraToken(userId, scope, expiresInSeconds) });
    await add('teamsExtension', TEAMS_EXTENSION_SCOPE, assigned);
    await add('entra', ENTRA_SCOPE, assigned);
    await add('teamsExtension unassigned', TEAMS_EXTENSION_SCOPE, unassigned);
    await add('entra unassigned', ENTRA_SCOPE, unassigned);
    await add('teamsExtension expired', TEAMS_EXTENSION_SCOPE, assigned, -60);
    await add('entra expired', ENTRA_SCOPE, assigned, -60);

    const results = await runApp(cases, { NODE_EXTRA_CA_CERTS: emu.caCertPath! });
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    for (const c of cases) expect(byName[c.name]!.asked).toEqual(c.scopes);

    const expected = [
      ['teamsExtension', 'teamsExtensionUser', `8:acs:${emu.resourceId}_${tenantId}_${assigned}`],
      ['entra', 'entraUser', `8:acs:${emu.resourceId}_wf_${tenantId}_${assigned}`],
    ] as const;
    for (const [name, kind, identity] of expected) {
      const r = byName[name]!;
      expect(r.error).toBeUndefined();
      expect((await introspect(emu, r.token!)).body).toMatchObject({ active: true, kind, identity });
      // The credential read expiresOn of the answer; it agrees with the ACS token and ends with the Entra token.
      expect(Math.floor(r.expiresOnTimestamp! / 1000)).toBe(decodeJwt(r.token!).exp);
      expect(r.expiresOnTimestamp! / 1000).toBeLessThanOrEqual(decodeJwt(cases.find((c) => c.name === name)!.entraToken).exp!);
    }
    expect(byName['teamsExtension unassigned']!.error).toMatch(/^Service request failed\. Status: 403, Body: .*"code":"NotAssigned"/);
    expect(byName['entra unassigned']!.error).toMatch(/^Service request failed\. Status: 403, Body: .*"code":"NotAssigned"/);
    expect(byName['teamsExtension expired']!.error).toMatch(/^Service request failed\. Status: 401, Body: .*"code":"InvalidAccessToken"/);
    expect(byName['entra expired']!.error).toMatch(/^Service request failed\. Status: 401, Body: .*"code":"InvalidAccessToken"/);
    expect(emu.stats().requestsByOperation.entraExchange).toBe(6);
  });

  it('reaches the emulator only over HTTPS it trusts: without NODE_EXTRA_CA_CERTS, or over http, it fails', async () => {
    const ok = { name: 'untrusted', resourceEndpoint, scopes: [TEAMS_EXTENSION_SCOPE], entraToken: await entraToken(assigned, TEAMS_EXTENSION_SCOPE) };
    const [untrusted] = await runApp([ok], {});
    expect(untrusted!.error).toMatch(/self[- ]signed certificate|unable to (get local issuer|verify)/i);
    const [insecure] = await runApp([{ ...ok, name: 'http', resourceEndpoint: resourceEndpoint.replace('https:', 'http:') }], {});
    expect(insecure!.error).toMatch(/allowInsecureConnection/);
  });
});
