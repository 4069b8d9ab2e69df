import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import {
  CommunicationIdentityOfDocument,
  CreateUserAndTokenDocument,
  CreateUserDocument,
  DeleteUserDocument,
  ExchangeTeamsUserTokenDocument,
  IssueTokenDocument,
  MeDocument,
  RevokeTokensDocument,
} from '../../clients/web/src/generated/graphql.js';
import { devObjectId, loadDevIssuer, type DevIssuer } from '../../src/local/devIssuer.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let h: Harness;
let dev: DevIssuer;

beforeAll(async () => {
  h = await startHarness({
    name: 'federation_generated_client',
    // The emulator trusts the development issuer's Teams tokens, as with `npm start`.
    emulator: async (dataDir) => ({ teamsJwks: (dev = await loadDevIssuer(dataDir)).jwks }),
  });
});
afterAll(async () => {
  await h?.stop();
});

/** Sends a generated typed document over HTTP; its variables and result are typed by the document itself. */
async function run<Data, Variables>(document: TypedDocumentNode<Data, Variables>, variables: Variables, token: string): Promise<Data> {
  const response = await h.gql<Data>(print(document), variables as Record<string, unknown>, token);
  expect(response.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data!;
}

describe('the generated client (clients/web/src/generated) against the real gateway', () => {
  it('runs both queries and every mutation through one user lifecycle', async () => {
    const alice = await h.tokenFor('gen-alice');
    const admin = await h.tokenFor('gen-admin', ['identity.admin']);

    expect((await run(MeDocument, {}, alice)).me).toBeNull();

    const created = await run(CreateUserDocument, { input: {} }, alice);
    expect(created.createUser.created).toBe(true);
    const identity = created.createUser.identity;
    expect(identity).toMatchObject({ appUserId: 'gen-alice', tokensRevokedAt: null });

    expect((await run(MeDocument, {}, alice)).me).toEqual(identity);
    expect((await run(CommunicationIdentityOfDocument, { appUserId: 'gen-alice' }, alice)).communicationIdentity).toEqual(identity);
    expect((await run(CommunicationIdentityOfDocument, { appUserId: 'gen-alice' }, admin)).communicationIdentity).toEqual(identity);

    const issued = await run(IssueTokenDocument, { input: { scopes: ['CHAT', 'VOIP'], expiresInMinutes: 60 } }, alice);
    expect(issued.issueToken.identity).toEqual(identity);
    expect(issued.issueToken.accessToken.scopes).toEqual(['CHAT', 'VOIP']);
    expect(issued.issueToken.accessToken.token.length).toBeGreaterThan(20);
    expect(Date.parse(issued.issueToken.accessToken.expiresOn)).toBeGreaterThan(Date.now());

    const again = await run(CreateUserAndTokenDocument, { input: { scopes: ['CHAT_JOIN'] } }, alice);
    expect(again.createUserAndToken.created).toBe(false);
    expect(again.createUserAndToken.identity.id).toBe(identity.id);
    expect(again.createUserAndToken.accessToken.scopes).toEqual(['CHAT_JOIN']);

    const revoked = await run(RevokeTokensDocument, { input: null }, alice);
    expect(revoked.revokeTokens.identity.id).toBe(identity.id);
    expect(revoked.revokeTokens.identity.tokensRevokedAt).toBe(revoked.revokeTokens.revokedAt);

    const deleted = await run(DeleteUserDocument, { input: { appUserId: 'gen-alice' } }, admin);
    expect(deleted.deleteUser).toEqual({ appUserId: 'gen-alice', deletedIdentityId: identity.id });
    expect((await run(MeDocument, {}, alice)).me).toBeNull();
  });

  it('creates an identity and a token in one call for a new user', async () => {
    const bob = await h.tokenFor('gen-bob');
    const result = await run(CreateUserAndTokenDocument, { input: { scopes: ['VOIP_JOIN', 'CHAT_JOIN_LIMITED'], expiresInMinutes: 90 } }, bob);
    expect(result.createUserAndToken.created).toBe(true);
    expect(result.createUserAndToken.identity.appUserId).toBe('gen-bob');
    expect(result.createUserAndToken.accessToken.scopes).toEqual(['VOIP_JOIN', 'CHAT_JOIN_LIMITED']);
  });

  it("exchanges a Teams user's token for an ACS token of that Teams user", async () => {
    const oid = devObjectId('gen-teams');
    const caller = await h.issuer.token('gen-teams', { claims: { oid } });
    const teamsUserAadToken = await dev.signTeams({ objectId: oid });
    const result = await run(ExchangeTeamsUserTokenDocument, { input: { teamsUserAadToken } }, caller);
    expect(result.exchangeTeamsUserToken.identity.id).toBe(`8:orgid:${oid}`);
    expect(await h.introspect(result.exchangeTeamsUserToken.accessToken.token)).toMatchObject({ active: true });
  });

  it('type-checks: tsc accepts the generated files and rejects misuse (generatedClientTypes.ts)', async () => {
    const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', `file://${ROOT}/`));
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', 'test/federation/generatedClient.tsconfig.json'], {
      cwd: ROOT,
    }).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
    expect('code' in result && result.code ? `${result.stdout ?? ''}${result.stderr ?? ''}` : '').toBe('');
  }, 120_000);
});
