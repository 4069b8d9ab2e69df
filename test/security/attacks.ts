// The attacks of issue 11, as an attacker or a careless client would send them, over real HTTP and raw sockets.
// Each returns what it saw; security.test.ts runs them against the built gateway and asserts on the figures.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Target {
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  metricsUrl: string;
  /**
   * The client address the gateway's one trusted proxy (TRUST_PROXY=1) reports in X-Forwarded-For, so that
   * each attack counts against an anonymous budget of its own.
   */
  from?: string;
}

export interface Memory {
  heapMiB: number;
  rssMiB: number;
}

export interface Tally {
  /** HTTP status → count. */
  statuses: Record<string, number>;
  /** First error's extensions.code (or OK) → count. */
  codes: Record<string, number>;
  ms: number;
}

const MiB = 1024 * 1024;

export async function metricsText(target: Target): Promise<string> {
  return (await fetch(target.metricsUrl)).text();
}

export function metricValue(text: string, name: string, labels = ''): number {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((row) => row.startsWith(prefix));
  return line ? Number(line.slice(prefix.length).split(' ')[0]) : 0;
}

export async function memory(target: Target): Promise<Memory> {
  const text = await metricsText(target);
  const round = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
  return { heapMiB: round(metricValue(text, 'gateway_nodejs_heap_size_used_bytes')), rssMiB: round(metricValue(text, 'gateway_process_resident_memory_bytes')) };
}

/** Polls /healthz while an attack runs: every answer must come, and quickly. */
export function watchHealth(target: Target, everyMs = 200) {
  const healthz = new URL('/healthz', target.url).href;
  let running = true;
  const seen = { probes: 0, failures: 0, maxMs: 0 };
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(healthz, { signal: AbortSignal.timeout(5000) });
        if (response.status !== 200) seen.failures += 1;
        await response.body?.cancel();
      } catch {
        seen.failures += 1;
      }
      seen.probes += 1;
      seen.maxMs = Math.max(seen.maxMs, Math.round(performance.now() - started));
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

export async function post(target: Target, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(target.from && { 'x-forwarded-for': target.from }), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: counted by status only
  }
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ...json };
}

type Answer = Awaited<ReturnType<typeof post>>;

function tally(answers: Answer[], started: number): Tally {
  const statuses: Record<string, number> = {};
  const codes: Record<string, number> = {};
  for (const answer of answers) {
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const code = String(answer.errors?.[0]?.extensions?.code ?? 'OK');
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return { statuses, codes, ms: Math.round(performance.now() - started) };
}

async function inBatches<T>(count: number, concurrency: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let next = 0; next < count; next += concurrency) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, count - next) }, (_, i) => run(next + i)))));
  }
  return results;
}

const letters = (length: number, seed: number) => Array.from({ length }, (_, i) => String.fromCharCode(65 + ((i * 7 + seed) % 26))).join('');

/** Anonymous requests, each named with a different 9,000-letter operation name, then one GET /metrics. */
export async function metricsLabelFlood(target: Target, requests = 400, nameLength = 9000) {
  const started = performance.now();
  const names: string[] = [];
  const answers = await inBatches(requests, 20, async (i) => {
    const name = `Op${i}${letters(nameLength, i)}`;
    names.push(name);
    return post(target, { query: `query ${name} { __typename }`, operationName: name });
  });
  const metrics = await metricsText(target);
  return { ...tally(answers, started), metricsBytes: Buffer.byteLength(metrics), namesInMetrics: names.filter((name) => metrics.includes(name.slice(0, 40))).length };
}

/** A normal user's _entities requests, each carrying `representations` references in variables. */
export async function entitiesFlood(target: Target, token: string, concurrent = 6, representations = 1900) {
  const started = performance.now();
  const query = 'query Join($r: [_Any!]!) { _entities(representations: $r) { ... on User { communicationIdentity { id } } } }';
  const body = { query, variables: { r: Array.from({ length: representations }, (_, i) => ({ __typename: 'User', id: `u${i}` })) } };
  const bytes = Buffer.byteLength(JSON.stringify(body));
  const answers = await Promise.all(Array.from({ length: concurrent }, () => post(target, body, { authorization: `Bearer ${token}` })));
  return { ...tally(answers, started), bodyBytes: bytes };
}

