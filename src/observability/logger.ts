import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths that can hold secrets, censored wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'token',
  '*.token',
  '*.*.token',
  'accessToken',
  '*.accessToken',
  'accessKey',
  '*.accessKey',
  'connectionString',
  '*.connectionString',
  'key',
  '*.key',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout (fd 1) by default. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

export function createLogger({ level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service: 'acs-identity-gateway' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    // Straight to fd 1, synchronously as process.stdout writes to a pipe anyway, without a stream's machinery
    // around each line; asynchronous writes measured slower (bench/HISTORY.md).
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Errors are logged by kind and code only: SDK and driver messages can quote request bodies. */
function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: typeof error };
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  return {
    type: error.name,
    ...(statusCode !== undefined && { statusCode }),
    ...(code !== undefined && { code }),
    stack: error.stack?.split('\n').slice(1, 6).join('\n'),
  };
}
