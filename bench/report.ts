// RESULTS.md from the results bench/gateway.ts collected.
import type { Row } from './support.js';
import type { StormRun } from './storm.js';

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function markdown(r: any): string {
  const latency = r.ratios.cacheOnOverCacheOffWithAcsAway?.latencyMs;
  const names: Record<string, string> = {
    floor: 'Floor: gateway `{ __typename }`',
    bareSdk: 'Bare SDK `getToken`',
    minimalAlternative: 'Minimal alternative (Mongo lookup + SDK)',
    gatewayIssueTokenCacheOff: 'Gateway `issueToken`, cache off',
    gatewayIssueTokenCacheOn: 'Gateway `issueToken`, cache on',
    gatewayCreateUserAndToken: 'Gateway `createUserAndToken` (new users)',
    gatewayRevokeTokens: 'Gateway `revokeTokens`',
    gatewayIssueTokenCacheOffAcsAway: `Gateway \`issueToken\`, cache off, ACS ${latency} ms away`,
    gatewayIssueTokenCacheOnAcsAway: `Gateway \`issueToken\`, cache on, ACS ${latency} ms away`,
    trustedById: 'Gateway `me`, trusted document by id',
    freeTextSame: 'Gateway `me`, the same free text every time',
    freeTextVaried: 'Gateway `me`, a different free text every time',
  };
  const m = r.method;
  const lines = [
    '# Gateway benchmark results',
    '',
    `Run ${r.date} at commit ${r.commit ?? 'unknown'} on ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.totalMemGiB} GiB, Node ${r.machine.node}, ${r.machine.os}; MongoDB: ${m.mongo}.`,
    `Settings: ${m.durationS} s per run, ${m.repeats} runs per figure (medians), connections ${m.concurrencies.join(' / ')}, ${m.users} users, soak ${m.soakS} s; storm ${m.storm.users} users × ${m.storm.requestsPerUser} requests, ${m.storm.connections} clients, ${m.storm.repeats} runs per mode.` +
      (r.recorded ? '' : ` Sections: ${r.sections.join(', ')}; not recorded (written to .local/bench/).`),
    `Load average (1, 5, 15 min): ${r.load.atStart.join(', ')} at the start, ${r.load.atEnd.join(', ')} at the end. Shared, noisy 2-core machine: the ratios count, not the absolute figures.`,
    'Produced by `npm run bench -- --record` (bench/gateway.ts); a plain `npm run bench` writes to .local/bench/ instead.',
    '',
  ];
  const results = Object.entries(r.results as Record<string, Row[]>);
  if (results.length) {
    lines.push('| Scenario | Conns | req/s | p50 ms | p99 ms |', '|---|---:|---:|---:|---:|');
    for (const [key, rows] of results) {
      for (const row of rows) lines.push(`| ${names[key] ?? key} | ${row.concurrency} | ${row.reqPerSec} | ${row.p50Ms} | ${row.p99Ms} |`);
    }
  }
  if (r.trustedDocuments) {
    const t = r.trustedDocuments.ratios;
    const cpu = r.trustedDocuments.serverCpuMsPerRequest;
    lines.push(
      '',
      `Trusted documents at ${r.trustedDocuments.connections} connections (paired runs): by id ${t.byIdOverSameText}× the throughput of the same free text, ${t.byIdOverVariedText}× a different free text every time; ` +
        `gateway CPU per request ${cpu.trustedById} ms by id, ${cpu.freeTextSame} ms the same text, ${cpu.freeTextVaried} ms a different text.`,
    );
  }
  const cs = Object.keys(r.ratios.gatewayOverBareSdk);
  const cell = (v: number | null) => (v == null ? '–' : `${v}×`);
  lines.push(
    '',
    '## Ratios (throughput)',
    '',
    `| Ratio | ${cs.map((c) => c.replace('c', 'c=')).join(' | ')} |`,
    `|---|${cs.map(() => '---:').join('|')}|`,
    `| Gateway issueToken / bare SDK | ${cs.map((c) => cell(r.ratios.gatewayOverBareSdk[c])).join(' | ')} |`,
    `| Gateway issueToken / minimal alternative | ${cs.map((c) => cell(r.ratios.gatewayOverMinimalAlternative[c])).join(' | ')} |`,
    `| Cache on / cache off | ${cs.map((c) => cell(r.ratios.cacheOnOverCacheOff[c])).join(' | ')} |`,
    `| CPU per request: minimal alternative / gateway (cache off) | ${cs.map((c) => cell(r.ratios.cpuMinimalOverGateway[c])).join(' | ')} |`,
    '',
    `Added p50 latency over the bare SDK at concurrency 1: ${r.ratios.addedP50MsOverBareSdkAtC1 ?? '–'} ms.`,
  );
  if (r.ratios.cacheOnOverCacheOffWithAcsAway?.c16 != null) {
    lines.push('', `With ACS ${latency} ms away (an emulator latency fault standing in for a cloud round trip; an assumption, not a measurement of ACS), cache on / cache off at c=16: ${r.ratios.cacheOnOverCacheOffWithAcsAway.c16}×.`);
  }

  if (r.storm) {
    const modes: Record<string, string> = { cacheOff: 'Cache off', cacheOn: 'Cache on', cacheOnTwoInstances: 'Cache on, 2 instances (round-robin)' };
    lines.push(
      '',
      '## Reconnect storm',
      '',
      `${r.storm.settings.users} users each ask for a token (CHAT+VOIP) ${r.storm.settings.requestsPerUser} times; one user's requests are queued together, users in a shuffled order, ${r.storm.settings.connections} clients. ` +
        `ACS is the emulator allowing ${r.storm.issueLimit} token issues per 30 s (ACS's documented limit per resource) and answering ${r.storm.latencyMs} ms late. The storm is cut off after 30 s. ` +
        'Every run has fresh users (cold caches) and a fresh rate window. Medians of the runs; ACS calls and 429s are counted by the emulator.',
      '',
      '| Mode | Runs | Answered in 30 s | OK | req/s | p50 ms | p99 ms | ACS calls / distinct pairs | ACS 429s | ACS 429s reaching clients | Client errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const [mode, runs] of Object.entries(r.storm.runs as Record<string, StormRun[]>)) {
      const med = (f: (s: StormRun) => number) => median(runs.map(f));
      const errors = runs.map((s) => Object.entries(s.errors).map(([code, count]) => `${code} ${count}`).join(', ') || 'none').join('; ');
      lines.push(
        `| ${modes[mode] ?? mode} | ${runs.length} | ${med((s) => s.answered)} of ${runs[0]!.answered + runs[0]!.notAnswered} | ${med((s) => s.ok)} | ${med((s) => s.reqPerSec)} | ${med((s) => s.p50Ms)} | ${med((s) => s.p99Ms)} | ` +
          `${med((s) => s.acsCalls)} / ${runs[0]!.distinctPairs} (${round(med((s) => s.acsCalls / s.distinctPairs), 2)}×) | ${med((s) => s.acs429)} | ${runs.map((s) => s.acs429ReachingClients).join(', ')} | ${errors} |`,
      );
    }
  }

  const cpuRows = results.flatMap(([key, rows]) =>
    rows.filter((row) => row.cpuMsPerRequest?.emulator !== undefined).map((row) => {
      const cpu = row.cpuMsPerRequest!;
      const total = round((cpu.server ?? 0) + cpu.mongo! + cpu.emulator!, 3);
      return `| ${names[key] ?? key} | ${row.concurrency} | ${cpu.server ?? '–'} | ${cpu.mongo} | ${cpu.emulator} | ${cpu.loadGenerator} | ${total} |`;
    }),
  );
  if (cpuRows.length) {
    lines.push(
      '',
      '## CPU per request',
      '',
      'CPU time (ms) each process spent per request during the runs, from /proc (10 ms ticks), medians. "server" is the gateway or the minimal alternative; the bare-SDK driver is its own load generator.',
      '',
      '| Scenario | Conns | server | MongoDB | emulator | load generator | server + MongoDB + emulator |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...cpuRows,
    );
  }

  lines.push('', '## Cost', '');
  lines.push(`- RSS: ${r.memory.rssAtReadyMiB} MiB at ready, peak ${r.memory.rssPeakMiB} MiB${r.memory.atPeak ? ` (${r.memory.atPeak.anonMiB} anonymous + ${r.memory.atPeak.fileMiB} mapped files, in ${r.memory.atPeak.phase})` : ''}, steady (median under load) ${r.memory.rssSteadyMiB ?? '–'} MiB (VmRSS every 200 ms).`);
  if (r.memory.maxByPhase) lines.push(`- RSS high-water mark by phase, in the order they ran (MiB): ${Object.entries(r.memory.maxByPhase as Record<string, number>).map(([phase, mib]) => `${phase} ${mib}`).join(', ')}.`);
  if (r.soak) {
    lines.push(`- Soak: issueToken, ${r.soak.connections} connections, ${r.soak.seconds} s: ${r.soak.reqPerSec} req/s, p50 ${r.soak.p50Ms} ms, p99 ${r.soak.p99Ms} ms; RSS ${r.soak.rssStartMiB} → ${r.soak.rssEndMiB} MiB (max ${r.soak.rssMaxMiB}).`);
  }
  if (r.startToReadyMs) {
    lines.push(`- Start to ready (spawn to first 200 from /healthz, MongoDB and ACS already up): median ${r.startToReadyMs.median} ms (${r.startToReadyMs.runs.join(', ')}).`);
  }
  lines.push(
    '',
    '## Targets (issue 25)',
    '',
    '| Target | Measured | Status |',
    '|---|---|---|',
    ...r.targets.map((t: any) => `| ${t.target} | ${t.measured} | ${t.met === null ? 'not measured' : t.met ? 'met' : '**missed**'} |`),
  );
  for (const p of r.profiles ?? []) {
    lines.push(
      '',
      `## CPU profile of the gateway, ${p.connections} connection${p.connections > 1 ? 's' : ''}`,
      '',
      `${p.scenario}; ${p.totalMs} ms of samples. V8 samples wall-clock time: a frame that waits in, or is preempted during, a system call (a socket write) is charged for that time, and "(idle)" is the event loop waiting.`,
      '',
      '| Package / area | self ms | self % | inclusive % |',
      '|---|---:|---:|---:|',
      ...p.byPackage.map((g: any) => `| ${g.name} | ${g.selfMs} | ${g.percent} | ${p.inclusiveByPackage.find((i: any) => i.name === g.name)?.percent ?? '–'} |`),
      '',
      'Top functions by self time:',
      '',
      '| Function | self ms | % |',
      '|---|---:|---:|',
      ...p.topFunctions.map((f: any) => `| \`${f.name}\` | ${f.selfMs} | ${f.percent} |`),
    );
  }
  return `${lines.join('\n')}\n`;
}
