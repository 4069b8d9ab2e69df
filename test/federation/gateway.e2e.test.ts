import { randomBytes } from 'node:crypto';
import { parse } from 'graphql';
import { graphql, type GraphqlResponse } from '../harness/graphqlClient.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';
import { chatsTypeDefs, compose, readSchemaFile, startRouter, startSubgraph, usersTypeDefs, type RunningServer } from './helpers.js';

// No usage reporting from the in-process gateway and servers.
process.env.APOLLO_TELEMETRY_DISABLED = '1';

const ADMIN_ROLE = 'identity.admin';
const USERS: Record<string, { id: string; name: string }> = {
  alice: { id: 'alice', name: 'Alice' },
  bob: { id: 'bob', name: 'Bob' },
  carol: { id: 'carol', name: 'Carol' },
};

const USER_QUERY = /* GraphQL */ `
  query ($id: ID!) {
    user(id: $id) {
      name
      communicationIdentity {
        id
        appUserId
      }
    }
  }
`;
const CHAT_MEMBER_QUERY = /* GraphQL */ `
  query ($acsId: ID!) {
    chatMember(acsId: $acsId) {
      displayName
      identity {
        id
        appUserId
      }
    }
  }
`;

interface UserResult {
  user: { name: string | null; communicationIdentity: { id: string; appUserId: string } | null } | null;
}
interface ChatMemberResult {
  chatMember: { displayName: string | null; identity: { id: string; appUserId: string } | null } | null;
}

let h: Harness;
let users: RunningServer;
let chats: RunningServer;
let router: RunningServer;
const acsIdOf: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness({ name: 'federation_gateway' });
  users = await startSubgraph(usersTypeDefs, {
    Query: { user: (_source: unknown, { id }: { id: string }) => USERS[id] ?? null },
    User: { __resolveReference: (({ id }: { id: string }) => USERS[id] ?? null) as never },
  });
  chats = await startSubgraph(chatsTypeDefs, {
    Query: {
      chatMember: (_source: unknown, { acsId }: { acsId: string }) => ({ displayName: `member ${acsId.slice(-4)}`, identity: { id: acsId } }),
    },
  });
  // The supergraph as rover or GraphOS would compose it: this gateway's schema.graphql, at its real URL.
  const composed = compose([
    { name: 'identity', url: h.gateway.url, typeDefs: parse(await readSchemaFile()) },
    { name: 'users', url: users.url, typeDefs: usersTypeDefs },
    { name: 'chats', url: chats.url, typeDefs: chatsTypeDefs },
  ]);
  expect(composed.errors).toBeUndefined();
  router = await startRouter(composed.supergraphSdl!);

  // Alice and Bob have ACS identities (made directly on the gateway); Carol has none.
  for (const sub of ['alice', 'bob']) {
    const created = await h.gql('mutation { createUser { identity { id } } }', {}, await h.tokenFor(sub));
    expect(created.errors).toBeUndefined();
    acsIdOf[sub] = created.data!.createUser.identity.id;
  }
});

afterAll(async () => {
  await router?.stop();
  await chats?.stop();
  await users?.stop();
  await h?.stop();
});

const viaRouter = <Data>(query: string, variables: Record<string, unknown>, token?: string): Promise<GraphqlResponse<Data>> =>
  graphql<Data>(router.url, query, variables, token);

describe('User.communicationIdentity through an @apollo/gateway supergraph', () => {
  it('shows a user their own identity, with the name from the users subgraph', async () => {
    const result = await viaRouter<UserResult>(USER_QUERY, { id: 'alice' }, await h.tokenFor('alice'));
    expect(result.errors).toBeUndefined();
    expect(result.data?.user).toEqual({ name: 'Alice', communicationIdentity: { id: acsIdOf.alice, appUserId: 'alice' } });
  });

  it("shows an admin anyone's identity", async () => {
    const admin = await h.tokenFor('root', [ADMIN_ROLE]);
    for (const id of ['alice', 'bob']) {
      const result = await viaRouter<UserResult>(USER_QUERY, { id }, admin);
      expect(result.errors).toBeUndefined();
      expect(result.data?.user?.communicationIdentity).toEqual({ id: acsIdOf[id], appUserId: id });
    }
  });

  it("gives another user null for someone else's identity, and still the rest of the User", async () => {
    const result = await viaRouter<UserResult>(USER_QUERY, { id: 'alice' }, await h.tokenFor('bob'));
    expect(result.errors).toBeUndefined();
    expect(result.data?.user).toEqual({ name: 'Alice', communicationIdentity: null });
  });

  it('is null for a user without an identity, also for admins', async () => {
    for (const token of [await h.tokenFor('carol'), await h.tokenFor('root', [ADMIN_ROLE])]) {
      const result = await viaRouter<UserResult>(USER_QUERY, { id: 'carol' }, token);
      expect(result.errors).toBeUndefined();
      expect(result.data?.user).toEqual({ name: 'Carol', communicationIdentity: null });
    }
  });

  it('answers UNAUTHENTICATED when the router forwards no token, and keeps the fields of other subgraphs', async () => {
    const result = await viaRouter<UserResult>(USER_QUERY, { id: 'alice' });
    expect(result.data?.user).toEqual({ name: 'Alice', communicationIdentity: null });
    expect(result.errors?.map((error) => error.extensions?.code)).toContain('UNAUTHENTICATED');
    expect(JSON.stringify(result)).not.toContain(acsIdOf.alice);
  });

  it('rejects a forged token forwarded by the router, as a direct request would be', async () => {
    const forged = await h.issuer.token('alice', { foreignKey: true });
    const result = await viaRouter<UserResult>(USER_QUERY, { id: 'alice' }, forged);
    expect(result.data?.user?.communicationIdentity ?? null).toBeNull();
    expect(result.errors?.map((error) => error.extensions?.code)).toContain('UNAUTHENTICATED');
    expect(JSON.stringify(result)).not.toContain(acsIdOf.alice);
  });
});

