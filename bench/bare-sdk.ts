// Bare SDK load: a closed loop of `getToken` calls straight from @azure/communication-identity to the emulator,
// the cost of issuing a token without any gateway. Run as its own process by bench/gateway.ts.
// Env: COMMUNICATION_SERVICES_CONNECTION_STRING, ACS_IDS (JSON array), CONCURRENCY, DURATION_S, REPEATS.
// Prints one JSON line per repetition: {reqPerSec, p50Ms, p99Ms, total, errors, cpuMs} (cpuMs: this process's CPU time).
import { CommunicationIdentityClient } from '@azure/communication-identity';

const connectionString = process.env.COMMUNICATION_SERVICES_CONNECTION_STRING!;
const acsIds = JSON.parse(process.env.ACS_IDS!) as string[];
const concurrency = Number(process.env.CONCURRENCY ?? 1);
const durationMs = Number(process.env.DURATION_S ?? 5) * 1000;
const repeats = Number(process.env.REPEATS ?? 1);

const client = new CommunicationIdentityClient(connectionString, { allowInsecureConnection: true });
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

let next = 0;
const call = () => client.getToken({ communicationUserId: acsIds[next++ % acsIds.length]! }, ['chat', 'voip']);

async function run(ms: number) {
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await call();
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpuBefore);
  return { reqPerSec: latencies.length / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), total: latencies.length, errors, cpuMs: (cpu.user + cpu.system) / 1000 };
}

await run(1000); // warm-up: connections, JIT
for (let i = 0; i < repeats; i++) process.stdout.write(`${JSON.stringify(await run(durationMs))}\n`);
