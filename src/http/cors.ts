import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';

const LOCALHOST_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * Browser access only from configured origins ('localhost' = any loopback origin, the non-production default).
 * Returns true when the request was a preflight and has been answered.
 */
export function corsFor(origins: string[] | 'localhost') {
  const middleware = cors({
    origin: origins === 'localhost' ? LOCALHOST_ORIGIN : origins.length > 0 ? origins : false,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'],
    exposedHeaders: ['retry-after', 'x-request-id'],
    maxAge: 600,
  });
  return (req: IncomingMessage, res: ServerResponse): Promise<boolean> =>
    new Promise((resolve, reject) => {
      middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve(false)));
      if (res.writableEnded) resolve(true);
    });
}
