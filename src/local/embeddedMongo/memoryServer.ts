import { lookup } from 'node:dns/promises';
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { findRepoRoot } from './repoRoot.js';
import type { EmbeddedLog, EmbeddedMongo } from './types.js';

/** How a mongod for mongodb-memory-server can be had, or why not. */
export type MemoryServerProbe =
  | { available: true; how: 'system-binary' | 'cached-binary' | 'download'; systemBinary?: string; detail: string; ms: number }
  | { available: false; detail: string; ms: number };

export interface ProbeOptions {
  /** Budget for each network check (DNS, then TCP connect); offline DNS fails in milliseconds anyway. */
  networkTimeoutMs?: number;
}

/**
 * Decides quickly whether mongodb-memory-server can get a mongod, without letting it try:
 * offline, MongoMemoryServer.create() only gives up after about 7 s of download retries.
 * In order: MONGOMS_SYSTEM_BINARY, a binary already in its download cache, `mongod` on PATH,
 * and last a download, but only when the download host resolves and accepts a TCP connection.
 */
export async function probeMemoryServer(opts: ProbeOptions = {}): Promise<MemoryServerProbe> {
  const started = Date.now();
  const ms = () => Date.now() - started;

  const configured = process.env.MONGOMS_SYSTEM_BINARY;
  if (configured) {
    if (await isExecutable(configured)) {
      return { available: true, how: 'system-binary', systemBinary: configured, detail: `MONGOMS_SYSTEM_BINARY=${configured}`, ms: ms() };
    }
    return { available: false, detail: `MONGOMS_SYSTEM_BINARY=${configured} is not an executable file`, ms: ms() };
  }

  // Loading mongodb-memory-server costs about half a second, so look for its cache files first.
  if (await mayHaveCachedMongod()) {
    try {
      const mms = await import('mongodb-memory-server');
      const cached = await mms.DryMongoBinary.locateBinary(mms.DryMongoBinary.getEnsuredOptions());
      if (cached) return { available: true, how: 'cached-binary', detail: cached, ms: ms() };
    } catch (err) {
      // An unsupported OS or a bad MONGOMS_* value: the download route would fail the same way.
      return { available: false, detail: `mongodb-memory-server cannot locate a binary: ${errorMessage(err)}`, ms: ms() };
    }
  }

  const onPath = await findOnPath('mongod');
  if (onPath) return { available: true, how: 'system-binary', systemBinary: onPath, detail: onPath, ms: ms() };

  if (['0', 'false', 'off', 'no'].includes((process.env.MONGOMS_RUNTIME_DOWNLOAD ?? '').toLowerCase())) {
    return { available: false, detail: 'no cached mongod and MONGOMS_RUNTIME_DOWNLOAD is off', ms: ms() };
  }

  // Same precedence as mongodb-memory-server: a full DOWNLOAD_URL, else a mirror, else MongoDB's CDN.
  let url: URL;
  try {
    url = new URL(process.env.MONGOMS_DOWNLOAD_URL || process.env.MONGOMS_DOWNLOAD_MIRROR || 'https://fastdl.mongodb.org');
  } catch (err) {
    return { available: false, detail: `bad MONGOMS_DOWNLOAD_URL or MONGOMS_DOWNLOAD_MIRROR: ${errorMessage(err)}`, ms: ms() };
  }
  // Behind a proxy the download host may not resolve locally; the proxy is what must be reachable.
  const proxy = process.env.HTTPS_PROXY ?? process.env.https_proxy ?? process.env.HTTP_PROXY ?? process.env.http_proxy;
  const target = proxy ? new URL(proxy) : url;
  const port = Number(target.port || (target.protocol === 'http:' ? 80 : 443));
  const timeoutMs = opts.networkTimeoutMs ?? 1000;
  try {
    const { address } = await withTimeout(lookup(target.hostname), timeoutMs, `DNS lookup of ${target.hostname}`);
    await tcpReachable(address, port, timeoutMs);
  } catch (err) {
    return { available: false, detail: `cannot download mongod from ${url.host}: ${errorMessage(err)}`, ms: ms() };
  }
  return { available: true, how: 'download', detail: url.toString(), ms: ms() };
}

export interface StartMemoryServerOptions {
  /** mongod's dbPath; kept between runs so data survives restarts like FerretDB's. */
  dataDir: string;
  systemBinary?: string;
  log?: EmbeddedLog;
}

export async function startMemoryServer(opts: StartMemoryServerOptions): Promise<EmbeddedMongo> {
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  await mkdir(opts.dataDir, { recursive: true });
  const server = await MongoMemoryServer.create({
    instance: { ip: '127.0.0.1', dbPath: opts.dataDir, storageEngine: 'wiredTiger' },
    ...(opts.systemBinary ? { binary: { systemBinary: opts.systemBinary } } : {}),
  });
  let stopping: Promise<void> | undefined;
  return {
    uri: server.getUri(),
    kind: 'mongodb-memory-server',
    pid: server.instanceInfo?.instance.mongodProcess?.pid,
    stop: () => {
      // doCleanup false: the dbPath is the caller's persistent data, not a temp dir.
      stopping ??= server.stop({ doCleanup: false }).then(() => undefined);
      return stopping;
    },
  };
}

/**
 * False only when none of the directories mongodb-memory-server looks in holds a `mongod-*`
 * file (MONGOMS_DOWNLOAD_DIR, ~/.cache/mongodb-binaries, node_modules/.cache/mongodb-memory-server
 * above the cwd and the project, ./mongodb-binaries). A package.json config block may point
 * elsewhere, so then the answer is "maybe" and the real lookup runs.
 */
async function mayHaveCachedMongod(): Promise<boolean> {
  const root = findRepoRoot();
  try {
    if ((await readFile(join(root, 'package.json'), 'utf8')).includes('mongodbMemoryServer')) return true;
  } catch {
    return true;
  }
  const dirs = [join(homedir(), '.cache', 'mongodb-binaries'), join(process.cwd(), 'mongodb-binaries')];
  if (process.env.MONGOMS_DOWNLOAD_DIR) dirs.push(resolve(process.env.MONGOMS_DOWNLOAD_DIR));
  for (const start of [process.cwd(), root]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      dirs.push(join(dir, 'node_modules', '.cache', 'mongodb-memory-server'));
      if (dirname(dir) === dir) break;
    }
  }
  for (const dir of new Set(dirs)) {
    try {
      if ((await readdir(dir)).some((name) => name.startsWith('mongod'))) return true;
    } catch {
      // missing directory: nothing cached there
    }
  }
  return false;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`)));
    socket.once('connect', () => done());
    socket.once('error', (err) => done(err));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
