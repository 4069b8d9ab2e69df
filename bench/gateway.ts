// `npm run bench` (not a test): the gateway's cost over a bare SDK call, measured side by side (issue 7).
// Everything runs on loopback: the emulator (its own process, rate limits lifted), the embedded MongoDB, the
// gateway (`node dist/src/main.js`, its own process), the minimal alternative (bench/minimal-alternative.ts, its
// own process) and the bare-SDK driver (bench/bare-sdk.ts, its own process). Load comes from this process with
// autocannon's programmatic API. Writes bench/results.json and bench/RESULTS.md.
// Env: BENCH_DURATION_S (5), BENCH_REPEATS (3), BENCH_USERS (200), BENCH_SOAK_S (60; 300 for the issue's soak),
// BENCH_CONCURRENCIES (1,16,64), BENCH_PROFILE (auto|on|off: CPU-profile the gateway when a target is missed),
// BENCH_PROFILE_CONNECTIONS (16).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { cpus, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { loadDevIssuer, DEV_ISSUER } from '../src/local/devIssuer.js';
import { startEmbeddedMongo } from '../src/local/embeddedMongo/index.js';
import { startEmulator } from '@acs-identity-gateway/emulator';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface AutocannonInstance extends Promise<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): void;
}
// autocannon ships no types; only the fields used here are declared.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: Record<string, unknown>) => AutocannonInstance;

