// `npm start` as a newcomer gets it wrong: each refusal is one line on stderr that names what to change.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildOnce, startGatewayProcess, startScriptNodeFlags } from '../harness/gatewayProcess.js';
import { productionEnv } from '../harness/productionEnv.js';
import { uniqueDbUri } from '../support/mongo.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const run = promisify(execFile);

interface Outcome {
  code: number;
  stderr: string;
}

/** The gateway as `npm start` runs it, with only the given variables beside PATH and HOME. */
async function start(env: Record<string, string>): Promise<Outcome> {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  return run(process.execPath, [...startScriptNodeFlags(), 'dist/src/main.js'], { cwd: ROOT, env: { ...base, ...env }, timeout: 60_000 }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

const oneLine = (outcome: Outcome): string => {
  expect(outcome.code).toBe(1);
  const lines = outcome.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Cannot start: /);
  return lines[0]!;
};

beforeAll(() => buildOnce(), 180_000);

describe('start errors name their fix, in one line', () => {
  it.each([
    ['MONGODB_URL', 'mongodb://127.0.0.1:1/x', 'MONGODB_URI'],
    ['AUTH_ISUER', 'https://idp.example/', 'AUTH_ISSUER'],
    ['TOKEN_CACHEE', 'true', 'TOKEN_CACHE'],
  ])('production refuses %s=%s, naming the variable meant', async (name, value, meant) => {
    const line = oneLine(await start({ ...productionEnv(), [name]: value }));
    expect(line).toContain(`${name}: unknown; did you mean ${meant}?`);
  }, 60_000);

  it('development warns about MONGODB_URL, naming MONGODB_URI, and still starts', async () => {
    const gateway = await startGatewayProcess({ MONGODB_URI: uniqueDbUri('start-errors'), MONGODB_URL: 'mongodb://127.0.0.1:1/x' });
    try {
      expect(gateway.output()).toContain('MONGODB_URL: unknown; did you mean MONGODB_URI? (production refuses to start with it)');
    } finally {
      await gateway.stop();
    }
  }, 90_000);

  it('PORT=abc names PORT and what it takes', async () => {
    expect(oneLine(await start({ PORT: 'abc' }))).toBe(
      'Cannot start: Invalid configuration. PORT must be a whole number from 0 to 65535 (unset: 4000), not "abc"',
    );
  }, 60_000);

  it('an unreachable MONGODB_URI names MONGODB_URI and its host, never its password', async () => {
    const line = oneLine(await start({ MONGODB_URI: 'mongodb://gateway:s3cret-pw@127.0.0.1:1/x', MONGODB_TIMEOUT_MS: '500' }));
    expect(line).toMatch(/^Cannot start: no connection to MongoDB at 127\.0\.0\.1:1 \(MONGODB_URI\) within MONGODB_TIMEOUT_MS \(500 ms\): .*ECONNREFUSED.*Check MONGODB_URI/);
    expect(line).toContain('or unset MONGODB_URI to use the embedded database');
    expect(line).not.toContain('s3cret-pw');
  }, 60_000);

  describe('a port in use', () => {
    let holder: Server;
    let port: number;
    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      port = (holder.address() as { port: number }).port;
    });
    afterAll(() => new Promise((resolve) => holder.close(resolve)));

    it.each(['PORT', 'METRICS_PORT'])('names %s', async (variable) => {
      const env: Record<string, string> = variable === 'PORT' ? { PORT: String(port) } : { PORT: '0', METRICS_PORT: String(port) };
      const line = oneLine(await start({ MONGODB_URI: uniqueDbUri('start-errors'), HOST: '127.0.0.1', ...env }));
      expect(line).toBe(
        `Cannot start: 127.0.0.1:${port} is already in use (another gateway, or another program, listens there): stop it, or set ${variable} to a free port (0 picks one).`,
      );
    }, 60_000);
  });
});
