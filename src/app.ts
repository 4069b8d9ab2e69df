import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import mongoose, { type Connection } from 'mongoose';
import { AcsIdentityClient, type AcsCredential } from './acs/acsIdentityClient.js';
import { createCallerVerifier, type CallerVerifier } from './auth/callerVerifier.js';
import { loadDevIssuer } from './auth/devIssuer.js';
import type { GatewayConfig } from './config/config.js';
import { startEmbeddedMongo, type EmbeddedMongo } from './db/embedded/index.js';
import { startEmulator, type RunningEmulator } from './emulator/index.js';
import type { GatewayContext } from './graphql/context.js';
import { formatError } from './graphql/formatError.js';
import { IdentityResolver } from './graphql/resolvers/IdentityResolver.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { createGraphqlHandler } from './http/graphqlHandler.js';
import { addGraphiqlRoutes } from './http/graphiql.js';
import { createHttpServer, sendJson } from './http/server.js';
import { createLogger, type Logger } from './logging/logger.js';
import { identityMappingModel } from './models/identityMapping.js';
import { IdentityService } from './services/identityService.js';
import { MappingStore } from './services/mappingStore.js';

export interface GatewayOptions {
  logger?: Logger;
}

export interface RunningGateway {
  url: string;
  port: number;
  logger: Logger;
  /** Set when the gateway started its own ACS emulator. */
  emulator?: RunningEmulator;
  mongoUri: string;
  stop(): Promise<void>;
}

/** Starts the gateway and whatever embedded services its configuration asks for. */
export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => logger.warn({ err: error }, 'cleanup failed'));
  };

  try {
    const acs = await connectAcs(config, logger, cleanups);
    const { connection, mongoUri } = await connectMongo(config, logger, cleanups);
    const verifyCaller = await createVerifier(config);

    const mappings = new MappingStore(identityMappingModel(connection), {
      acsResource: acs.resourceKey,
      pendingWaitMs: config.pendingMappingWaitMs,
    });
    await identityMappingModel(connection).createIndexes();
    const identities = new IdentityService(acs, mappings, {
      allowedScopes: config.allowedScopes,
      defaultExpiresInMinutes: config.defaultTokenExpiresInMinutes,
    });
    const resolverInstances = new Map<unknown, unknown>([[IdentityResolver, new IdentityResolver(identities)]]);
    const schema = await buildGatewaySchema({ get: (someClass) => resolverInstances.get(someClass) });

    const routes = { '/healthz': (_req: unknown, res: Parameters<typeof sendJson>[0]) => sendJson(res, 200, { status: 'ok' }) };
    const server = createHttpServer({ routes, logger });
    const apollo = new ApolloServer<GatewayContext>({
      schema,
      formatError,
      includeStacktraceInErrorResponses: false,
      introspection: config.introspection,
      plugins: [ApolloServerPluginDrainHttpServer({ httpServer: server }), ApolloServerPluginLandingPageDisabled()],
      logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
    });
    await apollo.start();
    cleanups.push(() => apollo.stop());

    Object.assign(routes, {
      '/graphql': createGraphqlHandler({
        apollo,
        maxBodyBytes: 100 * 1024,
        context: async (req) => ({
          caller: await verifyCaller(headerValue(req.headers.authorization)),
          requestId: headerValue(req.headers['x-request-id']) ?? crypto.randomUUID(),
        }),
      }),
    });
    addGraphiqlRoutes(routes, { production: config.production });

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
    const port = (server.address() as AddressInfo).port;
    const local = ['0.0.0.0', '127.0.0.1', '::'].includes(config.host);
    const url = `http://${local ? 'localhost' : config.host}:${port}/graphql`;
    logger.info({ url }, 'gateway ready');

    return {
      url,
      port,
      logger,
      emulator: acs.emulator,
      mongoUri,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

type Cleanups = Array<() => Promise<void>>;

async function connectAcs(config: GatewayConfig, logger: Logger, cleanups: Cleanups): Promise<AcsIdentityClient & { emulator?: RunningEmulator }> {
  let credential: AcsCredential;
  let resourceKey: string;
  let emulator: RunningEmulator | undefined;
  if (config.acs.kind === 'embeddedEmulator') {
    emulator = await startEmulator({ dataDir: path.join(config.dataDir, 'emulator') });
    cleanups.push(() => emulator!.close());
    credential = { kind: 'connectionString', connectionString: emulator.connectionString, endpoint: emulator.endpoint };
    // The embedded emulator's port changes per start; its resource id does not.
    resourceKey = `emulator:${emulator.resourceId}`;
    logger.info({ endpoint: emulator.endpoint }, 'started the embedded ACS emulator');
  } else {
    credential = config.acs;
    resourceKey = new URL(config.acs.endpoint).host;
  }
  const client = new AcsIdentityClient({ credential, timeoutMs: config.acs.timeoutMs, resourceKey });
  return Object.assign(client, { emulator });
}

async function connectMongo(config: GatewayConfig, logger: Logger, cleanups: Cleanups): Promise<{ connection: Connection; mongoUri: string }> {
  let mongoUri = config.mongo.uri;
  if (!mongoUri) {
    const embedded: EmbeddedMongo = await startEmbeddedMongo({
      dataDir: path.join(config.dataDir, 'mongo'),
      log: (message) => logger.info(message),
    });
    cleanups.push(() => embedded.stop());
    mongoUri = new URL('acs_identity_gateway', embedded.uri).toString();
    logger.info({ kind: embedded.kind }, 'started the embedded MongoDB');
  }
  const connection = mongoose.createConnection(mongoUri, {
    serverSelectionTimeoutMS: config.mongo.timeoutMs,
    socketTimeoutMS: config.mongo.timeoutMs * 2,
    // Fail fast while MongoDB is down instead of queueing operations behind a reconnect.
    bufferCommands: false,
  });
  cleanups.push(() => connection.close());
  await connection.asPromise();
  return { connection, mongoUri };
}

async function createVerifier(config: GatewayConfig): Promise<CallerVerifier> {
  const { auth } = config;
  const common = {
    userIdClaim: auth.userIdClaim,
    rolesClaim: auth.rolesClaim,
    adminRole: auth.adminRole,
    clockToleranceSeconds: auth.clockToleranceSeconds,
  };
  if (auth.kind === 'devIssuer') {
    const dev = await loadDevIssuer(config.dataDir);
    return createCallerVerifier({ ...common, issuer: dev.issuer, audience: dev.audience, jwks: dev.jwks, algorithms: dev.algorithms });
  }
  return createCallerVerifier({
    ...common,
    issuer: auth.issuer,
    audience: auth.audience,
    jwks: new URL(auth.jwksUri),
    algorithms: auth.algorithms,
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
