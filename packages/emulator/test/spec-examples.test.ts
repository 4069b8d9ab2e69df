// Replays every example request of the specs' examples/ folders (Azure/azure-rest-api-specs,
// specification/communication/data-plane/Identity/, copied into test/spec-examples with their source path and
// commit in sources.json) against the emulator, at the version of the folder, and checks the status and the
// shape of the answer: the same fields with the same JSON types, nothing more, and nothing less than the schema
// requires. Values that cannot work as written (another resource's identity id, a placeholder Entra token) are
// replaced by working ones of the same kind first; where the emulator must differ, DIFFERENCES says why.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { ACCEPTED_API_VERSIONS, createDevEntraIssuer, startEmulator, type DevEntraIssuer, type RunningEmulator } from '../src/index.js';
import { encodedPath, rawRequest, type RawResponse } from './helpers.js';

const DIR = fileURLToPath(new URL('spec-examples/', import.meta.url));
interface Source {
  file: string;
  repo: string;
  path: string;
  commit: string;
  chars: number;
}
interface Example {
  parameters: { 'api-version': string; id?: string; tenantId?: string; objectId?: string; body?: Record<string, unknown> };
  responses: Record<string, { body?: unknown }>;
}
const SOURCES = JSON.parse(readFileSync(join(DIR, 'sources.json'), 'utf8')) as Source[];

/** The route of each example, from the x-ms-examples of its version's CommunicationIdentity.json. */
function routeOf(file: string): { method: string; path: (id: string, version: string, e: Example['parameters']) => string } {
  const name = file.split('/')[1]!;
  const assignment = (_id: string, v: string, e: Example['parameters']) => `/access/teamsExtension/tenants/${e.tenantId}/assignments/${e.objectId}?api-version=${v}`;
  if (/^GetTeamsExtensionAssignment/.test(name)) return { method: 'GET', path: assignment };
  if (/^CreateOrReplaceTeamsExtensionAssignment/.test(name)) return { method: 'PUT', path: assignment };
  if (/^DeleteTeamsExtensionAssignment/.test(name)) return { method: 'DELETE', path: assignment };
  if (/^ExchangeTeamsExtensionToken/.test(name)) return { method: 'POST', path: (_id, v) => `/access/teamsExtension/:exchangeAccessToken?api-version=${v}` };
  if (/Create/.test(name)) return { method: 'POST', path: (_id, v) => `/identities?api-version=${v}` };
  if (/Delete/.test(name)) return { method: 'DELETE', path: (id, v) => encodedPath(id, '', v) };
  if (/GetIdentity/.test(name)) return { method: 'GET', path: (id, v) => encodedPath(id, '', v) };
  if (/IssueAccessToken/.test(name)) return { method: 'POST', path: (id, v) => encodedPath(id, '/:issueAccessToken', v) };
  if (/RevokeAccessTokens/.test(name)) return { method: 'POST', path: (id, v) => encodedPath(id, '/:revokeAccessTokens', v) };
  if (/TeamsUserAccessToken/.test(name)) return { method: 'POST', path: (_id, v) => `/teamsUser/:exchangeAccessToken?api-version=${v}` };
  throw new Error(`no route known for ${file}`);
}

/** Where the emulator answers otherwise than the example, and the source that says it must. */
const DIFFERENCES: Record<string, { status: number; code: string; why: string }> = {
  '2025-06-30/GetIdentity.json': {
    status: 400,
    code: 'UnsupportedApiVersion',
    why: "a leftover of a draft: the published 2025-06-30 CommunicationIdentity.json has no GET /identities/{id} (Azure/azure-rest-api-specs#34712, 'a subset of 2025-03-02-preview')",
  },
  '2022-06-01/ExchangeTeamsUserAccessToken.json': {
    status: 400,
    code: 'ValidationError',
    why: 'the stored version predates appId and userId, which 2022-06-01 requires (its GetTeamsUserAccessToken.json sends them; the recordings answer 400 AppId is required without them)',
  },
};

/** Fields a schema leaves optional, which an answer may lack though the example shows them. */
const OPTIONAL = new Set(['lastTokenIssuedAt', 'accessToken']);

