import { z } from 'zod';
import { booleanFlag, ConfigError, type AreaContext, type EnvOf } from './env.js';

export const observabilityEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  METRICS: booleanFlag(true),
  /** Default: 9464 in production, where /metrics is not served on the API port; elsewhere none (see observabilityConfig). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Loopback by default: only a deployment that means scrapers to reach it (the chart) binds it to all interfaces. */
  METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  /** Default: off in production, on elsewhere unless METRICS_PORT is set. */
  METRICS_ON_API_PORT: booleanFlag(false).optional(),
};

/** Off, or on the API port (METRICS_ON_API_PORT) and/or on a port of its own (METRICS_PORT on METRICS_HOST). */
export type MetricsConfig = { enabled: false } | { enabled: true; onApiPort: boolean; ownPort?: { port: number; host: string } };

/** The port production serves /metrics on, as the chart's Service and ServiceMonitor expect (OpenTelemetry's Prometheus default). */
export const DEFAULT_METRICS_PORT = 9464;

export interface ObservabilityConfig {
  logLevel: string;
  metrics: MetricsConfig;
}

/**
 * /metrics tells anyone who reads it the Node version, process figures and counts per operation and error, so in
 * production it has a port of its own on loopback unless the deployment says otherwise; the API port serves it
 * only when METRICS_ON_API_PORT asks. Elsewhere it stays on the API port, as local tools expect.
 */
export function observabilityConfig(e: EnvOf<typeof observabilityEnv>, apiPort: number, { production }: AreaContext): ObservabilityConfig {
  return { logLevel: e.LOG_LEVEL, metrics: metricsConfig(e, apiPort, production) };
}

function metricsConfig(e: EnvOf<typeof observabilityEnv>, apiPort: number, production: boolean): MetricsConfig {
  if (!e.METRICS) return { enabled: false };
  const onApiPort = e.METRICS_ON_API_PORT ?? (!production && e.METRICS_PORT === undefined);
  const port = e.METRICS_PORT ?? (onApiPort ? undefined : DEFAULT_METRICS_PORT);
  if (port !== undefined && port !== 0 && port === apiPort) {
    throw new ConfigError('METRICS_PORT must differ from PORT; to serve /metrics on the API port, set METRICS_ON_API_PORT=true and leave METRICS_PORT unset.');
  }
  return { enabled: true, onApiPort, ...(port !== undefined && { ownPort: { port, host: e.METRICS_HOST } }) };
}
