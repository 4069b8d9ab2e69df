#!/usr/bin/env node
// acs-identity-emulator (and `npm run emulator`): the ACS Identity emulator on its own, until SIGINT or SIGTERM.
// stdout carries only the lines other tools wait for; everything else goes to stderr, one line per message.
import { readFile } from 'node:fs/promises';
import { HELP } from './cli/help.js';
import { readSettings, UsageError, type EntraTokenSettings, type ServeSettings } from './cli/options.js';
import { createDevEntraIssuer } from './entra/devIssuer.js';
import { startEmulator } from './index.js';
import { defaultKeyDir } from './paths.js';
import type { FaultOptions, JsonWebKeySet, RunningEmulator } from './types.js';

const PROGRAM = 'acs-identity-emulator';

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2), process.env);
  if (settings.command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (settings.command === 'entra-token') return printEntraToken(settings);
  return serve(settings);
}

async function serve(s: ServeSettings): Promise<void> {
  // Without --data-dir, what must outlive a run (the HTTPS authority, the development Entra key) goes to the cache dir.
  const keyDir = s.dataDir ?? defaultKeyDir();
  const emulator = await startEmulator({
    port: s.port,
    ...(s.host ? { host: s.host } : {}),
    ...(s.accessKey ? { accessKey: s.accessKey } : {}),
    ...(s.dataDir ? { dataDir: s.dataDir } : {}),
    https: s.https,
    certDir: keyDir,
    rateLimits: s.rateLimits,
    ...(s.rateLimitWindowMs ? { rateLimitWindowMs: s.rateLimitWindowMs } : {}),
    faults: s.faults,
    ...(s.tokenLifetimeSeconds ? { tokenLifetimeSeconds: s.tokenLifetimeSeconds } : {}),
    ...(s.entraJwks ? { entraJwks: await loadJwks(s.entraJwks, '--entra-jwks') } : {}),
    ...(s.bearerJwks ? { bearerJwks: await loadJwks(s.bearerJwks, '--bearer-jwks') } : {}),
    ...(s.devEntra ? { devEntra: await createDevEntraIssuer({ dataDir: keyDir }) } : {}),
    // stderr is written synchronously to a pipe: logging every request is opt-in, so a parent that does not
    // read it cannot stall the emulator under load.
    ...(s.verbose ? { logger: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  }).catch((e: unknown) => {
    throw new Error(listenFailure(e, s) ?? describe(e));
  });

  // The lines other tools wait for: the connection string first, always.
  process.stdout.write(`COMMUNICATION_SERVICES_CONNECTION_STRING=${emulator.connectionString}\n`);
  if (emulator.caCertPath) process.stdout.write(`NODE_EXTRA_CA_CERTS=${emulator.caCertPath}\n`);
  if (!s.verbose) process.stderr.write(`ACS Identity emulator listening on ${emulator.endpoint} (resource ${emulator.resourceId})\n`);
  if (s.devEntra) process.stderr.write(`trusting the development Entra issuer (acs-identity-emulator entra-token mints its tokens)\n`);
  for (const line of summary(s)) process.stderr.write(`${line}\n`);
  stopOnSignals(emulator);
}

async function printEntraToken(s: EntraTokenSettings): Promise<void> {
  const issuer = await createDevEntraIssuer({ dataDir: s.dataDir ?? defaultKeyDir() });
  try {
    const token = await issuer.mintToken(s);
    process.stdout.write(`${token}\n`);
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(`entra-token: ${e.message}`);
    throw e;
  }
}

async function loadJwks(source: string, flag: string): Promise<JsonWebKeySet | URL> {
  if (/^https?:\/\//i.test(source)) return new URL(source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(source, 'utf8'));
  } catch (e) {
    throw new UsageError(`${flag}: cannot read a JSON file at '${source}' (${(e as NodeJS.ErrnoException).code ?? 'invalid JSON'})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new UsageError(`${flag}: '${source}' is not a JWKS ({"keys": [...]})`);
  }
  return parsed as JsonWebKeySet;
}

function summary(s: ServeSettings): string[] {
  const lines: string[] = [];
  const limits = Object.entries(s.rateLimits).map(([op, n]) => `${op}=${n}`);
  if (limits.length) lines.push(`rate limits per ${s.rateLimitWindowMs ?? 30_000} ms: ${limits.join(', ')} (others as documented)`);
  const f: FaultOptions = s.faults;
  const rules = [
    ...(f.latencyMs ? [`latency ${f.latencyMs} ms`] : []),
    ...(f.errorRate ? [`${f.errorStatus} on ${percent(f.errorRate)}`] : []),
    ...Object.entries(f.byOperation ?? {}).map(([op, r]) =>
      [op, r.latencyMs !== undefined ? `latency ${r.latencyMs} ms` : '', r.errorRate !== undefined ? `${r.errorStatus} on ${percent(r.errorRate)}` : '']
        .filter(Boolean)
        .join(' '),
    ),
  ];
  if (rules.length) lines.push(`faults: ${rules.join('; ')}`);
  if (s.tokenLifetimeSeconds) lines.push(`user tokens live ${s.tokenLifetimeSeconds} s, whatever lifetime was asked`);
  return lines;
}

const percent = (share: number) => `${Number((share * 100).toPrecision(6))}%`;

function stopOnSignals(emulator: RunningEmulator): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`${PROGRAM}: ${describe(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Run under `npm run` (sh -c), npm's SIGTERM may not reach us; without this check a `kill <npm pid>` would
  // leave the emulator running, re-parented to init.
  const launcher = process.ppid;
  setInterval(() => {
    if (process.ppid !== launcher) stop();
  }, 500).unref();
}

function listenFailure(e: unknown, s: ServeSettings): string | undefined {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `${s.host ?? '127.0.0.1'}:${s.port}`;
  if (code === 'EADDRINUSE') return `cannot listen on ${where}: the port is in use`;
  if (code === 'EACCES') return `cannot listen on ${where}: permission denied`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `cannot listen on ${where}: no such local address`;
  return undefined;
}

function describe(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

main().catch((e: unknown) => {
  const usage = e instanceof UsageError;
  process.stderr.write(`${PROGRAM}: ${usage ? e.message : describe(e)}\n`);
  process.exit(usage ? 2 : 1);
});
