import mongoose from 'mongoose';
import type { RunningGateway } from '../../src/app.js';
import { errorCode, graphql, type GraphqlResponse } from '../harness/graphqlClient.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

// Two instances on one database: A changes mappings, B issues tokens from the mappings it read earlier.
const ISSUE_ID_ONLY = 'mutation { issueToken(input: { scopes: [CHAT] }) { identity { id } accessToken { token } } }';
const ISSUE_WITH_REVOKED_AT = 'mutation { issueToken(input: { scopes: [CHAT] }) { identity { id tokensRevokedAt } accessToken { token } } }';
const CREATE_USER = 'mutation { createUser { identity { id } } }';
const REVOKE = 'mutation { revokeTokens { revokedAt } }';
const DELETE = 'mutation { deleteUser { deletedIdentityId } }';

let h: Harness;
let b: RunningGateway;
let uncached: RunningGateway;
/** The gateway's reads of the mappings collection, seen through mongoose's debug hook (same process). */
let mappingReads = 0;

beforeAll(async () => {
  h = await startHarness({ name: 'mapping_cache' });
  b = await h.startInstance();
  uncached = await h.startInstance({ MAPPING_CACHE_SECONDS: '0' });
  mongoose.set('debug', (collectionName: string, method: string) => {
    if (collectionName === 'identity_mappings' && method === 'findOne') mappingReads += 1;
  });
});
afterAll(async () => {
  mongoose.set('debug', false);
  await h?.stop();
});

async function readsDuring(run: () => Promise<unknown>): Promise<number> {
  const before = mappingReads;
  await run();
  return mappingReads - before;
}

describe('issueToken without the token cache, on an instance that read the mapping before', () => {
  it('issues from the mapping it read, without reading it again', async () => {
    const token = await h.tokenFor('mc-reuse');
    const created = await h.gql(CREATE_USER, {}, token);
    const acsId = created.data?.createUser.identity.id as string;

    expect(await readsDuring(() => graphql(b.url, ISSUE_ID_ONLY, {}, token))).toBe(1);
    let second: GraphqlResponse<Record<string, any>> | undefined;
    expect(await readsDuring(async () => (second = await graphql(b.url, ISSUE_ID_ONLY, {}, token)))).toBe(0);
    expect(second!.errors).toBeUndefined();
    expect(second!.data).toMatchObject({ issueToken: { identity: { id: acsId }, accessToken: { token: expect.any(String) } } });

    // MAPPING_CACHE_SECONDS=0 reads every time.
    await graphql(uncached.url, ISSUE_ID_ONLY, {}, token);
    expect(await readsDuring(() => graphql(uncached.url, ISSUE_ID_ONLY, {}, token))).toBe(1);
  });

  it('shows a revoke made on another instance, reading tokensRevokedAt only when it is asked for', async () => {
    const token = await h.tokenFor('mc-revoke');
    await h.gql(CREATE_USER, {}, token);
    await graphql(b.url, ISSUE_ID_ONLY, {}, token);
    const revoked = await h.gql(REVOKE, {}, token);
    const revokedAt = revoked.data?.revokeTokens.revokedAt as string;

    let withField: GraphqlResponse<Record<string, any>> | undefined;
    expect(await readsDuring(async () => (withField = await graphql(b.url, ISSUE_WITH_REVOKED_AT, {}, token)))).toBe(1);
    expect(withField!.data?.issueToken.identity.tokensRevokedAt).toBe(revokedAt);
    expect(await readsDuring(() => graphql(b.url, ISSUE_ID_ONLY, {}, token))).toBe(0);
  });

  it('refuses a user deleted on another instance, since ACS refuses the identity', async () => {
    const token = await h.tokenFor('mc-deleted');
    await h.gql(CREATE_USER, {}, token);
    expect((await graphql(b.url, ISSUE_ID_ONLY, {}, token)).errors).toBeUndefined();
    expect((await h.gql(DELETE, {}, token)).errors).toBeUndefined();

    const afterDelete = await graphql(b.url, ISSUE_ID_ONLY, {}, token);
    expect(errorCode(afterDelete)).toBe('IDENTITY_NOT_FOUND');
  });

  it('follows a user deleted and created again elsewhere to the new identity', async () => {
    const token = await h.tokenFor('mc-recreated');
    const first = await h.gql(CREATE_USER, {}, token);
    await graphql(b.url, ISSUE_ID_ONLY, {}, token);
    await h.gql(DELETE, {}, token);
    const second = await h.gql(CREATE_USER, {}, token);
    const newId = second.data?.createUser.identity.id as string;
    expect(newId).not.toBe(first.data?.createUser.identity.id);

    const issued = await graphql(b.url, ISSUE_ID_ONLY, {}, token);
    expect(issued.errors).toBeUndefined();
    expect(issued.data?.issueToken.identity.id).toBe(newId);
    expect(await h.introspect(issued.data?.issueToken.accessToken.token)).toMatchObject({ active: true });
  });
});
