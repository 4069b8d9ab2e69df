import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { AuditLog } from './audit/auditLog.js';
import { connectAcs } from './bootstrap/acs.js';
import { callerVerifierFor } from './bootstrap/callerVerifier.js';
import { runCleanups, type Cleanups } from './bootstrap/cleanups.js';
import { mappingStoreFor } from './bootstrap/mappingStore.js';
import { loadLocalStack } from './bootstrap/localStack.js';
import { connectMongo, isFerretDb } from './bootstrap/mongo.js';
import { tokenCacheFor } from './bootstrap/tokenCache.js';
import type { GatewayConfig } from './config/config.js';
import type { GatewayContext } from './graphql/context.js';
import { formatError } from './graphql/formatError.js';
import { auditPlugin } from './graphql/plugins/auditPlugin.js';
import { observabilityPlugin } from './graphql/plugins/observabilityPlugin.js';
import { queryLimitOptions } from './graphql/plugins/queryLimits.js';
import { rateLimitPlugin } from './graphql/plugins/rateLimitPlugin.js';
import { AuditResolver } from './graphql/resolvers/AuditResolver.js';
import { IdentityResolver } from './graphql/resolvers/IdentityResolver.js';
import { UserResolver } from './graphql/resolvers/UserResolver.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { corsFor } from './http/cors.js';
import { createGraphqlHandler } from './http/graphqlHandler.js';
import { liveness, readiness } from './http/health.js';
import { createHttpServer, type RouteHandler } from './http/server.js';
import { createLogger, type Logger } from './logging/logger.js';
import { auditEventModel } from './models/auditEvent.js';
import { cachedTokenModel } from './models/cachedToken.js';
import { leaseModel } from './models/lease.js';
import { GatewayMetrics } from './observability/metrics.js';
import { Lease } from './reconcile/lease.js';
import { Reconciler, type ReconcileSummary } from './reconcile/reconciler.js';
import { scheduleReconciler } from './reconcile/schedule.js';
import { createRateLimitIndexes, RateLimits } from './rateLimit/rateLimits.js';
import { IdentityService } from './services/identityService.js';
import { RecentMappings } from './services/recentMappings.js';

export interface GatewayOptions {
  logger?: Logger;
}

export interface RunningGateway {
  url: string;
  port: number;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Runs one reconciliation now (tests, operators); the schedule runs it every RECONCILE_INTERVAL_MS. */
  reconcile(): Promise<ReconcileSummary>;
  /** Stops taking requests, lets in-flight ones finish (up to SHUTDOWN_TIMEOUT_MS), then closes everything. */
  stop(): Promise<void>;
}

