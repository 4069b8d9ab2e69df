import { z } from 'zod';
import { booleanFlag, ConfigError, type EnvOf } from './env.js';

export const observabilityEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  METRICS: booleanFlag(true),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
};

export interface ObservabilityConfig {
  logLevel: string;
  /** Off, on the API port, or on a port of its own (METRICS_PORT). */
  metrics: { enabled: false } | { enabled: true; port?: number };
}

export function observabilityConfig(e: EnvOf<typeof observabilityEnv>, apiPort: number): ObservabilityConfig {
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === apiPort) {
    throw new ConfigError('METRICS_PORT must differ from PORT; leave it unset to serve /metrics on the API port.');
  }
  return { logLevel: e.LOG_LEVEL, metrics: e.METRICS ? { enabled: true, port: e.METRICS_PORT } : { enabled: false } };
}
