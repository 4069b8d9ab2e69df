import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

/** The node flags `npm start` runs the gateway with (the heap cap included), read from package.json. */
export function startScriptNodeFlags(): string[] {
  const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /exec node (.*)dist\/src\/main\.js/.exec(start)?.[1];
  if (flags === undefined) throw new Error(`cannot read the node flags from the start script: ${start}`);
  return flags.split(' ').filter(Boolean);
}

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  metricsUrl?: string;
  output: () => string;
  /** Every log line at error level or above (pino's 50+) the process has written so far, whole output counted. */
  errorLines: () => string[];
  exited: () => boolean;
  stop(): Promise<void>;
}

/** Builds once (tsc -b: a no-op when current) so that processes run what the image runs. */
export function buildOnce(): void {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
}

/** `node <npm start's flags> dist/src/main.js` as a child process, ready once it logs its URL. */
export async function startGatewayProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...startScriptNodeFlags(), 'dist/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let partial = '';
  const errorLines: string[] = [];
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-200_000);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const level = /^\{"level":(\d+)/.exec(line)?.[1];
      if (level !== undefined && Number(level) >= 50) errorLines.push(line.slice(0, 2000));
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + timeoutMs;
  let ready: RegExpExecArray | null = null;
  while (!(ready = /"url":"(http:\/\/[^"]+\/graphql)"(?:,"metricsUrl":"(http:\/\/[^"]+)")?/.exec(output))) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`the gateway did not start:\n${output.slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const loopback = (url: string) => url.replace('//localhost:', '//127.0.0.1:');
  return {
    child,
    url: loopback(ready[1]!),
    metricsUrl: ready[2] && loopback(ready[2]),
    output: () => output,
    errorLines: () => [...errorLines],
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