const ROOT = new URL('../', import.meta.url).pathname;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const USERS = Number(process.env.BENCH_USERS ?? 200);
const SOAK_S = Number(process.env.BENCH_SOAK_S ?? 60);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCIES ?? '1,16,64').split(',').map(Number);
const PROFILE = process.env.BENCH_PROFILE ?? 'auto';
const PROFILE_CONNECTIONS = Number(process.env.BENCH_PROFILE_CONNECTIONS ?? 16);
const START_RUNS = 3;
/** The assumed round trip to ACS for the "ACS away" cache scenario. */
const ACS_LATENCY_MS = 20;
const NODE = process.execPath; // Node 24 from node_modules/.bin (tsx runs under it)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ---------------------------------------------------------------- processes

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = pattern.exec(out);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}: ${out}`)));
  });
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

async function startEmulatorProcess() {
  const child = spawn(NODE, [...process.execArgv, new URL(import.meta.url).pathname, '--serve-emulator'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const m = await waitForLine(child, /COMMUNICATION_SERVICES_CONNECTION_STRING=(\S+)/);
  return { child, connectionString: m[1]! };
}

interface Gateway {
  child: ChildProcess;
  url: string;
  origin: string;
  readyMs: number;
}

/** The node flags `npm start` (and the Dockerfile) use, so the gateway is measured as it is deployed. */
const START_FLAGS = (/exec node (.*)dist\/src\/main\.js/.exec(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start)?.[1] ?? '').split(' ').filter(Boolean);

async function startGateway(env: Record<string, string>, extraArgs: string[] = []): Promise<Gateway> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(NODE, [...START_FLAGS, ...extraArgs, 'dist/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${origin}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 60_000) throw new Error('gateway not ready after 60 s');
    await sleep(5);
  }
  return { child, url: `${origin}/graphql`, origin, readyMs: performance.now() - t0 };
}

/** Samples VmRSS of a process every 200 ms, tagged with the current phase. */
class RssSampler {
  samples: { t: number; phase: string; rssMiB: number }[] = [];
  phase = 'idle';
  private timer: NodeJS.Timeout;
  constructor(private pid: number) {
    this.timer = setInterval(() => void this.sample(), 200);
    void this.sample();
  }
  async sample() {
    try {
      const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      if (kb) this.samples.push({ t: Date.now(), phase: this.phase, rssMiB: round(kb / 1024, 1) });
    } catch {
      // process gone
    }
  }
  stop() {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------- load

interface RunFigure {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  failures: number;
  /** CPU time per request of each process involved (server, MongoDB, emulator, load generator), in ms. */
  cpuMsPerRequest?: Record<string, number>;
}

/** utime + stime of a process, in ms (from /proc, in clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Measures the CPU each named process spends while `run` runs, per request it reports. */
async function withCpu(pids: Record<string, number>, run: () => Promise<RunFigure>): Promise<RunFigure> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  const figure = await run();
  const used = Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid) - before[name]!] as const);
  const perRequest = Object.fromEntries(used.map(([name, ms]) => [name, round(ms / figure.total, 3)]));
  return { ...figure, cpuMsPerRequest: { ...perRequest, ...figure.cpuMsPerRequest } };
}
interface Row {
  concurrency: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest?: Record<string, number>;
  runs: RunFigure[];
}

type RequestMaker = () => { method: string; path: string; headers: Record<string, string>; body?: string };

/** One autocannon run; latencies are recomputed from each response's own (sub-millisecond) time. */
async function cannon(origin: string, make: RequestMaker, connections: number, durationS: number): Promise<RunFigure> {
  let failures = 0;
  const times: number[] = [];
  const instance = autocannon({
    url: origin,
    connections,
    duration: durationS,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => ({ ...req, ...make() }),
        onResponse: (status: number, body: string) => {
          if (status !== 200 || body.includes('"errors"')) {
            failures++;
            if (failures <= 3) log(`failed response ${status}: ${body.slice(0, 300)}`);
          }
        },
      },
    ],
  });
  instance.on('response', (_c, _s, _b, responseTime) => times.push(responseTime));
  const cpuBefore = process.cpuUsage();
  const r = await instance;
  const cpu = process.cpuUsage(cpuBefore);
  times.sort((a, b) => a - b);
  return {
    reqPerSec: round(r.requests.average, 1),
    p50Ms: round(percentile(times, 50), 3),
    p99Ms: round(percentile(times, 99), 3),
    total: r.requests.total,
    failures: failures + r.errors + r.timeouts,
    cpuMsPerRequest: { loadGenerator: round((cpu.user + cpu.system) / 1000 / r.requests.total, 3) },
  };
}

/** One run of bench/bare-sdk.ts (its own process, with its own 1 s warm-up): getToken over the given identities. */
async function bareSdkRun(connectionString: string, acsIds: string[], concurrency: number): Promise<RunFigure> {
  const child = spawn(NODE, [...process.execArgv, join(ROOT, 'bench/bare-sdk.ts')], {
    cwd: ROOT,
    env: { ...process.env, COMMUNICATION_SERVICES_CONNECTION_STRING: connectionString, ACS_IDS: JSON.stringify(acsIds), CONCURRENCY: String(concurrency), DURATION_S: String(DURATION_S), REPEATS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`bare-sdk exited with ${code}`);
  const r = JSON.parse(out.trim()) as RunFigure & { errors: number; cpuMs: number };
  // The driver is both the client under test and its own load generator.
  return { reqPerSec: round(r.reqPerSec, 1), p50Ms: round(r.p50Ms, 3), p99Ms: round(r.p99Ms, 3), total: r.total, failures: r.errors, cpuMsPerRequest: { loadGenerator: round(r.cpuMs / r.total, 3) } };
}

function summarize(concurrency: number, runs: RunFigure[]): Row {
  const processes = Object.keys(runs[0]?.cpuMsPerRequest ?? {});
  const cpu = Object.fromEntries(processes.map((name) => [name, median(runs.map((r) => r.cpuMsPerRequest?.[name] ?? NaN))]));
  return {
    concurrency,
    reqPerSec: round(median(runs.map((r) => r.reqPerSec)), 1),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    ...(processes.length && { cpuMsPerRequest: cpu }),
    runs,
  };
}

async function scenario(name: string, origin: string, make: RequestMaker, rss?: RssSampler): Promise<Row[]> {
  const rows: Row[] = [];
  await cannon(origin, make, 4, 1); // warm-up
  for (const c of CONCURRENCIES) {
    if (rss) rss.phase = `${name}@${c}`;
    const runs: RunFigure[] = [];
    for (let i = 0; i < REPEATS; i++) runs.push(await cannon(origin, make, c, DURATION_S));
    const row = summarize(c, runs);
    const failed = runs.reduce((n, r) => n + r.failures, 0);
    log(`${name} c=${c}: ${row.reqPerSec} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms${failed ? `, ${failed} FAILED responses` : ''}`);
    rows.push(row);
  }
  if (rss) rss.phase = 'idle';
  return rows;
}

async function gql(url: string, token: string, query: string, variables?: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (res.status !== 200 || body.errors) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body)}`);
  return body.data!;
}