describe('CommunicationIdentity as an entity joined by its ACS id', () => {
  it('resolves for the identity owner and for admins, and is null for anyone else', async () => {
    const query = (token: string) => viaRouter<ChatMemberResult>(CHAT_MEMBER_QUERY, { acsId: acsIdOf.alice }, token);
    const own = await query(await h.tokenFor('alice'));
    expect(own.errors).toBeUndefined();
    expect(own.data?.chatMember?.identity).toEqual({ id: acsIdOf.alice, appUserId: 'alice' });

    const admin = await query(await h.tokenFor('root', [ADMIN_ROLE]));
    expect(admin.data?.chatMember?.identity).toEqual({ id: acsIdOf.alice, appUserId: 'alice' });

    const other = await query(await h.tokenFor('bob'));
    expect(other.errors).toBeUndefined();
    expect(other.data?.chatMember).toEqual({ displayName: expect.any(String), identity: null });
  });

  it('is null for an unknown ACS id', async () => {
    const result = await viaRouter<ChatMemberResult>(
      CHAT_MEMBER_QUERY,
      { acsId: '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000' },
      await h.tokenFor('root', [ADMIN_ROLE]),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.chatMember?.identity).toBeNull();
  });
});

describe('the subgraph endpoint itself', () => {
  it('serves its SDL over _service (what IntrospectAndCompose and rover read), and that composes too', async () => {
    const served = await h.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(served.errors).toBeUndefined();
    const composed = compose([
      { name: 'identity', url: h.gateway.url, typeDefs: parse(served.data!._service.sdl) },
      { name: 'users', url: users.url, typeDefs: usersTypeDefs },
    ]);
    expect(composed.errors).toBeUndefined();
    expect(composed.hints ?? []).toEqual([]);
  });

  it('applies the same rules to _entities requests sent straight to it', async () => {
    const query = /* GraphQL */ `
      query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on User { id communicationIdentity { id } }
          ... on CommunicationIdentity { id appUserId }
        }
      }
    `;
    const representations = [
      { __typename: 'User', id: 'alice' },
      { __typename: 'User', id: 'bob' },
      { __typename: 'CommunicationIdentity', id: acsIdOf.alice },
      { __typename: 'CommunicationIdentity', id: acsIdOf.bob },
    ];
    const asAlice = await h.gql(query, { representations }, await h.tokenFor('alice'));
    expect(asAlice.errors).toBeUndefined();
    expect(asAlice.data?._entities).toEqual([
      { id: 'alice', communicationIdentity: { id: acsIdOf.alice } },
      { id: 'bob', communicationIdentity: null },
      { id: acsIdOf.alice, appUserId: 'alice' },
      null,
    ]);
  });
});

describe('with TRUSTED_DOCUMENTS_ONLY=true (the production default)', () => {
  // The router's documents are its query plans, made per client query: no manifest can list them. The router
  // proves itself with TRUSTED_DOCUMENTS_ROUTER_SECRET in x-router-secret, inserted by its configuration.
  const secret = randomBytes(32).toString('base64');
  let strictUrl: string;
  let trustedRouter: RunningServer;
  let unknownRouter: RunningServer;

  beforeAll(async () => {
    const gateway = await h.startInstance({ TRUSTED_DOCUMENTS_ONLY: 'true', TRUSTED_DOCUMENTS_ROUTER_SECRET: secret });
    const composed = compose([
      { name: 'identity', url: gateway.url, typeDefs: parse(await readSchemaFile()) },
      { name: 'users', url: users.url, typeDefs: usersTypeDefs },
      { name: 'chats', url: chats.url, typeDefs: chatsTypeDefs },
    ]);
    expect(composed.errors).toBeUndefined();
    trustedRouter = await startRouter(composed.supergraphSdl!, { subgraphHeaders: { 'x-router-secret': secret } });
    unknownRouter = await startRouter(composed.supergraphSdl!);
    strictUrl = gateway.url;
  });
  afterAll(async () => {
    await trustedRouter?.stop();
    await unknownRouter?.stop();
  });

  it('resolves _entities for a router that sends the secret', async () => {
    const result = await graphql<ChatMemberResult>(trustedRouter.url, CHAT_MEMBER_QUERY, { acsId: acsIdOf.alice }, await h.tokenFor('alice'));
    expect(result.errors).toBeUndefined();
    expect(result.data?.chatMember?.identity).toEqual({ id: acsIdOf.alice, appUserId: 'alice' });
    const user = await graphql<UserResult>(trustedRouter.url, USER_QUERY, { id: 'alice' }, await h.tokenFor('alice'));
    expect(user.data?.user).toEqual({ name: 'Alice', communicationIdentity: { id: acsIdOf.alice, appUserId: 'alice' } });
  });

  it('refuses the documents of a router without the secret, and of a client sending the same _entities query', async () => {
    const result = await graphql<ChatMemberResult>(unknownRouter.url, CHAT_MEMBER_QUERY, { acsId: acsIdOf.alice }, await h.tokenFor('alice'));
    expect(result.data?.chatMember?.identity ?? null).toBeNull();
    expect(JSON.stringify(result)).not.toContain(acsIdOf.alice);
    const direct = await graphql(strictUrl, '{ _service { sdl } }', {}, await h.tokenFor('alice'));
    expect(direct.status).toBe(400);
    expect(direct.errors?.[0]?.extensions?.code).toBe('DOCUMENT_NOT_TRUSTED');
  });
});
