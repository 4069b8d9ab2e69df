import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditLog, DEFAULT_GROUP_COMMIT } from './audit/auditLog.js';
import { auditEventModel } from './audit/auditEventModel.js';
import { callerVerifierFor } from './bootstrap/callerVerifier.js';
import { runCleanups, type Cleanups } from './bootstrap/cleanups.js';
import { connectCore } from './bootstrap/core.js';
import type { DatabaseTraits } from './bootstrap/database.js';
import { setUpExpiry } from './bootstrap/expiry.js';
import { loadLocalStack } from './bootstrap/localStack.js';
import { teamsExchangeFor } from './bootstrap/teams.js';
import type { GatewayConfig } from './config/config.js';
import { createApolloServer } from './graphql/apolloServer.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { graphqlRoute } from './http/graphqlHandler.js';
import { liveness, readiness } from './http/health.js';
import { metricsRoute } from './http/metricsRoute.js';
import { createHttpServer, type RouteHandler } from './http/server.js';
import type { ReconcileSummary } from './identity/reconcile/reconciler.js';
import { scheduleReconciler } from './identity/reconcile/schedule.js';
import { createLogger, type Logger } from './observability/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { createRateLimitIndexes, RateLimits } from './rateLimit/rateLimits.js';
import { TrustedDocumentGate } from './trustedDocuments/gate.js';
import { loadTrustedDocuments } from './trustedDocuments/manifest.js';

export interface GatewayOptions {
  logger?: Logger;
  /** Instead of asking the server (see CoreOptions.databaseTraits). */
  databaseTraits?: DatabaseTraits;
}

/** How often expired rows are swept when RECONCILE_INTERVAL_MS turns the reconciler off. */
const SWEEP_INTERVAL_MS = 60_000;

export interface RunningGateway {
  url: string;
  port: number;
  /** Where Prometheus scrapes: the API port, or METRICS_PORT; undefined with METRICS=false. */
  metricsUrl?: string;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Runs one reconciliation now (tests, operators); the schedule runs it every RECONCILE_INTERVAL_MS. */
  reconcile(): Promise<ReconcileSummary>;
  /** Stops taking requests, lets in-flight ones finish (up to SHUTDOWN_TIMEOUT_MS), then closes everything. */
  stop(): Promise<void>;
}

/**
 * The composition root: starts the gateway and whatever embedded services its configuration asks for. Longer than
 * 60 lines on purpose: it is the one place that orders startup and, in reverse, shutdown; each step is a line or two.
 */
