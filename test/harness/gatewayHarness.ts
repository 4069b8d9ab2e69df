import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startGateway, type RunningGateway } from '../../src/app.js';
import type { DatabaseTraits } from '../../src/bootstrap/database.js';
import { loadConfig } from '../../src/config/config.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '@acs-identity-gateway/emulator';
import { createLogger } from '../../src/observability/logger.js';
import { uniqueDbUri } from '../support/mongo.js';
import { graphql, type GraphqlResponse } from './graphqlClient.js';
import { startTestIssuer, type TestIssuer } from './testIssuer.js';

/** Real parts for a gateway test: the ACS emulator, a test OIDC issuer, a fresh database, and the gateway over HTTP. */
export interface Harness {
  emulator: RunningEmulator;
  issuer: TestIssuer;
  mongoUri: string;
  gateway: RunningGateway;
  /** Every log line the gateway wrote, for checks that secrets never reach the logs. */
  logLines: string[];
  env: Record<string, string>;
  gql<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphqlResponse<Data>>;
  tokenFor(sub: string, roles?: string[]): Promise<string>;
  /** What the emulator says of an ACS token, asked over its HTTP admin route as a client would. */
  introspect(token: string): Promise<{ active: boolean; reason?: string }>;
  /** Another gateway instance on the same emulator, issuer and database. */
  startInstance(env?: Record<string, string>): Promise<RunningGateway>;
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  name: string;
  env?: Record<string, string>;
  /**
   * For the emulator, e.g. its rate limits lifted for a load test; a function is given the gateway's DATA_DIR first
   * (e.g. to trust the development issuer there for Teams tokens, as `npm start` does).
   */
  emulator?: EmulatorOptions | ((dataDir: string) => Promise<EmulatorOptions>);
  /** MONGODB_TRAITS runs MongoDB's path (filtered atomic updates) on whatever server the suite has. */
  databaseTraits?: DatabaseTraits;
}

export async function startHarness({ name, env: extraEnv = {}, emulator: emulatorOptions, databaseTraits }: HarnessOptions): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-test-'));
  const emulator = await startEmulator(typeof emulatorOptions === 'function' ? await emulatorOptions(dataDir) : emulatorOptions);
  const issuer = await startTestIssuer();
  const mongoUri = extraEnv.MONGODB_URI ?? uniqueDbUri(name);
  const logLines: string[] = [];
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    MONGODB_URI: mongoUri,
    COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString,
    ...issuer.env,
    ...extraEnv,
  };
  const instances: RunningGateway[] = [];
  const launch = async (overrides: Record<string, string> = {}) => {
    const logger = collectingLogger(logLines);
    const instance = await startGateway(loadConfig({ ...env, ...overrides }), { logger, databaseTraits });
    instances.push(instance);
    return instance;
  };

  const harness: Harness = {
    emulator,
    issuer,
    mongoUri,
    gateway: await launch(),
    logLines,
    env,
    gql: (query, variables, token) => graphql(harness.gateway.url, query, variables, token),
    tokenFor: (sub, roles = []) => issuer.token(sub, { roles }),
    async introspect(token) {
      const response = await fetch(new URL('_emulator/introspect', emulator.endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      return (await response.json()) as { active: boolean; reason?: string };
    },
    startInstance: launch,
    async restartGateway() {
      await harness.gateway.stop();
      instances.splice(instances.indexOf(harness.gateway), 1);
      harness.gateway = await launch();
    },
    async stop() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await issuer.close();
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** A gateway logger whose every line lands in `lines`, for checks that secrets never reach the logs. */
export function collectingLogger(lines: string[], level = 'debug') {
  return createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  });
}