/** The same, within the cap: each representation spends the caller's entities budget. */
export async function entitiesWithinCap(target: Target, token: string, requests: number, representations: number) {
  const started = performance.now();
  const query = 'query Join($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }';
  const answers: Answer[] = [];
  for (let i = 0; i < requests; i++) {
    const r = Array.from({ length: representations }, (_, j) => ({ __typename: 'User', id: `user-${i}-${j}` }));
    answers.push(await post(target, { query, variables: { r } }, { authorization: `Bearer ${token}` }));
  }
  return { ...tally(answers, started), firstJoined: (answers[0]?.data?._entities as unknown[] | undefined)?.length ?? 0 };
}

/** Operator objects where ids belong: every id-typed input, and the representations' ids. */
export async function operatorObjects(target: Target, adminToken: string) {
  const started = performance.now();
  const operators = [{ $regex: '^8:acs:' }, { $ne: null }, { $where: 'sleep(1000) || true' }, { $gt: '' }];
  const byInput: Array<{ input: string; operator: string; answer: Answer }> = [];
  const inputs: Array<[string, string]> = [
    ['createUser.appUserId', 'mutation($v: ID) { createUser(input: { appUserId: $v }) { identity { id appUserId } } }'],
    ['issueToken.appUserId', 'mutation($v: ID) { issueToken(input: { appUserId: $v, scopes: [CHAT] }) { identity { id appUserId } } }'],
    ['createUserAndToken.appUserId', 'mutation($v: ID) { createUserAndToken(input: { appUserId: $v, scopes: [CHAT] }) { identity { id appUserId } } }'],
    ['revokeTokens.appUserId', 'mutation($v: ID) { revokeTokens(input: { appUserId: $v }) { identity { id appUserId } } }'],
    ['deleteUser.appUserId', 'mutation($v: ID) { deleteUser(input: { appUserId: $v }) { deletedIdentityId } }'],
    ['communicationIdentity.appUserId', 'query($v: ID!) { communicationIdentity(appUserId: $v) { id appUserId } }'],
    ['auditEvents.appUserId', 'query($v: ID) { auditEvents(appUserId: $v) { nodes { subjectAppUserId } } }'],
    ['auditEvents.after', 'query($v: String) { auditEvents(after: $v) { nodes { subjectAppUserId } } }'],
    ['_entities CommunicationIdentity.id', 'query($v: _Any!) { _entities(representations: [$v]) { ... on CommunicationIdentity { id appUserId } } }'],
    ['_entities User.id', 'query($v: _Any!) { _entities(representations: [$v]) { ... on User { id communicationIdentity { id } } } }'],
  ];
  for (const [input, query] of inputs) {
    for (const operator of operators) {
      const value = input.startsWith('_entities') ? { __typename: input.includes('User.') ? 'User' : 'CommunicationIdentity', id: operator } : operator;
      byInput.push({ input, operator: Object.keys(operator)[0]!, answer: await post(target, { query, variables: { v: value } }, { authorization: `Bearer ${adminToken}` }) });
    }
  }
  return { ...tally(byInput.map(({ answer }) => answer), started), byInput };
}

/** Anonymous requests whose X-Forwarded-For rotates its client-written (leftmost) entries behind one appending proxy. */
export async function rotatedForwardedFor(target: Target, requests = 90, clientAddress = '198.51.100.7') {
  const started = performance.now();
  const answers = await inBatches(requests, 10, (i) =>
    post(target, { query: '{ __typename }' }, { 'x-forwarded-for': `10.${(i >> 8) & 255}.${i & 255}.1, 203.0.113.${i % 250}, ${clientAddress}` }),
  );
  return tally(answers, started);
}

/** An admin asking for a 95 KB app user id, repeatedly. */
export async function hugeAppUserId(target: Target, adminToken: string, requests = 20, length = 95_000) {
  const started = performance.now();
  const answers = await inBatches(requests, 5, (i) =>
    post(target, { query: 'mutation($v: ID) { createUser(input: { appUserId: $v }) { created } }', variables: { v: letters(length, i) } }, { authorization: `Bearer ${adminToken}` }),
  );
  return { ...tally(answers, started), fields: [...new Set(answers.map((answer) => answer.errors?.[0]?.extensions?.field))] };
}

/** Forged bearer tokens (well-formed JWTs, wrong signature) from one IP. */
export async function rejectedTokenFlood(target: Target, forged: string, requests = 200) {
  const before = metricValue(await metricsText(target), 'gateway_bearer_tokens_total', 'outcome="rejected"');
  const started = performance.now();
  const answers = await inBatches(requests, 10, () => post(target, { query: '{ me { id } }' }, { authorization: `Bearer ${forged}` }));
  const after = metricValue(await metricsText(target), 'gateway_bearer_tokens_total', 'outcome="rejected"');
  return { ...tally(answers, started), signatureChecks: after - before, retryAfter: answers.find((answer) => answer.status === 429)?.retryAfter ?? null };
}

