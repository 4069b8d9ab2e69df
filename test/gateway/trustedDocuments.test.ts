// Trusted documents against the real gateway over HTTP: by id, by text, and every way of sending something else.
// "Never reaches the parser" is read from the gateway's own metric, gateway_graphql_documents_parsed_total, which
// Apollo's parsingDidStart hook counts.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningGateway } from '../../src/app.js';
import { CreateUserAndTokenDocument, MeDocument } from '../../clients/web/src/generated-string/graphql.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const MANIFEST = JSON.parse(readFileSync('operations/trusted-documents.json', 'utf8')) as Record<string, string>;
/** The id the client kit sends for a document (the client preset's __meta__.hash). */
const idOf = (document: { __meta__?: Record<string, any> }): string => document.__meta__!.hash as string;
const ME_ID = idOf(MeDocument);
const ME_TEXT = MANIFEST[ME_ID]!;
const ROUTER_SECRET = randomBytes(32).toString('base64');

let h: Harness;
let open: RunningGateway;
let token: string;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ name: 'trusted_documents', env: { TRUSTED_DOCUMENTS_ONLY: 'true', TRUSTED_DOCUMENTS_ROUTER_SECRET: ROUTER_SECRET } });
  open = await h.startInstance({ TRUSTED_DOCUMENTS_ONLY: 'false' });
  token = await h.tokenFor('trusted-alice');
  dir = await mkdtemp(path.join(tmpdir(), 'trusted-docs-'));
});
afterAll(async () => {
  await h?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}

async function metric(gateway: RunningGateway, name: string): Promise<number> {
  const text = await (await fetch(gateway.metricsUrl!)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
}
const parsed = (gateway: RunningGateway) => metric(gateway, 'gateway_graphql_documents_parsed_total');

describe('TRUSTED_DOCUMENTS_ONLY=true', () => {
  it('refuses { me { id } }, which is not in the manifest, with DOCUMENT_NOT_TRUSTED (HTTP 400) before parsing', async () => {
    const before = await parsed(h.gateway);
    const answer = await post(h.gateway.url, { query: '{ me { id } }' });
    expect(answer.status).toBe(400);
    expect(answer.json.errors?.[0]?.extensions).toEqual({ code: 'DOCUMENT_NOT_TRUSTED', reason: 'text-not-trusted' });
    expect(answer.json.data).toBeUndefined();
    expect(await parsed(h.gateway)).toBe(before);
  });

  it('runs a manifest document by documentId, by Apollo\'s persistedQuery hash and by its exact text, parsing none of them', async () => {
    const before = await parsed(h.gateway);
    const bodies = [
      { documentId: ME_ID },
      { extensions: { persistedQuery: { version: 1, sha256Hash: ME_ID.slice('sha256:'.length) } } },
      { query: ME_TEXT },
      { documentId: ME_ID, query: ME_TEXT },
    ];
    for (const body of bodies) {
      const answer = await post(h.gateway.url, body);
      expect({ body, status: answer.status, json: answer.json }).toEqual({ body, status: 200, json: { data: { me: null } } });
    }
    const get = await fetch(`${h.gateway.url}?documentId=${encodeURIComponent(ME_ID)}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(await get.json()).toEqual({ data: { me: null } });
    expect(await parsed(h.gateway)).toBe(before);
  });

  it('runs the client kit\'s mutations by id with their variables', async () => {
    const other = { authorization: `Bearer ${await h.tokenFor('trusted-kit')}` }; // alice stays without an identity
    const answer = await post(h.gateway.url, { documentId: idOf(CreateUserAndTokenDocument), variables: { input: { scopes: ['VOIP'] } } }, other);
    expect(answer.json.errors).toBeUndefined();
    expect(answer.json.data.createUserAndToken.accessToken.token).toEqual(expect.any(String));
  });

  const hex = ME_ID.slice('sha256:'.length);
  const whitespaceTwin = ME_TEXT.replace('query Me', 'query  Me');
  it.each([
    ['an unknown id', { documentId: `sha256:${'0'.repeat(64)}` }, 'unknown-id'],
    ['an id in upper case', { documentId: `sha256:${hex.toUpperCase()}` }, 'malformed-id'],
    ['an id with an upper-case prefix', { documentId: `SHA256:${hex}` }, 'malformed-id'],
    ['a bare hex documentId', { documentId: hex }, 'malformed-id'],
    ['an id one digit short', { documentId: ME_ID.slice(0, -1) }, 'malformed-id'],
    ['an id one digit long', { documentId: `${ME_ID}0` }, 'malformed-id'],
    ['an id with whitespace', { documentId: ` ${ME_ID}` }, 'malformed-id'],
    ['a huge id', { documentId: `sha256:${'a'.repeat(90_000)}` }, 'malformed-id'],
    ['an object for an id', { documentId: { $ne: null } }, 'malformed-id'],
    ['a list for an id', { documentId: [ME_ID] }, 'malformed-id'],
    ['a persistedQuery hash in upper case', { extensions: { persistedQuery: { version: 1, sha256Hash: hex.toUpperCase() } } }, 'malformed-id'],
    ['a persistedQuery of another version', { extensions: { persistedQuery: { version: 2, sha256Hash: hex } } }, 'malformed-id'],
    ['a persistedQuery hash that is an object', { extensions: { persistedQuery: { version: 1, sha256Hash: { $gt: '' } } } }, 'malformed-id'],
    ['documentId and persistedQuery naming different documents', { documentId: ME_ID, extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }, 'malformed-id'],
    ['a manifest id paired with a different text', { documentId: ME_ID, query: 'query Me { me { id appUserId } }' }, 'id-text-mismatch'],
    ['a manifest hash paired with a different text', { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: hex } } }, 'id-text-mismatch'],
    ['a text that differs by whitespace from a trusted one', { query: whitespaceTwin }, 'text-not-trusted'],
    ['a trusted text with a trailing newline', { query: `${ME_TEXT}\n` }, 'text-not-trusted'],
    ['a document that would not parse', { query: '{ me { ' }, 'text-not-trusted'],
    ['a query that is an object', { query: { kind: 'Document' } }, 'no-document'],
    ['neither query nor id', { variables: {} }, 'no-document'],
  ])('refuses %s with DOCUMENT_NOT_TRUSTED, before parsing', async (_what, body, reason) => {
    const [parsedBefore, refusedBefore] = [await parsed(h.gateway), await metric(h.gateway, 'gateway_untrusted_documents_total')];
    const answer = await post(h.gateway.url, body);
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toHaveLength(1);
    expect(answer.json.errors![0]!.extensions).toEqual({ code: 'DOCUMENT_NOT_TRUSTED', reason });
    expect(answer.json.errors![0]!.message.length).toBeLessThan(400);
    expect(await parsed(h.gateway)).toBe(parsedBefore);
    expect(await metric(h.gateway, 'gateway_untrusted_documents_total')).toBe(refusedBefore + 1);
  });

  it('refuses a batch holding one untrusted document, and a GET with free text, before parsing', async () => {
    const batching = await h.startInstance({ TRUSTED_DOCUMENTS_ONLY: 'true', ALLOW_BATCHED_REQUESTS: 'true' });
    const before = await parsed(batching);
    const batch = await post(batching.url, [{ documentId: ME_ID }, { query: '{ me { id } }' }]);
    expect(batch.status).toBe(400);
    expect(batch.json.errors?.[0]?.extensions?.code).toBe('DOCUMENT_NOT_TRUSTED');
    const get = await fetch(`${batching.url}?query=${encodeURIComponent('{ me { id } }')}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(400);
    expect(((await get.json()) as any).errors[0].extensions.code).toBe('DOCUMENT_NOT_TRUSTED');
    expect(await parsed(batching)).toBe(before);
    const trustedBatch = await post(batching.url, [{ documentId: ME_ID }, { query: ME_TEXT }]);
    expect(trustedBatch.json).toEqual([{ data: { me: null } }, { data: { me: null } }]);
  });

  it('lets a router with TRUSTED_DOCUMENTS_ROUTER_SECRET send its own documents, which are parsed; a wrong secret is refused', async () => {
    const before = await parsed(h.gateway);
    const routed = await post(h.gateway.url, { query: '{ me { id } }' }, { 'x-router-secret': ROUTER_SECRET });
    expect(routed.json).toEqual({ data: { me: null } });
    expect(await parsed(h.gateway)).toBe(before + 1);
    const wrong = await post(h.gateway.url, { query: '{ me { id } }' }, { 'x-router-secret': `${ROUTER_SECRET.slice(0, -1)}x` });
    expect(wrong.json.errors?.[0]?.extensions?.code).toBe('DOCUMENT_NOT_TRUSTED');
    // The router is still bound by the query limits.
    const deep = await post(h.gateway.url, { query: '{ me { id } }'.replace('id', 'id '.repeat(2000)) }, { 'x-router-secret': ROUTER_SECRET });
    expect(deep.status).toBe(400);
  });
});

describe('TRUSTED_DOCUMENTS_ONLY=false', () => {
  it('runs free texts (parsed once, then cached) and trusted ids (never parsed); an unknown id is still DOCUMENT_NOT_TRUSTED', async () => {
    const before = await parsed(open);
    const free = `{ me { appUserId } } # ${randomBytes(4).toString('hex')}`;
    expect((await post(open.url, { query: free })).json).toEqual({ data: { me: null } });
    expect((await post(open.url, { query: free })).json).toEqual({ data: { me: null } });
    expect(await parsed(open)).toBe(before + 1);
    expect((await post(open.url, { documentId: ME_ID })).json).toEqual({ data: { me: null } });
    expect(await parsed(open)).toBe(before + 1);
    const unknown = await post(open.url, { documentId: `sha256:${'f'.repeat(64)}` });
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors?.[0]?.extensions).toEqual({ code: 'DOCUMENT_NOT_TRUSTED', reason: 'unknown-id' });
  });
});

describe('TRUSTED_DOCUMENTS: the manifest is checked at start', () => {
  const write = async (name: string, manifest: Record<string, string>) => {
    const file = path.join(dir, name);
    await writeFile(file, JSON.stringify(manifest));
    return file;
  };
  const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

  it('stops the start, naming the key, for an entry whose key is not its text\'s SHA-256', async () => {
    const file = await write('paired.json', { [ME_ID]: '{ __typename }' });
    await expect(h.startInstance({ TRUSTED_DOCUMENTS: file })).rejects.toThrow(new RegExp(`TRUSTED_DOCUMENTS: the key "${ME_ID}" .* is not the SHA-256 of its document`));
  });

  it('stops the start for a document the schema does not validate, a bad key, a missing file and a non-object', async () => {
    const invalid = '{ nope }';
    await expect(h.startInstance({ TRUSTED_DOCUMENTS: await write('invalid.json', { [sha(invalid)]: invalid }) })).rejects.toThrow(new RegExp(`"${sha(invalid)}" .* does not validate`));
    await expect(h.startInstance({ TRUSTED_DOCUMENTS: await write('key.json', { 'md5:abc': '{ __typename }' }) })).rejects.toThrow(/the key "md5:abc"/);
    await expect(h.startInstance({ TRUSTED_DOCUMENTS: path.join(dir, 'missing.json') })).rejects.toThrow(/TRUSTED_DOCUMENTS: cannot read/);
    const list = path.join(dir, 'list.json');
    await writeFile(list, '["{ __typename }"]');
    await expect(h.startInstance({ TRUSTED_DOCUMENTS: list })).rejects.toThrow(/must be a JSON object/);
  });

  it('serves exactly another manifest when pointed at one, bare-hex keys included', async () => {
    const text = 'query Mine { me { id } }';
    const gateway = await h.startInstance({ TRUSTED_DOCUMENTS_ONLY: 'true', TRUSTED_DOCUMENTS: await write('own.json', { [sha(text).slice(7)]: text }) });
    expect((await post(gateway.url, { documentId: sha(text) })).json).toEqual({ data: { me: null } });
    expect((await post(gateway.url, { documentId: ME_ID })).json.errors?.[0]?.extensions?.reason).toBe('unknown-id');
  });
});
