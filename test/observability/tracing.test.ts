// OpenTelemetry tracing end to end: the built gateway as a child process, exporting OTLP/HTTP JSON
// to a receiver in this test, switched on and off by nothing but the standard OTEL_* variables.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDevIssuer } from '../../src/local/devIssuer.js';
import { startEmulator, type RunningEmulator } from '@acs-identity-gateway/emulator';
import { tracingEnabled } from '../../src/observability/tracing.js';
import { graphql } from '../harness/graphqlClient.js';
import { uniqueDbUri } from '../support/mongo.js';
import { waitFor } from '../harness/net.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const TRACING = path.join(ROOT, 'dist/src/observability/tracing.js');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const CREATE_USER_AND_TOKEN = `mutation($input: CreateUserAndTokenInput!) {
  createUserAndToken(input: $input) { created identity { id } accessToken { token expiresOn } } }`;
/** OTLP's default endpoint port: where a wrongly started SDK would send spans when no endpoint is configured. */
const OTLP_DEFAULT_PORT = 4318;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number | string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A minimal OTLP/HTTP trace receiver: keeps every JSON body POSTed to /v1/traces. */
interface Receiver {
  server: Server;
  port: number;
  bodies: string[];
  spans(): OtlpSpan[];
  serviceNames(): string[];
  close(): Promise<void>;
}

async function startReceiver(port = 0, host?: string): Promise<Receiver> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const parsed = () =>
    bodies.map(
      (body) =>
        JSON.parse(body) as {
          resourceSpans: Array<{
            resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans: Array<{ spans: OtlpSpan[] }>;
          }>;
        },
    );
  return {
    server,
    port: (server.address() as AddressInfo).port,
    bodies,
    spans: () => parsed().flatMap((b) => b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))),
    serviceNames: () =>
      parsed().flatMap((b) =>
        b.resourceSpans.map((r) => r.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? ''),
      ),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** The built gateway with exactly `env` on top of a clean environment (no inherited OTEL_* or NODE_OPTIONS). */
async function launchGateway(env: Record<string, string>, args: string[] = []): Promise<Child> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_') && name !== 'NODE_OPTIONS'),
  );
  const child = spawn(process.execPath, [...args, MAIN], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = await waitFor(() => /GraphQL endpoint: (\S+)/.test(output) || child.exitCode !== null, 60_000);
  const url = /GraphQL endpoint: (\S+)/.exec(output)?.[1];
  if (!ready || !url) throw new Error(`the gateway did not start:\n${output}`);
  return { process: child, url, output: () => output };
}

/** SIGTERM (which flushes a running SDK), then SIGKILL if shutdown takes longer than `graceMs`. */
async function stopGateway(child: Child, graceMs = 5_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = once(child.process, 'exit');
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

const children: ChildProcess[] = [];
let emulator: RunningEmulator;
let dataDir: string;
let bearer: string;

/** What every gateway launch shares: a fresh database, the emulator, and the development issuer. */
const baseEnv = (name: string) => ({
  NODE_ENV: 'development',
  PORT: '0',
  LOG_LEVEL: 'info',
  DATA_DIR: dataDir,
  MONGODB_URI: uniqueDbUri(name),
  COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString,
  RATE_LIMIT_STORE: 'memory',
});

beforeAll(async () => {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  emulator = await startEmulator();
  dataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-tracing-'));
  bearer = await (await loadDevIssuer(dataDir)).sign({ sub: 't' });
}, 180_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('tracingEnabled', () => {
  it.each([
    [{}, false],
    [{ OTEL_SERVICE_NAME: 'x', OTEL_BSP_SCHEDULE_DELAY: '100' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
  ])('%j → %s', (env, expected) => {
    expect(tracingEnabled(env)).toBe(expected);
  });
});

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: Receiver;
  let gateway: Child;

  beforeAll(async () => {
    receiver = await startReceiver(0, '127.0.0.1');
    gateway = await launchGateway(
      {
        ...baseEnv('tracing_on'),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      ['--import', TRACING],
    );
  }, 90_000);

  afterAll(async () => {
    if (gateway) await stopGateway(gateway);
    await receiver?.close();
  });

  it('exports a server span for the request and an acs.createUserAndToken span, with no secrets', async () => {
    expect((await fetch(gateway.url.replace(/\/graphql$/, '/healthz'))).status).toBe(200);
    const response = await graphql(gateway.url, CREATE_USER_AND_TOKEN, { input: { scopes: ['CHAT'] } }, bearer);
    expect(response.errors).toBeUndefined();
    const acsToken = response.data?.createUserAndToken.accessToken.token as string;
    expect(acsToken).toEqual(expect.any(String));

    // The server span ends after the ACS span, so it can come in a later export batch: wait for both.
    const arrived = await waitFor(() => {
      const all = receiver.spans();
      const acsSpan = all.find((s) => s.name === 'acs.createUserAndToken');
      return !!acsSpan && all.some((s) => (s.kind === 2 || s.kind === 'SPAN_KIND_SERVER') && s.traceId === acsSpan.traceId);
    }, 30_000);
    expect(arrived).toBe(true);
    const spans = receiver.spans();
    const acs = spans.find((s) => s.name === 'acs.createUserAndToken')!;
    const server = spans.find((s) => (s.kind === 2 || s.kind === 'SPAN_KIND_SERVER') && s.traceId === acs.traceId);
    expect(server).toBeDefined();
    expect(server!.attributes).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'http.request.method', value: { stringValue: 'POST' } })]),
    );
    expect(acs.attributes).toEqual(
      expect.arrayContaining([
        { key: 'acs.operation', value: { stringValue: 'createUserAndToken' } },
        { key: 'acs.outcome', value: { stringValue: 'success' } },
      ]),
    );
    // The SDK's own HTTP call to the emulator is a child of the ACS span.
    expect(spans.some((s) => s.parentSpanId === acs.spanId && (s.kind === 3 || s.kind === 'SPAN_KIND_CLIENT'))).toBe(true);
    expect(receiver.serviceNames()).toContain('acs-identity-gateway');

    // Nothing exported, attribute or otherwise, carries the ACS token, the bearer token or the ACS key.
    const exported = receiver.bodies.join('\n');
    for (const secret of [acsToken, bearer, emulator.accessKey]) {
      expect(exported).not.toContain(secret);
      expect(exported).not.toContain(secret.split('.').pop());
    }
    // Probes are not traced.
    expect(exported).not.toContain('/healthz');
  }, 60_000);
});

describe('switched off', () => {
  it('with no OTEL_* variables, starts no SDK: nothing reaches a receiver at the default endpoint', async () => {
    // A started SDK with no endpoint configured would export to localhost:4318; listen there when we can.
    const receiver = await startReceiver(OTLP_DEFAULT_PORT).catch(() => startReceiver(0));
    if (receiver.port !== OTLP_DEFAULT_PORT) console.warn(`port ${OTLP_DEFAULT_PORT} is taken: checking only the gateway's output`);
    try {
      const gateway = await launchGateway({ ...baseEnv('tracing_off') }, ['--import', TRACING]);
      const response = await graphql(gateway.url, CREATE_USER_AND_TOKEN, { input: { scopes: ['VOIP'] } }, bearer);
      expect(response.errors).toBeUndefined();
      // A running SDK would export within its default 5 s batch delay, or on the SIGTERM flush.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      await stopGateway(gateway);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.bodies).toEqual([]);
      expect(gateway.output()).not.toMatch(/opentelemetry|OTLP/i);
    } finally {
      await receiver.close();
    }
  }, 90_000);

  it('exports nothing when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, even with an endpoint', async () => {
    const receiver = await startReceiver(0, '127.0.0.1');
    try {
      const switchesOff: Array<Record<string, string>> = [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }];
      for (const off of switchesOff) {
        const gateway = await launchGateway({
          ...baseEnv('tracing_disabled'),
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '100',
          ...off,
        });
        const response = await graphql(gateway.url, CREATE_USER_AND_TOKEN, { input: { scopes: ['CHAT'] } }, bearer);
        expect(response.errors).toBeUndefined();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await stopGateway(gateway);
      }
      expect(receiver.bodies).toEqual([]);
    } finally {
      await receiver.close();
    }
  }, 120_000);
});