/** Readiness probes as fast as a client can send them. */
export async function readyzFlood(target: Target, requests = 600, concurrency = 30) {
  const readyz = new URL('/readyz', target.url).href;
  const started = performance.now();
  const statuses: Record<string, number> = {};
  await inBatches(requests, concurrency, async () => {
    const response = await fetch(readyz);
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    await response.body?.cancel();
  });
  return { statuses, ms: Math.round(performance.now() - started) };
}

/**
 * Slow clients over raw sockets: headers that trickle in a byte at a time, or a body that does. Returns how long
 * the server let each connection live, and what it answered, if anything.
 */
export async function slowClients(target: Target, kind: 'headers' | 'body', connections = 20, everyMs = 300, maxMs = 60_000) {
  const { hostname, port } = new URL(target.url);
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: connections }, () =>
      new Promise<{ livedMs: number; answer: string }>((resolve) => {
        const opened = performance.now();
        const socket = connect({ host: hostname, port: Number(port) });
        let answer = '';
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          clearInterval(timer);
          resolve({ livedMs: Math.round(performance.now() - opened), answer: answer.split('\r\n')[0] ?? '' });
        };
        socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
        socket.on('close', done);
        socket.on('error', () => {});
        socket.on('connect', () => {
          if (kind === 'headers') socket.write('POST /graphql HTTP/1.1\r\nHost: gateway\r\n');
          else socket.write('POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"query":"');
          timer = setInterval(() => socket.write(kind === 'headers' ? 'X' : 'a'), everyMs);
        });
        setTimeout(() => socket.destroy(), maxMs).unref();
      }),
    ),
  );
  const lived = outcomes.map((outcome) => outcome.livedMs).sort((a, b) => a - b);
  const answers: Record<string, number> = {};
  for (const { answer } of outcomes) answers[answer || '(closed without an answer)'] = (answers[answer || '(closed without an answer)'] ?? 0) + 1;
  return { connections, medianLivedMs: lived[Math.floor(lived.length / 2)]!, maxLivedMs: lived.at(-1)!, answers, ms: Math.round(performance.now() - started) };
}

/** An authenticated client sending many different valid documents (each one parsed, validated and cached). */
export async function uniqueDocumentFlood(target: Target, token: string, documents = 1500, fields = 450) {
  const started = performance.now();
  const selection = Array.from({ length: fields }, () => '__typename').join(' ');
  const answers = await inBatches(documents, 20, (i) => post(target, { query: `query Unique${i} { ${selection} }` }, { authorization: `Bearer ${token}` }));
  return tally(answers, started);
}

/**
 * Introspection made to multiply (fields → type → fields → type …) or to nest (an ofType chain far deeper than any
 * type needs); graphql-armor's limits leave introspection out.
 */
export async function introspectionBomb(target: Target, kind: 'lists' | 'ofType', levels = kind === 'lists' ? 6 : 60) {
  let inner = 'name';
  for (let i = 0; i < levels; i++) inner = kind === 'lists' ? `fields { type { ${inner} } }` : `ofType { ${inner} }`;
  const started = performance.now();
  const answer = await post(target, { query: `{ __schema { types { ${inner} } } }` });
  return { ...tally([answer], started), message: answer.errors?.[0]?.message ?? null };
}

// Issue 22's attacks.

/**
 * One signed-in user reading as fast as aliases allow: `requests` requests of `aliases` aliased copies of `field`
 * (a selection such as `me { id }`), 10 at a time. Returns the tally and how many reads were answered.
 */
export async function aliasedReads(target: Target, token: string, field: string, requests = 200, aliases = 10) {
  const query = `query Reads { ${Array.from({ length: aliases }, (_, i) => `r${i}: ${field}`).join(' ')} }`;
  const started = performance.now();
  const answers = await inBatches(requests, 10, () => post(target, { query }, { authorization: `Bearer ${token}` }));
  const answeredReads = answers.reduce((sum, answer) => sum + (answer.errors ? 0 : Object.keys(answer.data ?? {}).length), 0);
  return { ...tally(answers, started), answeredReads, retryAfter: answers.find((answer) => answer.status === 429)?.retryAfter ?? null };
}

