// Benchmark (not a test): the emulator's issueAccessToken throughput, with autocannon at concurrency 1/16/64.
// The emulator runs in its own process (this file with --serve) so the load generator does not share its event
// loop; rate limits are lifted there, since the documented 1,000 issues per 30 s would cap any run.
// Writes bench/emulator-results.json. Run with Node 24 first on PATH: PATH=node_modules/.bin:$PATH tsx bench/emulator.ts
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { signedHeaders, startEmulator } from '@acs-identity-gateway/emulator';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
// autocannon ships no types; only the fields used here are declared.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const ROOT = new URL('../', import.meta.url).pathname;
const CONCURRENCIES = [1, 16, 64];
const REPETITIONS = 3;
const DURATION_S = 5;

async function startEmulatorProcess() {
  const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const connectionString = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /COMMUNICATION_SERVICES_CONNECTION_STRING=(\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return { child, connectionString };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { child, connectionString } = await startEmulatorProcess();
  const [, endpoint, accessKey] = /endpoint=(.*);accesskey=(.*)/.exec(connectionString)!;
  const client = new CommunicationIdentityClient(connectionString, { allowInsecureConnection: true });
  const user = await client.createUser();
  await client.getToken(user, ['chat']); // warm-up through the real SDK

  const url = new URL(endpoint!);
  // One signature serves the whole run: same path, body and date (valid for 15 minutes, far beyond a run).
  const path = `/identities/${encodeURIComponent(user.communicationUserId)}/:issueAccessToken?api-version=2023-10-01`;
  const body = JSON.stringify({ scopes: ['chat', 'voip'], expiresInMinutes: 60 });
  const sign = () => ({
    ...signedHeaders(accessKey!, { method: 'POST', pathAndQuery: path, host: url.host, date: new Date().toUTCString(), body }),
    'content-type': 'application/json',
  });

  const results = [];
  for (const connections of CONCURRENCIES) {
    const runs: AutocannonResult[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      const r = await autocannon({ url: `${url.origin}${path}`, method: 'POST', headers: sign(), body, connections, duration: DURATION_S });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`run had ${r.non2xx} non-2xx answers and ${r.errors} errors`);
      runs.push(r);
    }
    const row = {
      concurrency: connections,
      medianReqPerSec: Math.round(median(runs.map((r) => r.requests.average))),
      medianP50Ms: median(runs.map((r) => r.latency.p50)),
      medianP99Ms: median(runs.map((r) => r.latency.p99)),
      runs: runs.map((r) => ({ reqPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, total: r.requests.total })),
    };
    console.log(JSON.stringify({ concurrency: row.concurrency, reqPerSec: row.medianReqPerSec, p50Ms: row.medianP50Ms, p99Ms: row.medianP99Ms }));
    results.push(row);
  }

  child.kill('SIGTERM');
  await once(child, 'exit');

  // Issue 2's bar: the emulator at least 3× the gateway's own issueToken (cache off, so every request reaches ACS),
  // from the last `npm run bench` on this machine.
  const gatewayRun = JSON.parse(await readFile(join(ROOT, 'bench/results.json'), 'utf8').catch(() => 'null')) as {
    date: string;
    results: { gatewayIssueTokenCacheOff?: { concurrency: number; reqPerSec: number }[] };
  } | null;
  const overGateway = gatewayRun?.results.gatewayIssueTokenCacheOff
    ? {
        gatewayRunDate: gatewayRun.date,
        ratios: Object.fromEntries(
          results.map((row) => {
            const gateway = gatewayRun.results.gatewayIssueTokenCacheOff!.find((g) => g.concurrency === row.concurrency);
            return [`c${row.concurrency}`, gateway ? Math.round((row.medianReqPerSec / gateway.reqPerSec) * 10) / 10 : null];
          }),
        ),
      }
    : null;
  if (overGateway) console.log(`emulator / gateway issueToken (cache off, bench/results.json of ${overGateway.gatewayRunDate}): ${JSON.stringify(overGateway.ratios)}`);

  const report = {
    benchmark: 'ACS Identity emulator: POST /identities/{id}/:issueAccessToken (HMAC-signed, RS256 token)',
    date: new Date().toISOString(),
    method: `autocannon, ${DURATION_S}s per run, ${REPETITIONS} runs per concurrency, medians reported; emulator in its own process, rate limits lifted`,
    machine: {
      os: `${osType()} ${release()}`,
      cpus: cpus().map((c) => c.model),
      cpuCount: cpus().length,
      totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
    },
    results,
    overGateway,
  };
  await writeFile(join(ROOT, 'bench/emulator-results.json'), `${JSON.stringify(report, null, 2)}\n`);
}

async function serve(): Promise<void> {
  const lifted = 1e9;
  const emu = await startEmulator({ rateLimits: { create: lifted, issue: lifted, revoke: lifted, delete: lifted, exchange: lifted } });
  process.stdout.write(`COMMUNICATION_SERVICES_CONNECTION_STRING=${emu.connectionString}\n`);
  process.once('SIGTERM', () => void emu.close().then(() => process.exit(0)));
}

await (process.argv.includes('--serve') ? serve() : main());
