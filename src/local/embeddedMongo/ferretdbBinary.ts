import { spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { findRepoRoot } from './repoRoot.js';
import type { EmbeddedLog } from './types.js';

/** A cold build downloads modules and compiles SQLite-in-Go; allow for a slow machine. */
const BUILD_TIMEOUT_MS = 15 * 60_000;

export interface FerretDbPaths {
  /** tools/ferretdb: the Go wrapper around FerretDB's embeddable package. */
  sourceDir: string;
  /** .local/bin: git-ignored, project-local. */
  binDir: string;
  binary: string;
}

export function ferretDbPaths(root = findRepoRoot()): FerretDbPaths {
  const binDir = join(root, '.local', 'bin');
  return { sourceDir: join(root, 'tools', 'ferretdb'), binDir, binary: join(binDir, 'ferretdb') };
}

/**
 * Returns the path of a FerretDB binary built from tools/ferretdb, building it with
 * `go install` when it is missing or older than its sources. When it is up to date this
 * costs a few stat calls. Concurrent callers (two jest runs, gateway + tests) each build
 * into their own temp GOBIN and rename over the target, so nobody sees a half-written file.
 */
export async function ensureFerretDbBinary(log: EmbeddedLog = () => {}): Promise<string> {
  const paths = ferretDbPaths();
  if (!existsSync(join(paths.sourceDir, 'go.mod'))) {
    throw new Error(
      `FerretDB sources are missing at ${paths.sourceDir}; restore tools/ferretdb or set MONGODB_URI to an existing MongoDB.`,
    );
  }
  if (await isUpToDate(paths)) return paths.binary;

  const go = await findGo();
  log('Building the embedded MongoDB (FerretDB v1.24, SQLite) once with go install; this takes about 2 minutes…');
  const started = Date.now();
  await mkdir(paths.binDir, { recursive: true });
  // Same filesystem as the target, so the final rename is atomic.
  const tmpBin = await mkdtemp(join(paths.binDir, '.build-'));
  try {
    await runGoInstall(go, paths.sourceDir, tmpBin, log);
    await rename(join(tmpBin, 'ferretdb'), paths.binary);
  } finally {
    await rm(tmpBin, { recursive: true, force: true });
  }
  log(`Built ${paths.binary} in ${Math.round((Date.now() - started) / 1000)} s.`);
  return paths.binary;
}

/** Up to date when the binary exists and is newer than every file in tools/ferretdb. */
async function isUpToDate(paths: FerretDbPaths): Promise<boolean> {
  let binaryMtime: number;
  try {
    binaryMtime = (await stat(paths.binary)).mtimeMs;
  } catch {
    return false;
  }
  const entries = await readdir(paths.sourceDir, { withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    if ((await stat(join(paths.sourceDir, entry.name))).mtimeMs > binaryMtime) return false;
  }
  return true;
}

/** `go` from PATH, else the usual install locations (npm scripts may run with a trimmed PATH). */
async function findGo(): Promise<string> {
  const candidates = [
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'go')),
    ...(process.env.GOROOT ? [join(process.env.GOROOT, 'bin', 'go')] : []),
    '/usr/local/go/bin/go',
    '/usr/lib/go/bin/go',
  ];
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    'No embedded MongoDB available: building FerretDB needs Go 1.24 or newer, and `go` is not on PATH. ' +
      'Install Go (https://go.dev/dl/, or `apt-get install golang-go`), or set MONGODB_URI to an existing MongoDB.',
  );
}

/** How often a running build reports its progress. */
const PROGRESS_EVERY_MS = 5_000;

/**
 * `go mod download`, then `go install -v` (which names each package as it compiles it), reporting progress as
 * packages compiled of those the build needs, so that a cold first build of a minute or more is not silent.
 */
async function runGoInstall(go: string, cwd: string, gobin: string, log: EmbeddedLog): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  log('FerretDB build: downloading Go modules (from the module cache when warm)…');
  await runGo(go, ['mod', 'download'], cwd, gobin);
  let total = 0;
  // Standard library packages count too: with a cold build cache they are compiled as well.
  await runGo(go, ['list', '-deps', '.'], cwd, gobin, (line) => {
    if (line.trim()) total += 1;
  });
  let compiled = 0;
  const timer = setInterval(() => log(`FerretDB build: ${compiled} of ${total} packages compiled, the rest cached (${elapsed()})…`), PROGRESS_EVERY_MS);
  try {
    await runGo(go, ['install', '-v', '.'], cwd, gobin, (line) => {
      if (/^[\w.-]+(\/[\w.@+-]+)*$/.test(line.trim())) compiled += 1;
    });
  } finally {
    clearInterval(timer);
  }
  log(`FerretDB build: ${compiled} packages compiled, the rest from Go's build cache (${elapsed()}).`);
}

function runGo(go: string, args: string[], cwd: string, gobin: string, onLine: (line: string) => void = () => {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, {
      cwd,
      env: { ...process.env, GOBIN: gobin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let partial = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-4000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Could not run ${go} to build FerretDB: ${err.message}. Install Go or set MONGODB_URI.`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      reject(
        new Error(
          `go ${args[0]} in ${cwd} failed (${signal ?? `exit code ${code}`}). ` +
            'Offline, the Go module proxy must be reachable (or the module cache warm); alternatively set MONGODB_URI.\n' +
            output.trim(),
        ),
      );
    });
  });
}