export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = new GatewayMetrics();
  const cleanups: Cleanups = [];
  const stopAll = () => runCleanups(cleanups, (error) => logger.warn({ err: error }, 'a stop step failed'));
  for (const warning of config.warnings ?? []) logger.warn(`${warning} (production refuses to start with it)`);

  try {
    const core = await connectCore(config, {
      logger,
      cleanups,
      onAcsCall: metrics.recordAcsCall,
      onCustomIdState: metrics.recordCustomIdState,
      onMongoMonitorRestart: metrics.recordMongoMonitorRestart,
      onTokenCacheLookup: metrics.recordTokenCacheLookup,
      databaseTraits: options.databaseTraits,
    });
    const verifyCaller = await callerVerifierFor(config, metrics.recordBearerToken);
    const auditModel = auditEventModel(core.connection);
    const [sweep] = await Promise.all([
      setUpExpiry(core.connection, { auditRetentionDays: config.auditRetentionDays }),
      auditModel.createIndexes(),
      config.rateLimits.store === 'mongo' && createRateLimitIndexes(core.connection),
    ]);
    // Past server selection and the socket timeout (bootstrap/mongo.ts), a write has been lost, not slowed.
    const audit = new AuditLog(auditModel, { ...DEFAULT_GROUP_COMMIT, writeTimeoutMs: 3 * config.mongo.timeoutMs });
    const rateLimits = new RateLimits(config.rateLimits, core.connection, {
      oneConsumePerKey: config.rateLimits.store === 'mongo' && core.database.readModifyWriteUpdates,
    });
    const { intervalMs } = config.reconcile;
    const schedule = scheduleReconciler(intervalMs > 0 ? core.reconciler : null, core.reconcilerLease, intervalMs || SWEEP_INTERVAL_MS, logger, sweep);
    cleanups.push(() => schedule.stop());
    const teams = await teamsExchangeFor(config, core.acs.client);
    const schema = await buildGatewaySchema({ identities: core.identities, teams, audit, logger });
    const trustedDocuments = await loadTrustedDocuments(config.trustedDocuments.manifestPath, { schema, introspection: config.introspection });

    let draining = false;
    const { http } = config;
    const routes: Record<string, RouteHandler> = {
      '/healthz': liveness,
      '/readyz': readiness({
        connection: core.connection,
        acsProbeUrl: core.acs.probeUrl,
        customIdState: () => core.acs.client.customIdState,
        isDraining: () => draining,
        cacheMs: http.readinessCacheMs,
      }),
    };
    // /metrics alone on its own port (METRICS_PORT on METRICS_HOST), and on the API port only when configured so.
    const metricsPort = http.metrics.enabled ? http.metrics.ownPort : undefined;
    const metricsServer =
      metricsPort === undefined ? undefined : createHttpServer({ routes: { '/metrics': metricsRoute(metrics.registry) }, logger, timeouts: http.timeouts });
    if (http.metrics.enabled && http.metrics.onApiPort) routes['/metrics'] = metricsRoute(metrics.registry);
    const server = createHttpServer({ routes, logger, timeouts: http.timeouts });
    const apollo = createApolloServer({ schema, config, httpServer: server, logger, metrics, rateLimits, trustedDocuments });
    await apollo.start();
    cleanups.push(() => apollo.stop());
    routes['/graphql'] = graphqlRoute({
      apollo,
      verifyCaller,
      rateLimits,
      corsOrigins: http.corsOrigins,
      trustedProxies: http.trustedProxies,
      maxBodyBytes: http.maxRequestBytes,
      maxQueryCharacters: config.queryLimits.maxCharacters,
      trustedDocuments: new TrustedDocumentGate({ documents: trustedDocuments, ...config.trustedDocuments }),
      onUntrustedDocument: (reason, requestId) => {
        metrics.untrustedDocuments.inc({ reason });
        metrics.errors.inc({ code: 'DOCUMENT_NOT_TRUSTED' });
        logger.info({ requestId, errorCodes: ['DOCUMENT_NOT_TRUSTED'], reason }, 'graphql request refused: document not trusted');
      },
    });
    // GraphiQL is a development tool: in production GET /graphql stays Apollo's, and no asset route exists.
    if (!config.production) (await loadLocalStack(config.production, 'GraphiQL')).addGraphiqlRoutes(routes);

    const urlHost = (bound: string) => (['0.0.0.0', '127.0.0.1', '::'].includes(bound) ? 'localhost' : bound);
    const host = urlHost(config.host);
    let metricsUrl: string | undefined;
    if (metricsServer && metricsPort) {
      const listening = await listen(metricsServer, metricsPort.port, metricsPort.host, 'METRICS_PORT');
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            metricsServer.close(() => resolve());
            metricsServer.closeAllConnections(); // a scraper's keep-alive connection must not hold the stop
          }),
      );
      metricsUrl = `http://${urlHost(metricsPort.host)}:${listening}/metrics`;
    }
    const port = await listen(server, config.port, config.host, 'PORT');
    const url = `http://${host}:${port}/graphql`;
    metricsUrl ??= http.metrics.enabled && http.metrics.onApiPort ? `http://${host}:${port}/metrics` : undefined;
    logger.info({ url, metricsUrl, trustedDocuments: trustedDocuments.size, trustedDocumentsOnly: config.trustedDocuments.only }, 'gateway ready');

    return {
      url,
      port,
      metricsUrl,
      logger,
      metrics,
      reconcile: () => core.reconciler.runOnce(),
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

/** Listens, or fails with the variable to change: `listen EADDRINUSE` alone does not say which setting chose the port. */
function listen(server: Server, port: number, host: string, variable: 'PORT' | 'METRICS_PORT'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === 'EADDRINUSE') {
        reject(new Error(`${where} is already in use (another gateway, or another program, listens there): stop it, or set ${variable} to a free port (0 picks one).`, { cause: error }));
      } else if (error.code === 'EACCES') {
        reject(new Error(`${where} needs privileges this process does not have: set ${variable} to a port above 1023.`, { cause: error }));
      } else if (error.code === 'EADDRNOTAVAIL') {
        reject(new Error(`${host} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0.`, { cause: error }));
      } else {
        reject(error);
      }
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
