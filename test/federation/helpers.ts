import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeServices, type CompositionResult } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { parse, type DocumentNode } from 'graphql';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

/** The committed subgraph schema, as a router or `rover` would read it. */
export async function readSchemaFile(): Promise<string> {
  return readFile(SCHEMA_FILE, 'utf8');
}

/** The second subgraph of the tests: it owns `User`, as a company's accounts subgraph would. */
export const usersTypeDefs: DocumentNode = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Query {
    user(id: ID!): User
  }

  type User @key(fields: "id") {
    id: ID!
    name: String
  }
`);

/** A third subgraph that only holds ACS ids (say, chat membership) and joins the identity entity by its key. */
export const chatsTypeDefs: DocumentNode = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Query {
    chatMember(acsId: ID!): ChatMember
  }

  type ChatMember {
    displayName: String
    identity: CommunicationIdentity
  }

  type CommunicationIdentity @key(fields: "id", resolvable: false) {
    id: ID!
  }
`);

export interface SubgraphSpec {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

export function compose(subgraphs: SubgraphSpec[]): CompositionResult {
  return composeServices(subgraphs.map(({ name, url, typeDefs }) => ({ name, url, typeDefs })));
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Serves a subgraph schema over real HTTP on a free port. */
export async function startSubgraph(typeDefs: DocumentNode, resolvers: GraphQLResolverMap<unknown>): Promise<RunningServer> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

interface RouterContext {
  authorization?: string;
}

/**
 * An @apollo/gateway router over a composed supergraph, served on a free port. Like a router configured to
 * propagate the `authorization` header, it forwards the caller's header to every subgraph it calls, and any
 * `subgraphHeaders` with it.
 */
export async function startRouter(supergraphSdl: string, options: { subgraphHeaders?: Record<string, string> } = {}): Promise<RunningServer> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<RouterContext>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
          // Static headers, as a router's configuration inserts them (e.g. x-router-secret for trusted documents).
          for (const [name, value] of Object.entries(options.subgraphHeaders ?? {})) request.http?.headers.set(name, value);
        },
      }),
  });
  const server = new ApolloServer<RouterContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { url, stop: () => server.stop() };
}
