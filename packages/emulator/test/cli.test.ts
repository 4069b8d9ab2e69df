// `npm run emulator` as a child process: the connection-string line, a working SDK, clean exits.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CommunicationIdentityClient } from '@azure/communication-identity';

const ROOT = new URL('../../../', import.meta.url).pathname;
const LINE = /^COMMUNICATION_SERVICES_CONNECTION_STRING=(endpoint=http:\/\/127\.0\.0\.1:(\d+)\/;accesskey=(\S+))$/m;

interface Launched {
  child: ChildProcess;
  connectionString: string;
  port: number;
  accessKey: string;
  stdout: () => string;
}

function launch(command: string, args: string[], env: Record<string, string> = {}, detached = false): Promise<Launched> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = LINE.exec(out);
      if (m) resolve({ child, connectionString: m[1]!, port: Number(m[2]), accessKey: m[3]!, stdout: () => out });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before the connection string:\n${out}\n${err}`)));
  });
}

// `npm run build` compiles everyone's src/; when another engineer's work in progress breaks it, the
// npm-run tests are skipped (with a warning) and the entry runs through tsx instead of dist/.
const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' }).status === 0;
if (!built) console.warn('npm run build fails (outside the emulator): skipping the `npm run emulator` tests, using tsx');
const withBuild = built ? it : it.skip;
const [entryCommand, ...entryArgs] = built
  ? [join(ROOT, 'node_modules/.bin/node'), 'packages/emulator/dist/cli.js']
  : [join(ROOT, 'node_modules/.bin/tsx'), 'packages/emulator/src/cli.ts'];
const launchEntry = (args: string[] = [], env: Record<string, string> = {}) =>
  launch(entryCommand!, [...entryArgs, ...args], env);
const portIsClosed = async (port: number) =>
  fetch(`http://127.0.0.1:${port}/_emulator/health`).then(
    () => false,
    () => true,
  );

async function sdkWorks(connectionString: string): Promise<void> {
  const client = new CommunicationIdentityClient(connectionString, { allowInsecureConnection: true });
  const { user, token } = await client.createUserAndToken(['chat']);
  expect(token).toBeTruthy();
  await client.deleteUser(user);
}

describe('npm run emulator', () => {
  withBuild('builds, prints exactly the connection-string line, serves the SDK, and stops with its process group', async () => {
    const run = await launch('npm', ['run', 'emulator', '--silent'], {}, true);
    expect(run.stdout().trim().split('\n')).toHaveLength(1);
    await sdkWorks(run.connectionString);
    const exited = once(run.child, 'exit');
    process.kill(-run.child.pid!, 'SIGTERM');
    await exited;
    expect(await portIsClosed(run.port)).toBe(true);
  }, 180_000);

  withBuild('also stops when only npm itself is sent SIGTERM', async () => {
    const run = await launch('npm', ['run', 'emulator', '--silent']);
    run.child.kill('SIGTERM');
    await once(run.child, 'exit');
    for (let i = 0; i < 100 && !(await portIsClosed(run.port)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await portIsClosed(run.port)).toBe(true);
  }, 180_000);

  it.each(['SIGTERM', 'SIGINT'] as const)('exits with code 0 on %s', async (signal) => {
    const run = await launchEntry();
    await sdkWorks(run.connectionString);
    run.child.kill(signal);
    const [code] = (await once(run.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('honours ACS_EMULATOR_PORT, ACS_EMULATOR_ACCESS_KEY and --data-dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'acs-emulator-cli-'));
    const accessKey = Buffer.alloc(32, 3).toString('base64');
    try {
      const free = await launchEntry();
      const port = free.port;
      free.child.kill('SIGTERM');
      await once(free.child, 'exit');

      const env = { ACS_EMULATOR_PORT: String(port), ACS_EMULATOR_ACCESS_KEY: accessKey };
      const first = await launchEntry(['--data-dir', dataDir], env);
      expect(first.connectionString).toBe(`endpoint=http://127.0.0.1:${port}/;accesskey=${accessKey}`);
      const client = new CommunicationIdentityClient(first.connectionString, { allowInsecureConnection: true });
      const user = await client.createUser();
      first.child.kill('SIGTERM');
      await once(first.child, 'exit');

      const second = await launchEntry([], { ...env, ACS_EMULATOR_DATA_DIR: dataDir });
      const again = new CommunicationIdentityClient(second.connectionString, { allowInsecureConnection: true });
      expect((await again.getToken(user, ['voip'])).token).toBeTruthy();
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
