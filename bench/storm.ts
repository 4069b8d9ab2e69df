// The reconnect storm of issue 16: N users each ask for a token M times within ACS's 30 s rate window, against an
// emulator that throttles token issues as ACS does (1,000 per 30 s per resource) and answers 20 ms late.
import { Agent, request } from 'node:http';
import { emulatorCounters, log, percentile, round, sleep, type EmulatorProcess, type Gateway } from './support.js';

/** ACS's documented limit on token issues, and the window it counts in. */
export const ACS_ISSUE_LIMIT = 1000;
export const ACS_WINDOW_MS = 30_000;

export interface StormSettings {
  users: number;
  requestsPerUser: number;
  connections: number;
}

export interface StormRun {
  instances: number;
  durationS: number;
  /** Requests answered within the window (the storm is cut off there). */
  answered: number;
  notAnswered: number;
  ok: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** GraphQL error codes of the failed answers, with HTTP status. */
  errors: Record<string, number>;
  /** Distinct (user, scopes) pairs asked for. */
  distinctPairs: number;
  /** Token-issue requests that reached the emulator (retries of throttled ones included). */
  acsCalls: number;
  /** Of those, answered 429 because the window's 1,000 were used up. */
  acs429: number;
  /** Client answers that failed because ACS throttled: RATE_LIMITED (the gateway's own limits are lifted) and UPSTREAM_UNAVAILABLE (waiting out ACS's Retry-After ran past ACS_TIMEOUT_MS). */
  acs429ReachingClients: number;
}

/**
 * One storm. Each user's M requests are queued together (a user's devices and tabs reconnect at once) and users
 * come in a shuffled order; `connections` clients take the next request as soon as they have an answer. With two
 * gateways, consecutive requests alternate between them, as a load balancer would spread them.
 */
export async function runStorm(
  gateways: Gateway[],
  emulator: EmulatorProcess,
  users: { token: string }[],
  settings: StormSettings,
  seed: number,
): Promise<StormRun> {
  const body = JSON.stringify({
    query: 'mutation($input: IssueTokenInput!) { issueToken(input: $input) { identity { id } accessToken { token expiresOn } } }',
    variables: { input: { scopes: ['CHAT', 'VOIP'] } },
  });
  const order = shuffled(users, seed);
  const queue = order.flatMap((user) => Array.from({ length: settings.requestsPerUser }, () => user.token));
  const agents = gateways.map(() => new Agent({ keepAlive: true, maxSockets: settings.connections }));
  const before = await emulatorCounters(emulator);

  const times: number[] = [];
  const errors: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  const started = performance.now();
  const deadline = started + ACS_WINDOW_MS;
  const worker = async () => {
    while (next < queue.length && performance.now() < deadline) {
      const i = next++;
      const gateway = gateways[i % gateways.length]!;
      const t0 = performance.now();
      const answer = await post(gateway.url, queue[i]!, body, agents[i % gateways.length]!, deadline + 15_000 - t0);
      if (answer.status === 0) {
        errors.NO_ANSWER = (errors.NO_ANSWER ?? 0) + 1;
        continue;
      }
      times.push(performance.now() - t0);
      const code = answer.status === 200 && !answer.body.includes('"errors"') ? null : errorCode(answer.body) ?? `HTTP_${answer.status}`;
      if (code === null) ok++;
      else errors[code] = (errors[code] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: settings.connections }, worker));
  const durationS = (performance.now() - started) / 1000;
  for (const agent of agents) agent.destroy();
  const after = await emulatorCounters(emulator);
  times.sort((a, b) => a - b);
  const answered = times.length;
  const run: StormRun = {
    instances: gateways.length,
    durationS: round(durationS, 1),
    answered,
    notAnswered: queue.length - answered,
    ok,
    reqPerSec: round(answered / durationS, 1),
    p50Ms: round(percentile(times, 50), 1),
    p99Ms: round(percentile(times, 99), 1),
    errors,
    distinctPairs: users.length,
    acsCalls: (after.requestsByOperation.issue ?? 0) - (before.requestsByOperation.issue ?? 0),
    acs429: after.rateLimited - before.rateLimited,
    acs429ReachingClients: (errors.RATE_LIMITED ?? 0) + (errors.UPSTREAM_UNAVAILABLE ?? 0),
  };
  log(`storm (${gateways.length} instance${gateways.length > 1 ? 's' : ''}): ${JSON.stringify(run)}`);
  return run;
}

/** Waits until ACS's rate window that the last request opened has closed, so the next storm starts on a fresh one. */
export async function waitForFreshWindow(lastRequestAt: number): Promise<void> {
  const wait = lastRequestAt + ACS_WINDOW_MS + 1000 - Date.now();
  if (wait > 0) {
    log(`waiting ${Math.ceil(wait / 1000)} s for ACS's rate window to close`);
    await sleep(wait);
  }
}

function post(url: string, token: string, body: string, agent: Agent, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.setTimeout(Math.max(1000, timeoutMs), () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

function errorCode(body: string): string | null {
  try {
    return (JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? null;
  } catch {
    return null;
  }
}

/** A fixed shuffle (mulberry32), so that every run of the bench sends the same order. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