/** Starts the gateway and whatever embedded services its configuration asks for. */
export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = new GatewayMetrics();
  const cleanups: Cleanups = [];
  const stopAll = () => runCleanups(cleanups, (error) => logger.warn({ err: error }, 'a stop step failed'));

  try {
    const acs = await connectAcs(config, logger, cleanups, metrics.recordAcsCall);
    const connection = await connectMongo(config, logger, cleanups, metrics.recordMongoMonitorRestart);
    const verifyCaller = await callerVerifierFor(config, metrics.recordBearerToken);

    const auditModel = auditEventModel(connection);
    const tokenModel = cachedTokenModel(connection);
    const ferretDb = await isFerretDb(connection);
    const [mappings] = await Promise.all([
      mappingStoreFor(connection, config, acs.client.resourceKey, ferretDb),
      auditModel.createIndexes(),
      tokenModel.createIndexes(),
      config.rateLimits.store === 'mongo' && createRateLimitIndexes(connection, { expireWithTtl: !ferretDb }),
    ]);
    const tokenCache = await tokenCacheFor(config, tokenModel);
    const rateLimits = new RateLimits(config.rateLimits, connection);
    const identities = new IdentityService(
      acs.client,
      mappings,
      { allowedScopes: config.allowedScopes, defaultExpiresInMinutes: config.defaultTokenExpiresInMinutes },
      tokenCache,
      config.mappingCache.seconds > 0 ? new RecentMappings(config.mappingCache) : null,
    );
    const reconciler = new Reconciler(mappings, acs.client, { staleAfterMs: config.reconcile.staleAfterMs, tokenCache });
    if (config.reconcile.intervalMs > 0) {
      const lease = new Lease(leaseModel(connection), 'reconciler', `${hostname()}:${process.pid}:${randomUUID()}`);
      const schedule = scheduleReconciler(reconciler, lease, config.reconcile.intervalMs, logger);
      cleanups.push(() => schedule.stop());
    }
    const audit = new AuditLog(auditModel);
    const resolverInstances = new Map<unknown, unknown>([
      [IdentityService, identities],
      [IdentityResolver, new IdentityResolver(identities)],
      [UserResolver, new UserResolver(identities)],
      [AuditResolver, new AuditResolver(audit)],
    ]);
    const schema = await buildGatewaySchema({ get: (resolverClass) => resolverInstances.get(resolverClass) });

    let draining = false;
    const routes: Record<string, RouteHandler> = {
      '/healthz': liveness,
      '/readyz': readiness({ connection, acsProbeUrl: acs.probeUrl, isDraining: () => draining }),
    };
    if (config.http.metrics) {
      routes['/metrics'] = async (_req, res) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
      };
    }
    const server = createHttpServer({ routes, logger });

    const limits = queryLimitOptions(config.queryLimits);
    const apollo = new ApolloServer<GatewayContext>({
      schema,
      formatError,
      includeStacktraceInErrorResponses: false,
      introspection: config.introspection,
      csrfPrevention: true,
      // main.ts owns SIGTERM/SIGINT; Apollo's own handlers would start a second, competing stop that never settles.
      stopOnTerminationSignals: false,
      allowBatchedHttpRequests: limits.allowBatchedHttpRequests,
      validationRules: limits.validationRules,
      parseOptions: limits.parseOptions,
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: config.http.shutdownTimeoutMs }),
        ApolloServerPluginLandingPageDisabled(),
        observabilityPlugin(logger, metrics),
        rateLimitPlugin(rateLimits, metrics),
        auditPlugin(audit, logger),
        ...limits.plugins,
      ],
      logger: { debug: () => {}, info: () => {}, warn: (message) => logger.warn(message), error: (message) => logger.error(message) },
    });
    await apollo.start();
    cleanups.push(() => apollo.stop());

    const graphql = createGraphqlHandler({
      apollo,
      maxBodyBytes: config.http.maxRequestBytes,
      maxQueryCharacters: config.queryLimits.maxCharacters,
      context: async (req) => ({
        caller: await verifyCaller(firstHeader(req, 'authorization')),
        requestId: requestIdOf(req),
        clientIp: clientIpOf(req, config.http.trustProxy),
      }),
    });
    const cors = corsFor(config.http.corsOrigins);
    routes['/graphql'] = async (req, res, url) => {
      res.setHeader('x-request-id', requestIdOf(req));
      if (await cors(req, res)) return;
      await graphql(req, res, url);
    };
    // GraphiQL is a development tool; in production GET /graphql stays Apollo's and no asset route exists.
    if (!config.production) (await loadLocalStack(config.production, 'GraphiQL')).addGraphiqlRoutes(routes);

    const port = await listen(server, config);
    const local = ['0.0.0.0', '127.0.0.1', '::'].includes(config.host);
    const url = `http://${local ? 'localhost' : config.host}:${port}/graphql`;
    logger.info({ url }, 'gateway ready');

    return {
      url,
      port,
      logger,
      metrics,
      reconcile: () => reconciler.runOnce(),
      stop: async () => {
        draining = true;
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function listen(server: Server, config: GatewayConfig): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port));
  });
}

function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A caller-supplied id is kept when it is short and plain, so logs can be joined across services. */
function requestIdOf(req: IncomingMessage): string {
  const supplied = firstHeader(req, 'x-request-id');
  const id = supplied && /^[\w.:-]{1,128}$/.test(supplied) ? supplied : randomUUID();
  req.headers['x-request-id'] = id;
  return id;
}

function clientIpOf(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? firstHeader(req, 'x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  return forwarded || req.socket.remoteAddress || 'unknown';
}