/** The same without a token: `_entities` lookups of `representations` users each, from one client IP. */
export async function anonymousEntities(target: Target, requests = 200, representations = 10) {
  const query = 'query Join($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }';
  const started = performance.now();
  const answers = await inBatches(requests, 10, (i) =>
    post(target, { query, variables: { r: Array.from({ length: representations }, (_, j) => ({ __typename: 'User', id: `anon-${i}-${j}` })) } }),
  );
  const joined = answers.reduce((sum, answer) => sum + ((answer.data?._entities as unknown[] | null | undefined)?.length ?? 0), 0);
  return { ...tally(answers, started), joined };
}

/** Representations no router would send, each beside a well-formed one (the control, resolved when nothing is wrong). */
export const MALFORMED_REPRESENTATIONS: Record<string, unknown> = {
  'no __typename': { a: 1 },
  'a numeric __typename': { __typename: 1, id: 'x' },
  'an unknown type': { __typename: 'NoSuchType', id: 'x' },
  'a type that is no entity': { __typename: 'Query', id: 'x' },
  'a type name given as an array': { __typename: ['User'], id: 'x' },
  'a string where the object belongs': 'User',
};

export async function malformedRepresentations(target: Target, token: string | null) {
  const query = 'query Join($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }';
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const started = performance.now();
  const control = await post(target, { query, variables: { r: [{ __typename: 'User', id: 'well-formed' }] } }, headers);
  const byCase: Array<{ name: string; code: unknown; field: unknown; status: number }> = [];
  const answers: Answer[] = [];
  for (const [name, representation] of Object.entries(MALFORMED_REPRESENTATIONS)) {
    const answer = await post(target, { query, variables: { r: [{ __typename: 'User', id: 'well-formed' }, representation] } }, headers);
    answers.push(answer);
    byCase.push({ name, code: answer.errors?.[0]?.extensions?.code, field: answer.errors?.[0]?.extensions?.field, status: answer.status });
  }
  return { ...tally(answers, started), control: { status: control.status, data: control.data ?? null, errors: control.errors ?? null }, byCase };
}

/** Every code point of a Unicode property, from the runtime's own Unicode data. */
export function codePointsOf(property: string): number[] {
  const matches = new RegExp(`^\\p{${property}}$`, 'u');
  const found: number[] = [];
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) if (matches.test(String.fromCodePoint(codePoint))) found.push(codePoint);
  return found;
}

/**
 * A valid id with each separator appended, as an admin's `appUserId` and as a token's `sub`; the plain id first (the
 * control). Each would otherwise be an ACS identity of its own that looks like the plain one in every view.
 */
export const separatorCodePoints = () =>
  ['Space_Separator', 'Line_Separator', 'Paragraph_Separator'].flatMap((category) => codePointsOf(`General_Category=${category}`));

export async function separatorIds(target: Target, signFor: (sub: string) => Promise<string>, adminToken: string, codePoints: number[], base = 'rt3-lookalike') {
  const asInput = (id: string) => post(target, { query: 'query($v: ID!) { communicationIdentity(appUserId: $v) { id } }', variables: { v: id } }, { authorization: `Bearer ${adminToken}` });
  const asSub = async (id: string) => post(target, { query: '{ me { id } }' }, { authorization: `Bearer ${await signFor(id)}` });
  const started = performance.now();
  const control = { asInput: await asInput(base), asSub: await asSub(base) };
  const accepted: string[] = [];
  const outcomes: Record<string, number> = {};
  for (const codePoint of codePoints) {
    const id = `${base}${String.fromCodePoint(codePoint)}`;
    for (const [via, answer] of [['appUserId', await asInput(id)], ['sub', await asSub(id)]] as const) {
      const code = String(answer.errors?.[0]?.extensions?.code ?? 'OK');
      const key = `${via}:${code}${answer.errors?.[0]?.extensions?.field ? `:${String(answer.errors[0].extensions.field)}` : ''}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      if (code === 'OK') accepted.push(`${via} U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  }
  return { codePoints: codePoints.length, control, outcomes, accepted, ms: Math.round(performance.now() - started) };
}

/** GET /metrics on the API port, and on the metrics port (the control: metrics are there, and readable). */
export async function metricsOnApiPort(target: Target) {
  const onApi = await fetch(new URL('/metrics', target.url));
  const onOwn = await fetch(target.metricsUrl);
  const apiBody = await onApi.text();
  const ownBody = await onOwn.text();
  return { apiPort: { status: onApi.status, bytes: Buffer.byteLength(apiBody), hasMetrics: apiBody.includes('gateway_') }, metricsPort: { status: onOwn.status, hasMetrics: ownBody.includes('gateway_process_resident_memory_bytes') } };
}