// ---------------------------------------------------------------- profile summary

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function summarizeProfile(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(ROOT, '');
    fn.set(`${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim(), (fn.get(`${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim()) ?? 0) + us);
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
    const group = m ? m[1]! : where.startsWith('dist/') ? 'gateway (dist/)' : where.startsWith('node:') ? 'node core' : functionName.startsWith('(') ? functionName : where || '(native)';
    pkg.set(group, (pkg.get(group) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, selfMs: round(us / 1000, 1), percent: round((100 * us) / total, 1) }));
  return { totalMs: round(total / 1000, 0), topFunctions: top(fn, 15), byPackage: top(pkg, 12) };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'acs-gw-bench-'));
  log(`data dir ${dataDir}`);
  const emulator = await startEmulatorProcess();
  const mongo = await startEmbeddedMongo({ dataDir: join(dataDir, 'mongo') });
  const mongoUri = new URL('acs_identity_gateway', mongo.uri).toString();
  log(`emulator up; ${mongo.kind} at ${mongo.uri}`);
  const issuer = await loadDevIssuer(dataDir); // creates the key before the gateway reads it

  const huge = '100000000';
  const gatewayEnv = {
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    MONGODB_URI: mongoUri,
    COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString,
    LOG_LEVEL: 'warn',
    SHUTDOWN_TIMEOUT_MS: '2000', // a quick stop, so the --cpu-prof run writes its profile before any SIGKILL
    // Rate limiting stays on (in memory) with limits no run reaches, so its cost is measured but it never rejects.
    RATE_LIMIT_STORE: 'memory',
    RATE_LIMIT_ISSUE_TOKEN_PER_MINUTE: huge,
    RATE_LIMIT_CREATE_USER_AND_TOKEN_PER_MINUTE: huge,
    RATE_LIMIT_MUTATIONS_PER_MINUTE: huge,
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: huge,
  };

  // Start to ready, with MongoDB and ACS already up: spawn to the first 200 from /healthz, median of 3.
  const startTimes: number[] = [];
  await stopChild((await startGateway(gatewayEnv)).child);
  for (let i = 0; i < START_RUNS; i++) {
    const g = await startGateway(gatewayEnv);
    startTimes.push(round(g.readyMs, 0));
    await stopChild(g.child);
  }
  log(`start to ready: ${startTimes.join(', ')} ms`);

  const gateway = await startGateway(gatewayEnv);
  const rss = new RssSampler(gateway.child.pid!);
  const rssAtStart = (await readFile(`/proc/${gateway.child.pid}/status`, 'utf8')).match(/VmRSS:\s+(\d+)/)![1];

  // N users, each with their own bearer token, created through the gateway.
  const users = await Promise.all(Array.from({ length: USERS }, async (_, i) => ({ sub: `bench-user-${i}`, token: await issuer.sign({ sub: `bench-user-${i}`, expiresInSeconds: 4 * 3600 }) })));
  const acsIds: string[] = [];
  for (let i = 0; i < users.length; i += 16) {
    const batch = users.slice(i, i + 16);
    const created = await Promise.all(batch.map((u) => gql(gateway.url, u.token, 'mutation { createUser { identity { id } } }')));
    for (const d of created) acsIds.push(d.createUser.identity.id as string);
  }
  const admin = await issuer.sign({ sub: 'bench-admin', roles: ['identity.admin'], expiresInSeconds: 4 * 3600 });
  log(`created ${acsIds.length} users through the gateway`);

  let n = 0;
  const graphqlRequest = (token: string, query: string, variables?: unknown) => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  });
  const ISSUE = 'mutation($input: IssueTokenInput!) { issueToken(input: $input) { identity { id } accessToken { token expiresOn } } }';
  const issueInput = { input: { scopes: ['CHAT', 'VOIP'] } };
  const results: Record<string, Row[]> = {};

  // (a) the floor: the GraphQL stack alone (anonymous, no resolver work).
  const floorBody = JSON.stringify({ query: '{ __typename }' });
  results.floor = await scenario('floor { __typename }', gateway.origin, () => ({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: floorBody }), rss);

  // (b)-(d) the issueToken comparisons, interleaved: at each concurrency, every repetition runs the bare SDK, the
  // minimal alternative and the gateway with its cache off and on back to back, so a burst of load from other
  // tenants of this shared machine hits all four alike. Ratios are the medians of these paired runs' ratios.
  const minimal = spawn(NODE, [...process.execArgv, join(ROOT, 'bench/minimal-alternative.ts')], {
    cwd: ROOT,
    env: { ...process.env, MONGODB_URI: mongoUri, COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString, ISSUER: DEV_ISSUER, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const minimalOrigin = JSON.parse((await waitForLine(minimal, /\{"url":[^\n]*\}/))[0]).url as string;
  const check = await fetch(`${minimalOrigin}/token/${users[0]!.sub}`);
  if (check.status !== 200) throw new Error(`minimal alternative answered ${check.status}: ${await check.text()}`);
  // A second gateway on the same database with the token cache on, primed once per user.
  const cached = await startGateway({ ...gatewayEnv, TOKEN_CACHE: 'true' });
  for (let i = 0; i < users.length; i += 16) await Promise.all(users.slice(i, i + 16).map((u) => gql(cached.url, u.token, ISSUE, issueInput)));

  const toMinimal: RequestMaker = () => ({ method: 'GET', path: `/token/${users[n++ % users.length]!.sub}`, headers: {} });
  const toGateway: RequestMaker = () => graphqlRequest(users[n++ % users.length]!.token, ISSUE, issueInput);
  const backends = { mongo: mongo.pid!, emulator: emulator.child.pid! };
  const compared = {
    bareSdk: (c: number) => withCpu(backends, () => bareSdkRun(emulator.connectionString, acsIds, c)),
    minimalAlternative: (c: number) => withCpu({ server: minimal.pid!, ...backends }, () => cannon(minimalOrigin, toMinimal, c, DURATION_S)),
    gatewayIssueTokenCacheOff: (c: number) => withCpu({ server: gateway.child.pid!, ...backends }, () => cannon(gateway.origin, toGateway, c, DURATION_S)),
    gatewayIssueTokenCacheOn: (c: number) => withCpu({ server: cached.child.pid!, ...backends }, () => cannon(cached.origin, toGateway, c, DURATION_S)),
  };
  await cannon(minimalOrigin, toMinimal, 4, 1); // warm-ups
  await cannon(gateway.origin, toGateway, 4, 1);
  await cannon(cached.origin, toGateway, 4, 1);
  const runsOf = Object.fromEntries(Object.keys(compared).map((k) => [k, new Map<number, RunFigure[]>()])) as Record<keyof typeof compared, Map<number, RunFigure[]>>;
  for (const c of CONCURRENCIES) {
    for (let i = 0; i < REPEATS; i++) {
      for (const [key, run] of Object.entries(compared) as [keyof typeof compared, (c: number) => Promise<RunFigure>][]) {
        rss.phase = key === 'gatewayIssueTokenCacheOff' ? `issueToken@${c}` : 'idle';
        const figure = await run(c);
        if (figure.failures) log(`${key} c=${c}: ${figure.failures} FAILED responses`);
        runsOf[key].set(c, [...(runsOf[key].get(c) ?? []), figure]);
      }
    }
    for (const key of Object.keys(compared) as (keyof typeof compared)[]) {
      const row = summarize(c, runsOf[key].get(c)!);
      log(`${key} c=${c}: ${row.reqPerSec} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`);
      (results[key] ??= []).push(row);
    }
  }
  rss.phase = 'idle';

  // (d') What the cache buys when ACS is not on loopback: the emulator answers every call ACS_LATENCY_MS late (an
  // assumed cloud round trip, set through its fault API; not a measurement of ACS). 16 connections, interleaved.
  const faultsUrl = new URL('_emulator/faults', /endpoint=([^;]+)/i.exec(emulator.connectionString)![1]!);
  const putFaults = (faults: Record<string, number>) =>
    fetch(faultsUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  await putFaults({ latencyMs: ACS_LATENCY_MS });
  const distant = { off: [] as RunFigure[], on: [] as RunFigure[] };
  for (let i = 0; i < REPEATS; i++) {
    distant.off.push(await cannon(gateway.origin, toGateway, 16, DURATION_S));
    distant.on.push(await cannon(cached.origin, toGateway, 16, DURATION_S));
  }
  await putFaults({});
  results.gatewayIssueTokenCacheOffAcsAway = [summarize(16, distant.off)];
  results.gatewayIssueTokenCacheOnAcsAway = [summarize(16, distant.on)];
  log(`ACS ${ACS_LATENCY_MS} ms away, c=16: cache off ${results.gatewayIssueTokenCacheOffAcsAway[0]!.reqPerSec} req/s, on ${results.gatewayIssueTokenCacheOnAcsAway[0]!.reqPerSec} req/s`);

  await stopChild(minimal);
  await stopChild(cached.child);

  // (e) other operations: createUserAndToken for a new user every time (admin acting on fresh ids), revokeTokens rotating over users.
  const CREATE_AND_TOKEN = 'mutation($input: CreateUserAndTokenInput!) { createUserAndToken(input: $input) { identity { id } accessToken { token } } }';
  let fresh = 0;
  results.gatewayCreateUserAndToken = await scenario('gateway createUserAndToken (new users)', gateway.origin, () => graphqlRequest(admin, CREATE_AND_TOKEN, { input: { appUserId: `fresh-${fresh++}`, scopes: ['CHAT'] } }), rss);
  const REVOKE = 'mutation { revokeTokens { revokedAt } }';
  results.gatewayRevokeTokens = await scenario('gateway revokeTokens', gateway.origin, () => graphqlRequest(users[n++ % users.length]!.token, REVOKE), rss);

  // Soak: issueToken at 16 connections; RSS at its start and end.
  rss.phase = 'soak';
  const soakFrom = Date.now();
  const soak = await cannon(gateway.origin, () => graphqlRequest(users[n++ % users.length]!.token, ISSUE, issueInput), 16, SOAK_S);
  rss.phase = 'idle';
  await sleep(300);
  rss.stop();
  const soakSamples = rss.samples.filter((s) => s.t >= soakFrom && s.phase === 'soak');
  const edge = Math.max(1, Math.floor(soakSamples.length / 10)); // first and last 10% of the soak
  const soakRss = {
    seconds: SOAK_S,
    connections: 16,
    reqPerSec: soak.reqPerSec,
    p50Ms: soak.p50Ms,
    p99Ms: soak.p99Ms,
    failures: soak.failures,
    rssStartMiB: median(soakSamples.slice(0, edge).map((s) => s.rssMiB)),
    rssEndMiB: median(soakSamples.slice(-edge).map((s) => s.rssMiB)),
    rssMaxMiB: Math.max(...soakSamples.map((s) => s.rssMiB)),
  };
  log(`soak ${SOAK_S}s: ${soak.reqPerSec} req/s; RSS ${soakRss.rssStartMiB} → ${soakRss.rssEndMiB} MiB`);
  const underLoad = rss.samples.filter((s) => s.phase !== 'idle');
  const memory = {
    rssAtReadyMiB: round(Number(rssAtStart) / 1024, 1),
    rssPeakMiB: Math.max(...rss.samples.map((s) => s.rssMiB)),
    rssSteadyMiB: median(underLoad.map((s) => s.rssMiB)),
    samples: rss.samples.length,
  };
  await stopChild(gateway.child);

  // Ratios and targets.
  const at = (rows: Row[] | undefined, c: number) => rows?.find((r) => r.concurrency === c);
  const gw16 = at(results.gatewayIssueTokenCacheOff, 16);
  const min16 = at(results.minimalAlternative, 16);
  const sdk16 = at(results.bareSdk, 16);
  const gw1 = at(results.gatewayIssueTokenCacheOff, 1);
  const sdk1 = at(results.bareSdk, 1);
  // Paired: repetition i of one scenario against repetition i of the other, which ran seconds apart.
  const pairedRatio = (over: Row[] | undefined, under: Row[] | undefined, c: number) => {
    const a = at(over, c)?.runs ?? [];
    const b = at(under, c)?.runs ?? [];
    return a.length && a.length === b.length ? round(median(a.map((r, i) => r.reqPerSec / b[i]!.reqPerSec)), 2) : null;
  };
  const ratios = {
    gatewayOverBareSdk: Object.fromEntries(CONCURRENCIES.map((c) => [`c${c}`, pairedRatio(results.gatewayIssueTokenCacheOff, results.bareSdk, c)])),
    gatewayOverMinimalAlternative: Object.fromEntries(CONCURRENCIES.map((c) => [`c${c}`, pairedRatio(results.gatewayIssueTokenCacheOff, results.minimalAlternative, c)])),
    cacheOnOverCacheOff: Object.fromEntries(CONCURRENCIES.map((c) => [`c${c}`, pairedRatio(results.gatewayIssueTokenCacheOn, results.gatewayIssueTokenCacheOff, c)])),
    cacheOnOverCacheOffWithAcsAway: { latencyMs: ACS_LATENCY_MS, c16: pairedRatio(results.gatewayIssueTokenCacheOnAcsAway, results.gatewayIssueTokenCacheOffAcsAway, 16) },
    // CPU per request of the server, MongoDB and the emulator together (the load generator left out): the cost each
    // way of issuing a token takes from the machine, far steadier than throughput when other tenants come and go.
    cpuMinimalOverGateway: Object.fromEntries(CONCURRENCIES.map((c) => {
      const cost = (row: Row | undefined) => (row?.cpuMsPerRequest ? (row.cpuMsPerRequest.server ?? 0) + row.cpuMsPerRequest.mongo! + row.cpuMsPerRequest.emulator! : NaN);
      return [`c${c}`, round(cost(at(results.minimalAlternative, c)) / cost(at(results.gatewayIssueTokenCacheOff, c)), 2)];
    })),
    addedP50MsOverBareSdkAtC1: gw1 && sdk1 ? round(median(gw1.runs.map((r, i) => r.p50Ms - (sdk1.runs[i]?.p50Ms ?? NaN))), 3) : null,
  };
  const medianStart = median(startTimes);
  const growth = soakRss.rssEndMiB - soakRss.rssStartMiB;
  const targets = [
    { target: 'issueToken (cache off) ≥ 0.7× minimal alternative throughput at 16 connections', measured: gw16 && min16 ? `${ratios.gatewayOverMinimalAlternative.c16}×` : 'n/a', met: gw16 && min16 ? (ratios.gatewayOverMinimalAlternative.c16 ?? 0) >= 0.7 : null },
    { target: 'added p50 latency over bare SDK at concurrency 1 ≤ 2 ms', measured: `${ratios.addedP50MsOverBareSdkAtC1} ms`, met: ratios.addedP50MsOverBareSdkAtC1 === null ? null : ratios.addedP50MsOverBareSdkAtC1 <= 2 },
    { target: 'cache on ≥ 3× cache off throughput (16 connections)', measured: `${ratios.cacheOnOverCacheOff.c16}×`, met: (ratios.cacheOnOverCacheOff.c16 ?? 0) >= 3 },
    { target: 'RSS < 200 MB', measured: `peak ${memory.rssPeakMiB} MiB (${round(memory.rssPeakMiB * 1.048576, 1)} MB)`, met: memory.rssPeakMiB * 1.048576 < 200 },
    { target: `no RSS growth over the soak (${SOAK_S} s at 16 connections${SOAK_S < 300 ? '; the issue asks for 300 s: BENCH_SOAK_S=300' : ''})`, measured: `${soakRss.rssStartMiB} → ${soakRss.rssEndMiB} MiB (${growth >= 0 ? '+' : ''}${round(growth, 1)})`, met: growth <= Math.max(5, soakRss.rssStartMiB * 0.05) },
    { target: 'start to ready < 1.5 s', measured: `${medianStart} ms`, met: medianStart < 1500 },
  ];
  for (const t of targets) log(`${t.met === null ? 'N/A ' : t.met ? 'MET ' : 'MISS'} ${t.target}: ${t.measured}`);

  // One CPU profile of the gateway under issueToken load at 16 connections, when a target is missed.
  let profile: ReturnType<typeof summarizeProfile> & { scenario: string } | null = null;
  if (PROFILE === 'on' || (PROFILE === 'auto' && targets.some((t) => t.met === false))) {
    const profDir = join(dataDir, 'cpuprof');
    const g = await startGateway(gatewayEnv, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    await cannon(g.origin, () => graphqlRequest(users[n++ % users.length]!.token, ISSUE, issueInput), PROFILE_CONNECTIONS, 2);
    const r = await cannon(g.origin, () => graphqlRequest(users[n++ % users.length]!.token, ISSUE, issueInput), PROFILE_CONNECTIONS, Math.max(10, DURATION_S * 2));
    await stopChild(g.child);
    const file = (await readdir(profDir).catch(() => [] as string[])).find((f) => f.endsWith('.cpuprofile'));
    if (!file) log('no .cpuprofile was written');
    if (file) {
      // Kept (git-ignored) for a closer look: open it in Chrome DevTools' Performance panel or VS Code.
      await mkdir(join(ROOT, '.local/bench'), { recursive: true });
      await copyFile(join(profDir, file), join(ROOT, '.local/bench/gateway-issueToken.cpuprofile'));
      log('CPU profile kept at .local/bench/gateway-issueToken.cpuprofile');
      profile = { scenario: `issueToken, ${PROFILE_CONNECTIONS} connections, ${Math.max(10, DURATION_S * 2)} s, ${r.reqPerSec} req/s under --cpu-prof`, ...summarizeProfile(JSON.parse(await readFile(join(profDir, file), 'utf8')) as CpuProfile) };
      log(`profile: ${JSON.stringify(profile.byPackage.slice(0, 6))}`);
    }
  }

  await stopChild(emulator.child);
  await mongo.stop();
  await rm(dataDir, { recursive: true, force: true });

  const report = {
    benchmark: "ACS identity gateway vs bare SDK vs minimal alternative (issue 7)",
    date: new Date().toISOString(),
    method: {
      durationS: DURATION_S,
      repeats: REPEATS,
      concurrencies: CONCURRENCIES,
      users: USERS,
      notes: [
        'Medians of the repetitions; each scenario warmed up once for 1 s. Latencies from each response time (sub-ms), not autocannon\'s integer histogram.',
        'Bare SDK, minimal alternative and gateway issueToken (cache off, cache on) run interleaved: each repetition runs all four back to back. Ratios are medians of the per-repetition ratios; the added latency is the median of per-repetition p50 differences.',
        `Start to ready: one unmeasured start first (it fills Node's compile cache, as any earlier start would have), then ${START_RUNS} measured starts.`,
        'Everything on loopback on the same 2 cores: emulator (own process, rate limits lifted), embedded MongoDB, gateway (node dist/src/main.js), minimal alternative and bare-SDK driver (own processes), autocannon in the driver process.',
        'Gateway: NODE_ENV=development, dev issuer (ES256 bearer tokens, each verified once and then remembered for up to 60 s, the default), LOG_LEVEL=warn, RATE_LIMIT_STORE=memory with limits of 1e8/min (limiting runs, never rejects), audit on (written before each response), metrics on.',
        'Cache off: TOKEN_CACHE off, MAPPING_CACHE_SECONDS=30 (the default): each instance reuses a mapping it read in the last 30 s and lets ACS refuse an identity deleted since; every request still calls ACS and writes its audit event.',
        'issueToken: one token per user, rotating over all users; scopes CHAT+VOIP. createUserAndToken: admin token, a new appUserId every request. revokeTokens: rotating over users, each acting on itself.',
        'Cache on: TOKEN_CACHE=true on a second gateway process on the same database, primed with one token per user; every hit is still checked against the mapping read from MongoDB.',
      ],
      mongo: mongo.kind,
    },
    machine: {
      os: `${osType()} ${release()}`,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      totalMemGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    results,
    ratios,
    memory,
    soak: soakRss,
    startToReadyMs: { median: medianStart, runs: startTimes },
    targets,
    profile,
    wallClockS: round((Date.now() - started) / 1000, 0),
  };
  await writeFile(join(ROOT, 'bench/results.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(ROOT, 'bench/RESULTS.md'), markdown(report));
  log(`wrote bench/results.json and bench/RESULTS.md in ${report.wallClockS} s`);
}

function markdown(r: any): string {
  const names: Record<string, string> = {
    floor: 'Floor: gateway `{ __typename }`',
    bareSdk: 'Bare SDK `getToken`',
    minimalAlternative: 'Minimal alternative (Mongo lookup + SDK)',
    gatewayIssueTokenCacheOff: 'Gateway `issueToken`, cache off',
    gatewayIssueTokenCacheOn: 'Gateway `issueToken`, cache on',
    gatewayCreateUserAndToken: 'Gateway `createUserAndToken` (new users)',
    gatewayRevokeTokens: 'Gateway `revokeTokens`',
    gatewayIssueTokenCacheOffAcsAway: `Gateway \`issueToken\`, cache off, ACS ${r.ratios.cacheOnOverCacheOffWithAcsAway?.latencyMs} ms away`,
    gatewayIssueTokenCacheOnAcsAway: `Gateway \`issueToken\`, cache on, ACS ${r.ratios.cacheOnOverCacheOffWithAcsAway?.latencyMs} ms away`,
  };
  const lines = [
    '# Gateway benchmark results',
    '',
    `Run ${r.date} on ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.totalMemGiB} GiB, Node ${r.machine.node}, ${r.machine.os}; MongoDB: ${r.method.mongo}.`,
    `${r.method.durationS} s per run, ${r.method.repeats} runs per figure, medians; ${r.method.users} users. Shared, noisy machine: the ratios count, not the absolute figures. Produced by \`npm run bench\` (bench/gateway.ts).`,
    '',
    '| Scenario | Conns | req/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const [key, rows] of Object.entries(r.results as Record<string, Row[]>)) {
    for (const row of rows) lines.push(`| ${names[key] ?? key} | ${row.concurrency} | ${row.reqPerSec} | ${row.p50Ms} | ${row.p99Ms} |`);
  }
  const cs = Object.keys(r.ratios.gatewayOverBareSdk);
  lines.push(
    '',
    '## Ratios (throughput)',
    '',
    `| Ratio | ${cs.map((c) => c.replace('c', 'c=')).join(' | ')} |`,
    `|---|${cs.map(() => '---:').join('|')}|`,
    `| Gateway issueToken / bare SDK | ${cs.map((c) => `${r.ratios.gatewayOverBareSdk[c]}×`).join(' | ')} |`,
    `| Gateway issueToken / minimal alternative | ${cs.map((c) => `${r.ratios.gatewayOverMinimalAlternative[c]}×`).join(' | ')} |`,
    `| Cache on / cache off | ${cs.map((c) => `${r.ratios.cacheOnOverCacheOff[c]}×`).join(' | ')} |`,
    `| CPU per request: minimal alternative / gateway (cache off) | ${cs.map((c) => `${r.ratios.cpuMinimalOverGateway[c]}×`).join(' | ')} |`,
    '',
    `Added p50 latency over the bare SDK at concurrency 1: ${r.ratios.addedP50MsOverBareSdkAtC1} ms.`,
    ...(r.ratios.cacheOnOverCacheOffWithAcsAway
      ? ['', `With ACS ${r.ratios.cacheOnOverCacheOffWithAcsAway.latencyMs} ms away (an emulator latency fault standing in for a cloud round trip; an assumption, not a measurement of ACS), cache on / cache off at c=16: ${r.ratios.cacheOnOverCacheOffWithAcsAway.c16}×.`]
      : []),
    '',
    '## CPU per request',
    '',
    'CPU time (ms) each process spent per request during the runs, from /proc (10 ms ticks), medians. "server" is the gateway or the minimal alternative; the bare-SDK driver is its own load generator.',
    '',
    '| Scenario | Conns | server | MongoDB | emulator | load generator | server + MongoDB + emulator |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(r.results as Record<string, Row[]>).flatMap(([key, rows]) =>
      rows.filter((row) => row.cpuMsPerRequest?.emulator !== undefined).map((row) => {
        const cpu = row.cpuMsPerRequest!;
        const total = round((cpu.server ?? 0) + cpu.mongo! + cpu.emulator!, 3);
        return `| ${names[key] ?? key} | ${row.concurrency} | ${cpu.server ?? '–'} | ${cpu.mongo} | ${cpu.emulator} | ${cpu.loadGenerator} | ${total} |`;
      }),
    ),
    '',
    '## Cost',
    '',
    `- RSS: ${r.memory.rssAtReadyMiB} MiB at ready, peak ${r.memory.rssPeakMiB} MiB, steady (median under load) ${r.memory.rssSteadyMiB} MiB (VmRSS every 200 ms).`,
    `- Soak: issueToken, ${r.soak.connections} connections, ${r.soak.seconds} s: ${r.soak.reqPerSec} req/s, p50 ${r.soak.p50Ms} ms, p99 ${r.soak.p99Ms} ms; RSS ${r.soak.rssStartMiB} → ${r.soak.rssEndMiB} MiB (max ${r.soak.rssMaxMiB}).`,
    `- Start to ready (spawn to first 200 from /healthz, MongoDB and ACS already up): median ${r.startToReadyMs.median} ms (${r.startToReadyMs.runs.join(', ')}).`,
    '',
    '## Targets (issue 7)',
    '',
    '| Target | Measured | Status |',
    '|---|---|---|',
    ...r.targets.map((t: any) => `| ${t.target} | ${t.measured} | ${t.met === null ? 'not measurable' : t.met ? 'met' : '**missed**'} |`),
  );
  if (r.profile) {
    lines.push(
      '',
      '## CPU profile of the gateway',
      '',
      `${r.profile.scenario}; ${r.profile.totalMs} ms of samples. Self time by package:`,
      '',
      '| Package / area | self ms | % |',
      '|---|---:|---:|',
      ...r.profile.byPackage.map((p: any) => `| ${p.name} | ${p.selfMs} | ${p.percent} |`),
      '',
      'Top functions by self time:',
      '',
      '| Function | self ms | % |',
      '|---|---:|---:|',
      ...r.profile.topFunctions.map((p: any) => `| \`${p.name}\` | ${p.selfMs} | ${p.percent} |`),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function serveEmulator(): Promise<void> {
  const lifted = 1e9;
  const emu = await startEmulator({ rateLimits: { create: lifted, issue: lifted, revoke: lifted, delete: lifted, exchange: lifted } });
  process.stdout.write(`COMMUNICATION_SERVICES_CONNECTION_STRING=${emu.connectionString}\n`);
  process.once('SIGTERM', () => void emu.close().then(() => process.exit(0)));
  // Die with the driver: an interrupted bench must not leave the emulator behind.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
  process.stdin.resume();
}

await (process.argv.includes('--serve-emulator') ? serveEmulator() : main());