function shapeProblems(actual: unknown, example: unknown, at = '$'): string[] {
  if (example === null || typeof example !== 'object') {
    return typeof actual === typeof example ? [] : [`${at}: ${typeof actual} where the example has ${typeof example}`];
  }
  if (Array.isArray(example)) return Array.isArray(actual) ? [] : [`${at}: not an array`];
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${at}: not an object`];
  const a = actual as Record<string, unknown>;
  const e = example as Record<string, unknown>;
  return [
    ...Object.keys(a).filter((k) => !(k in e)).map((k) => `${at}.${k}: not in the example`),
    ...Object.keys(e).filter((k) => !(k in a) && !OPTIONAL.has(k)).map((k) => `${at}.${k}: missing`),
    ...Object.keys(e).filter((k) => k in a).flatMap((k) => shapeProblems(a[k], e[k], `${at}.${k}`)),
  ];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('spec examples replayed against the emulator', () => {
  let emu: RunningEmulator;
  let teamsKey: CryptoKey;
  let dev: DevEntraIssuer;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    teamsKey = pair.privateKey;
    dev = await createDevEntraIssuer();
    emu = await startEmulator({ devEntra: dev, teamsJwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'teams', alg: 'RS256' }] } });
  });
  afterAll(() => emu.close());

  it('holds the examples of every version the emulator serves, each with its source', () => {
    expect(SOURCES.length).toBeGreaterThanOrEqual(34);
    const versions = new Set(SOURCES.map((s) => s.file.split('/')[0]));
    // 2025-03-31-preview is a header value of the issue route (recorded), without a spec of its own.
    expect([...versions].sort()).toEqual(ACCEPTED_API_VERSIONS.filter((v) => v !== '2025-03-31-preview').sort());
    for (const source of SOURCES) {
      expect(source).toMatchObject({ repo: 'Azure/azure-rest-api-specs', commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
      expect(source.path).toMatch(/^specification\/communication\/data-plane\/Identity\//);
      expect(readFileSync(join(DIR, source.file), 'utf8')).toHaveLength(source.chars);
    }
  });

  /** A live identity of this emulator for an example's {id}; with a customId and a token where the version has them. */
  async function identityFor(version: string): Promise<string> {
    const body = version === '2025-03-02-preview' ? { customId: `sally-${randomUUID()}@contoso.com`, createTokenWithScopes: ['chat'] } : undefined;
    const created = await rawRequest(emu, { method: 'POST', path: `/identities?api-version=${version}`, body });
    return (created.body as { identity: { id: string } }).identity.id;
  }

  /** The example's body with a working Teams user token (and GUIDs where the example has placeholders). */
  async function teamsBody(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const appId = typeof body['appId'] === 'string' && GUID.test(body['appId']) ? body['appId'] : randomUUID();
    const userId = typeof body['userId'] === 'string' && GUID.test(body['userId']) ? body['userId'] : randomUUID();
    const token = await new SignJWT({ oid: userId, appid: appId, scp: 'Teams.ManageCalls Teams.ManageChats' })
      .setProtectedHeader({ alg: 'RS256', kid: 'teams' })
      .setAudience('https://auth.msft.communication.azure.com')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(teamsKey);
    return { ...body, token, ...('appId' in body ? { appId } : {}), ...('userId' in body ? { userId } : {}) };
  }

  it.each(SOURCES.map((s) => [s.file, s] as const))('%s', async (file) => {
    const example = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Example;
    const version = file.split('/')[0]!;
    const route = routeOf(file);
    const id = example.parameters.id === undefined ? '' : await identityFor(version);
    let body = example.parameters.body;
    if (body && 'token' in body) body = await teamsBody(body);
    const { tenantId, objectId } = example.parameters;
    // An assignment the example reads or removes exists first; PUT creates it (201, the example's first answer).
    if (tenantId && objectId) {
      const assignmentPath = `/access/teamsExtension/tenants/${tenantId}/assignments/${objectId}?api-version=${version}`;
      await rawRequest(emu, { method: 'DELETE', path: assignmentPath });
      if (route.method !== 'PUT') await rawRequest(emu, { method: 'PUT', path: assignmentPath, body: { principalType: 'resourceAccount' } });
    }
    let headers: Record<string, string> | undefined;
    if (file.includes('ExchangeTeamsExtensionToken')) {
      // A user assigned to Teams Phone extensibility, with an Entra token for it (the Authorization header).
      const [tid, oid] = [randomUUID(), randomUUID()];
      await rawRequest(emu, { method: 'PUT', path: `/access/teamsExtension/tenants/${tid}/assignments/${oid}?api-version=${version}`, body: { principalType: 'user' } });
      const entra = await dev.mintToken({ tenantId: tid, userId: oid, scopes: ['https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls'] });
      headers = { authorization: `Bearer ${entra}` };
    }
    const answer: RawResponse = await rawRequest(emu, {
      method: route.method,
      path: route.path(id, version, example.parameters),
      ...(body ? { body } : {}),
      ...(headers ? { headers, unsigned: true } : {}),
    });

    const difference = DIFFERENCES[file];
    if (difference) {
      expect({ status: answer.status, code: (answer.body as { error?: { code?: string } }).error?.code }).toEqual({ status: difference.status, code: difference.code });
      return;
    }
    // An upsert's example lists 201 and 200: after the DELETE above, it creates (201).
    const statuses = Object.keys(example.responses);
    const status = statuses.includes('201') ? '201' : statuses[0]!;
    const response = example.responses[status]!;
    expect(answer.status).toBe(Number(status));
    if (response.body === undefined) {
      expect(answer.body).toBeUndefined();
      return;
    }
    expect(shapeProblems(answer.body, response.body)).toEqual([]);
    // The ids the example names are this resource's own, and the customId the one sent.
    const sent = example.parameters.body?.['customId'];
    if (typeof sent === 'string') expect((answer.body as { identity: { customId?: string } }).identity.customId).toBe(sent);
  });
});
