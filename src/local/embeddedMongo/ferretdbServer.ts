import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ensureFerretDbBinary } from './ferretdbBinary.js';
import type { EmbeddedLog, EmbeddedMongo } from './types.js';

export interface StartFerretDbOptions {
  /** SQLite files go here (one file per database). */
  dataDir: string;
  log?: EmbeddedLog;
  /** How long to wait for the READY line; SQLite start-up is normally well under a second. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /** Where to listen; a free loopback port by default. Tests restart a server on its old port with it. */
  listenAddr?: string;
}

/**
 * Starts FerretDB (SQLite backend) on a free loopback port. The child watches its stdin,
 * which is a pipe from us: if this process dies, even by SIGKILL, the pipe closes and
 * FerretDB shuts itself down instead of lingering as an orphan. Kept in one function (past 60 lines) so the
 * child's start, readiness wait and cleanup read in order.
 */
export async function startFerretDb(opts: StartFerretDbOptions): Promise<EmbeddedMongo> {
  const log = opts.log ?? (() => {});
  const binary = await ensureFerretDbBinary(log);
  await mkdir(opts.dataDir, { recursive: true });

  const child = spawn(
    binary,
    ['-data-dir', opts.dataDir, '-listen-addr', opts.listenAddr ?? '127.0.0.1:0', '-log-level', 'warn', '-exit-on-stdin-close'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );

  // FerretDB runs at -log-level warn; forward what it says except routine per-connection chatter.
  let stderrTail = '';
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail = (stderrTail + line + '\n').slice(-2000);
    if (!isRoutineNoise(line)) log(`ferretdb: ${line}`);
  });

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });

  // Best effort for a normal exit without stop(); the stdin guard covers crashes.
  const onExit = () => {
    if (running) child.kill('SIGTERM');
  };
  process.once('exit', onExit);

  let uri: string;
  try {
    uri = await waitForReady(child, exited, opts.readyTimeoutMs ?? 30_000, () => stderrTail);
  } catch (err) {
    process.removeListener('exit', onExit);
    if (running) child.kill('SIGKILL');
    await exited;
    throw err;
  }

  // Neither the child nor its pipes should keep a process alive that forgot to call stop():
  // when it exits, stdin closes and FerretDB follows.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void }).unref?.();
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running) child.kill('SIGKILL');
      }, opts.stopTimeoutMs ?? 5_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  return { uri, kind: 'ferretdb', pid: child.pid, stop };
}

function waitForReady(
  child: ReturnType<typeof spawn>,
  exited: Promise<void>,
  timeoutMs: number,
  stderrTail: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error('FerretDB was started without a stdout pipe.'));
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      reject(new Error(`FerretDB did not report READY within ${timeoutMs} ms.\n${stderrTail()}`.trim()));
    }, timeoutMs);
    lines.on('line', (line) => {
      const match = /^READY (\S+)/.exec(line);
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve(match[1]);
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Could not start FerretDB: ${err.message}`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`FerretDB exited before it was ready (exit code ${child.exitCode}).\n${stderrTail()}`.trim()));
    });
  });
}

/**
 * At warn level FerretDB v1 dumps every error response (e.g. the driver's endSessions, which it
 * does not implement) and every client disconnect. Neither says anything is wrong.
 */
function isRoutineNoise(line: string): boolean {
  return (
    /msg="Response (header|message)\b/.test(line) ||
    (/msg="Connection stopped"/.test(line) && /connection reset by peer|EOF|use of closed network connection/.test(line))
  );
}
