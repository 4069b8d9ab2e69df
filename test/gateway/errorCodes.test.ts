// Every extensions.code a client can see: the README's error table lists exactly the codes the gateway lets
// through, and each request-level one is produced here by a real request.
import { readFileSync } from 'node:fs';
import { CLIENT_ERROR_CODES } from '../../src/graphql/formatError.js';
import { errorCode, graphql } from '../harness/graphqlClient.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const readmeCodes = () => {
  const table = readFileSync('README.md', 'utf8').split('These are all the codes a client can see:')[1]!.split('\n\n')[1]!;
  return [...table.matchAll(/^\| `([A-Z_]+)`/gm)].map((match) => match[1]!);
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ name: 'error_codes', env: { INTROSPECTION: 'false' } });
});
afterAll(() => h?.stop());

const post = async (body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const json = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return { status: response.status, code: json.errors?.[0]?.extensions?.code };
};

describe('error codes', () => {
  it('the README lists exactly the codes the gateway lets through to clients', () => {
    expect([...readmeCodes()].sort()).toEqual([...CLIENT_ERROR_CODES].sort());
  });

  it.each([
    ['GRAPHQL_PARSE_FAILED', { query: '{ me { ' }, 400, ''],
    ['GRAPHQL_VALIDATION_FAILED', { query: '{ nope }' }, 400, ''],
    ['GRAPHQL_VALIDATION_FAILED', { query: '{ __schema { queryType { name } } }' }, 400, ''],
    ['BAD_REQUEST', '{"query": ', 400, ''],
    ['BAD_REQUEST', { variables: {} }, 400, ''],
    ['OPERATION_RESOLUTION_FAILURE', { query: 'query A { __typename } query B { __typename }' }, 400, ''],
    ['DOCUMENT_NOT_TRUSTED', { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }, 400, ''],
    ['DOCUMENT_NOT_TRUSTED', { documentId: `sha256:${'a'.repeat(64)}` }, 400, ''],
    ['UNAUTHENTICATED', { query: '{ me { id } }' }, 401, 'Bearer not-a-jwt'],
  ] as const)('%s for %j', async (code, body, status, authorization) => {
    const answer = await post(body, authorization ? { authorization } : {});
    expect(answer).toEqual({ status, code });
  });

  it('BAD_USER_INPUT for an object where an id belongs, FORBIDDEN for another user, IDENTITY_NOT_FOUND without an identity', async () => {
    const alice = await h.tokenFor('codes-alice');
    expect(errorCode(await graphql(h.gateway.url, 'mutation($v: ID) { createUser(input: { appUserId: $v }) { created } }', { v: { $ne: null } }, alice))).toBe('BAD_USER_INPUT');
    expect(errorCode(await graphql(h.gateway.url, 'mutation { createUser(input: { appUserId: "bob" }) { created } }', {}, alice))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(h.gateway.url, 'mutation { issueToken(input: { scopes: [CHAT] }) { accessToken { token } } }', {}, alice))).toBe('IDENTITY_NOT_FOUND');
  });

  it.each([
    ['no __typename', { a: 1 }],
    ['a non-string __typename', { __typename: 1, id: 'x' }],
    ['an unknown type', { __typename: 'Nope', id: 'x' }],
    ['a type that is no entity', { __typename: 'Query', id: 'x' }],
    ['a type name given as an array', { __typename: ['User'], id: 'x' }],
    ['a string where the object belongs', 'User'],
    ['a list where the object belongs', [{ __typename: 'User', id: 'x' }]],
  ])('BAD_USER_INPUT naming representations for %s, with and without a token, and no error log line', async (_case, representation) => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }';
    const linesBefore = h.logLines.length;
    for (const token of [await h.tokenFor('codes-joiner'), undefined]) {
      const answer = await graphql(h.gateway.url, query, { r: [{ __typename: 'User', id: 'fine' }, representation] }, token);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'representations' });
      expect(answer.errors?.[0]?.message).toMatch(/^representations\[1\] /);
    }
    const levels = h.logLines.slice(linesBefore).map((line) => (JSON.parse(line) as { level: number }).level);
    expect(levels.length).toBeGreaterThan(0);
    expect(levels.filter((level) => level >= 50)).toEqual([]);
  });
});
