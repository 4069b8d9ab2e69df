// The emulator's command line as a child process: launched through `npm run emulator` or its bin, and read
// the way other tools read it, from the first lines of stdout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONNECTION = /^COMMUNICATION_SERVICES_CONNECTION_STRING=(endpoint=(https?):\/\/127\.0\.0\.1:(\d+)\/;accesskey=(\S+))$/;

export interface Launched {
  child: ChildProcess;
  connectionString: string;
  endpoint: string;
  accessKey: string;
  port: number;
  /** NODE_EXTRA_CA_CERTS=<path>, in HTTPS mode. */
  caCertPath?: string;
  stdout: () => string;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

/** Resolves once the connection-string line (and, for https, the NODE_EXTRA_CA_CERTS line after it) is out. */
export function launch(command: string, args: string[], env: Record<string, string | undefined> = {}, detached = false): Promise<Launched> {
  // An outer `npm run -s` (as .ci/run uses) hands its loglevel down through the environment; a user's shell has none.
  const { npm_config_loglevel: _outerLoglevel, ...inherited } = process.env;
  const child = spawn(command, args, { cwd: ROOT, env: { ...inherited, ...env }, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      // Without -s, npm's banner (an empty line and two `> ` lines) comes first; nothing else may.
      const lines = out.split('\n');
      while (lines.length > 1 && (lines[0] === '' || lines[0]!.startsWith('> '))) lines.shift();
      const m = CONNECTION.exec(lines[0] ?? '');
      if (!m || lines.length < 2) return;
      const https = m[2] === 'https';
      const ca = /^NODE_EXTRA_CA_CERTS=(.+)$/.exec(lines[1] ?? '');
      if (https && (!ca || lines.length < 3)) return;
      resolve({
        child,
        connectionString: m[1]!,
        endpoint: `${m[2]}://127.0.0.1:${m[3]}/`,
        port: Number(m[3]),
        accessKey: m[4]!,
        ...(ca ? { caCertPath: ca[1]! } : {}),
        stdout: () => out,
        stderr: () => err,
        stop: async () => {
          if (child.exitCode !== null) return child.exitCode;
          const exited = once(child, 'exit');
          if (detached) process.kill(-child.pid!, 'SIGTERM');
          else child.kill('SIGTERM');
          return ((await exited) as [number | null])[0];
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before its connection string:\n${out}\n${err}`)));
  });
}

/** Runs to completion: exit code and output. */
export function run(command: string, args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(command, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// `npm run build` compiles everyone's src/; when another engineer's work in progress breaks it, the
// npm-run tests are skipped (with a warning) and the bin runs through tsx instead of dist/.
let built: boolean | undefined;
export function buildOnce(): boolean {
  built ??= spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' }).status === 0;
  if (!built) console.warn('npm run build fails (outside the emulator): skipping the `npm run emulator` tests, using tsx');
  return built;
}

/** The package's bin: dist/cli.js when the build works, else its source through tsx. */
export function bin(): [string, string[]] {
  return buildOnce()
    ? [join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'packages/emulator/dist/cli.js')]]
    : [join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'packages/emulator/src/cli.ts')]];
}
