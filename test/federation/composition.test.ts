import { parse } from 'graphql';
import { chatsTypeDefs, compose, readSchemaFile, usersTypeDefs } from './helpers.js';

/**
 * Composition of the committed schema.graphql with the subgraphs a company supergraph would have.
 * Hints are composition's warnings (e.g. INCONSISTENT_DESCRIPTION, INCONSISTENT_TYPE_SYSTEM_DIRECTIVE_REPOSITORY,
 * DEFINED_EVERYWHERE-style nudges); none is expected here, so any hint fails the test with its message, and a
 * new one is looked at rather than ignored.
 */
describe('composition of schema.graphql into a supergraph', () => {
  it('composes with a subgraph that owns User, with no errors and no hints', async () => {
    const result = compose([
      { name: 'identity', url: 'http://identity.internal/graphql', typeDefs: parse(await readSchemaFile()) },
      { name: 'users', url: 'http://users.internal/graphql', typeDefs: usersTypeDefs },
    ]);
    expect(result.errors?.map((error) => error.message)).toBeUndefined();
    expect((result.hints ?? []).map((hint) => `${hint.definition.code}: ${hint.message}`)).toEqual([]);

    const supergraph = result.supergraphSdl!;
    // User is an entity of both subgraphs, joined on id; communicationIdentity comes from this one.
    expect(supergraph).toMatch(/type User\s+@join__type\(graph: IDENTITY, key: "id"\)\s+@join__type\(graph: USERS, key: "id"\)/);
    expect(supergraph).toMatch(/communicationIdentity: CommunicationIdentity @join__field\(graph: IDENTITY\)/);
    expect(supergraph).toMatch(/name: String @join__field\(graph: USERS\)/);
    expect(supergraph).toMatch(/type CommunicationIdentity\s+@join__type\(graph: IDENTITY, key: "id"\)/);
    // The contract's root fields reach the supergraph; the federation machinery does not.
    for (const field of ['me: CommunicationIdentity', 'communicationIdentity(appUserId: ID!): CommunicationIdentity', 'user(id: ID!): User']) {
      expect(supergraph).toContain(field);
    }
    for (const field of ['createUser(', 'issueToken(', 'createUserAndToken(', 'revokeTokens(', 'deleteUser(']) {
      expect(supergraph).toContain(field);
    }
    expect(supergraph).not.toContain('_entities');
    expect(supergraph).not.toContain('_service');
  });

  it('composes with a subgraph that joins CommunicationIdentity by its key, with no hints', async () => {
    const result = compose([
      { name: 'identity', url: 'http://identity.internal/graphql', typeDefs: parse(await readSchemaFile()) },
      { name: 'users', url: 'http://users.internal/graphql', typeDefs: usersTypeDefs },
      { name: 'chats', url: 'http://chats.internal/graphql', typeDefs: chatsTypeDefs },
    ]);
    expect(result.errors?.map((error) => error.message)).toBeUndefined();
    expect((result.hints ?? []).map((hint) => `${hint.definition.code}: ${hint.message}`)).toEqual([]);
    expect(result.supergraphSdl).toMatch(/@join__type\(graph: CHATS, key: "id", resolvable: false\)/);
  });
});
