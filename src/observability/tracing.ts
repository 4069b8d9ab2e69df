/**
 * OpenTelemetry tracing, switched on by the standard OTEL_* environment variables and off otherwise.
 *
 * On when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, or when
 * OTEL_TRACES_EXPORTER names an exporter (otlp, console, zipkin); off when OTEL_TRACES_EXPORTER
 * contains `none` or OTEL_SDK_DISABLED=true. Everything else (protocol, headers, sampler, batch
 * delays, resource attributes) is read by the SDK from the standard variables.
 *
 * This module must run before the application's modules are loaded, so that the ESM loader hook
 * can wrap them: `src/start.ts` imports it first and loads the application afterwards, and other
 * entry points can use `node --import ./dist/src/observability/tracing.js …`. When tracing is off
 * it loads nothing and registers nothing.
 */
import { register } from 'node:module';

export const DEFAULT_SERVICE_NAME = 'acs-identity-gateway';

/** Paths whose requests are not traced: probes and scrapes would drown the interesting spans. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface Tracing {
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.includes('none')) return false;
  return exporters.length > 0 || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

let running: Promise<Tracing | undefined> | undefined;

/** Starts the SDK once when the environment asks for tracing; resolves to undefined when it does not. */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  running ??= tracingEnabled(env) ? start(env) : Promise.resolve(undefined);
  return running;
}

/** Flushes and stops tracing if it was started; safe to call when it was not. */
export async function stopTracing(): Promise<void> {
  await (await running)?.shutdown();
}

async function start(env: NodeJS.ProcessEnv): Promise<Tracing> {
  // The loader hook lets instrumentations patch ES modules imported after this point.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

  const [{ NodeSDK, resources }, { HttpInstrumentation }, { GraphQLInstrumentation }, { MongoDBInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-graphql'),
      import('@opentelemetry/instrumentation-mongodb'),
    ]);

  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, read by the SDK's env detector, override this default.
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME })),
    // Tracing only: metrics stay with Prometheus at /metrics unless OTLP metrics or logs are asked for explicitly.
    ...(!env.OTEL_METRICS_EXPORTER && { metricReaders: [] }),
    ...(!env.OTEL_LOGS_EXPORTER && { logRecordProcessors: [] }),
    instrumentations: [
      new HttpInstrumentation({
        // Headers are never recorded (no headersToSpanAttributes), so bearer tokens and ACS keys stay out.
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
      }),
      // allowValues stays false: argument values are not recorded. Trivial field resolvers get no spans.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true }),
      // enhancedDatabaseReporting stays false: statements are recorded with their values masked.
      new MongoDBInstrumentation(),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

// Imported first by start.ts or through `node --import`: start before the application's modules load.
await startTracing();
