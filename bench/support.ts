// What bench/gateway.ts and bench/storm.ts share: the processes they start, the load they drive, the figures they
// keep and the summary of a CPU profile.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = new URL('../', import.meta.url).pathname;
export const NODE = process.execPath; // Node 24 from node_modules/.bin (tsx runs under it)
export const GATEWAY_SCRIPT = join(ROOT, 'bench/gateway.ts');

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ---------------------------------------------------------------- processes

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
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

export async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

export interface EmulatorProcess {
  child: ChildProcess;
  connectionString: string;
  /** The emulator-only routes (loopback): `${adminUrl}faults`, `${adminUrl}identities`. */
  adminUrl: string;
}

/** The emulator in a process of its own (bench/gateway.ts --serve-emulator); `args` may set `--issue-limit N` and `--latency MS`. */
export async function startEmulatorProcess(args: string[] = []): Promise<EmulatorProcess> {
  const child = spawn(NODE, [...process.execArgv, GATEWAY_SCRIPT, '--serve-emulator', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const m = await waitForLine(child, /COMMUNICATION_SERVICES_CONNECTION_STRING=(\S+)/);
  const connectionString = m[1]!;
  return { child, connectionString, adminUrl: new URL('_emulator/', /endpoint=([^;]+)/i.exec(connectionString)![1]!).toString() };
}

export interface EmulatorCounters {
  requestsByOperation: Record<string, number>;
  rateLimited: number;
  tokensIssued: number;
}

export async function emulatorCounters(emulator: EmulatorProcess): Promise<EmulatorCounters> {
  const res = await fetch(`${emulator.adminUrl}identities`);
  return ((await res.json()) as { stats: EmulatorCounters }).stats;
}

export interface Gateway {
  child: ChildProcess;
  /** `cat > /dev/null` reading the gateway's stdout, as a container runtime reads a container's log. */
  drain: ChildProcess;
  url: string;
  origin: string;
  readyMs: number;
}

/**
 * The node flags `npm start` (and the Dockerfile) use, so the gateway is measured as it is deployed;
 * BENCH_GATEWAY_FLAGS replaces them, to try others.
 */
export const START_FLAGS = (process.env.BENCH_GATEWAY_FLAGS ?? /exec node (.*)dist\/src\/main\.js/.exec(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start)?.[1] ?? '')
  .split(' ')
  .filter(Boolean);

/**
 * `node dist/src/main.js` with the flags of `npm start`. Its log lines go through a pipe to a process that reads
 * them, as in a container, so that writing them costs what it costs there.
 */
export async function startGateway(env: Record<string, string>, extraArgs: string[] = []): Promise<Gateway> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(NODE, [...START_FLAGS, ...extraArgs, 'dist/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const drain = spawn('cat', [], { stdio: [child.stdout!, 'ignore', 'inherit'] });
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
  return { child, drain, url: `${origin}/graphql`, origin, readyMs: performance.now() - t0 };
}

export async function stopGateway(gateway: Gateway) {
  await stopChild(gateway.child);
  await stopChild(gateway.drain);
}

/** Samples VmRSS of a process every 200 ms, tagged with the current phase, split into anonymous memory and mapped files. */
export class RssSampler {
  samples: { t: number; phase: string; rssMiB: number; anonMiB: number; fileMiB: number }[] = [];
  phase = 'idle';
  private timer: NodeJS.Timeout;
  constructor(private pid: number) {
    this.timer = setInterval(() => void this.sample(), 200);
    void this.sample();
  }
  async sample() {
    try {
      const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
      const mib = (field: string) => round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024, 1);
      const rssMiB = mib('VmRSS');
      // RssFile is mostly the node binary, mapped: the same for any Node program; RssAnon is the heap and native memory.
      if (rssMiB) this.samples.push({ t: Date.now(), phase: this.phase, rssMiB, anonMiB: mib('RssAnon'), fileMiB: mib('RssFile') });
    } catch {
      // process gone
    }
  }
  stop() {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------- load

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface AutocannonInstance extends Promise<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): void;
}
// autocannon ships no types; only the fields used here are declared.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: Record<string, unknown>) => AutocannonInstance;

export interface RunFigure {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  failures: number;
  /** CPU time per request of each process involved (server, MongoDB, emulator, load generator), in ms. */
  cpuMsPerRequest?: Record<string, number>;
}

export interface Row {
  concurrency: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest?: Record<string, number>;
  runs: RunFigure[];
}

export type RequestMaker = () => { method: string; path: string; headers: Record<string, string>; body?: string };

/** utime + stime of a process, in ms (from /proc, in clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Measures the CPU each named process spends while `run` runs, per request it reports. */
export async function withCpu(pids: Record<string, number>, run: () => Promise<RunFigure>): Promise<RunFigure> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  const figure = await run();
  const used = Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid) - before[name]!] as const);
  const perRequest = Object.fromEntries(used.map(([name, ms]) => [name, round(ms / figure.total, 3)]));
  return { ...figure, cpuMsPerRequest: { ...perRequest, ...figure.cpuMsPerRequest } };
}

/** One autocannon run; latencies are recomputed from each response's own (sub-millisecond) time. */
export async function cannon(origin: string, make: RequestMaker, connections: number, durationS: number): Promise<RunFigure> {
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

export function summarize(concurrency: number, runs: RunFigure[]): Row {
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

export async function gql(url: string, token: string, query: string, variables?: unknown) {
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

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  topFunctions: { name: string; selfMs: number; percent: number }[];
  byPackage: { name: string; selfMs: number; percent: number }[];
  /** Time with a frame of that group anywhere on the stack (a request's synchronous work only: await cuts the stack). */
  inclusiveByPackage: { name: string; selfMs: number; percent: number }[];
}

/** Self time by function and by package, and inclusive time by package, from a V8 .cpuprofile. */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const where = (id: number) => byId.get(id)!.callFrame.url.replace(/^file:\/\//, '').replace(ROOT, '');
  const groupOf = (id: number) => {
    const { functionName } = byId.get(id)!.callFrame;
    const url = where(id);
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!node_modules)/.exec(url.replace(/.*node_modules\/mongoose\/node_modules\//, 'node_modules/'));
    return m ? m[1]! : url.startsWith('dist/') ? 'gateway (dist/)' : url.startsWith('node:') ? 'node core' : functionName.startsWith('(') ? functionName : url || '(native)';
  };
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, lineNumber } = byId.get(id)!.callFrame;
    const url = where(id);
    const name = `${functionName || '(anonymous)'} ${url ? `${url}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    pkg.set(groupOf(id), (pkg.get(groupOf(id)) ?? 0) + us);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) onStack.add(groupOf(at));
    for (const group of onStack) inclusive.set(group, (inclusive.get(group) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, selfMs: round(us / 1000, 1), percent: round((100 * us) / total, 1) }));
  return { totalMs: round(total / 1000, 0), topFunctions: top(fn, 20), byPackage: top(pkg, 15), inclusiveByPackage: top(inclusive, 15).filter((p) => p.name !== '(root)') };
}
