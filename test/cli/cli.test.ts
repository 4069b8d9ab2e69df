// The command-line tools as a user runs them: --help, one-line errors for bad values, and the Node version check.
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

let dataDir: string;
beforeAll(async () => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  dataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-cli-'));
}, 180_000);
afterAll(() => rm(dataDir, { recursive: true, force: true }));

async function cli(script: string, args: string[], node = NODE, nodeArgs: string[] = []): Promise<Outcome> {
  const env = { ...process.env, DATA_DIR: dataDir, NODE_OPTIONS: '' };
  return run(node, [...nodeArgs, path.join(ROOT, script), ...args], { cwd: ROOT, env, timeout: 30_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const DEV_TOKEN = 'dist/src/local/cli/dev-token.js';
const RECONCILE = 'dist/src/cli/reconcile.js';
const SCHEMA = 'dist/scripts/print-schema.js';
const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+[(:]\d+/m);

describe('the command-line tools', () => {
  it.each([DEV_TOKEN, RECONCILE, SCHEMA])('%s --help prints its usage and options, and exits 0', async (script) => {
    const outcome = await cli(script, ['--help']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^Usage: npm run /);
    expect(outcome.stdout).toContain('--help');
  });

  it.each([
    [DEV_TOKEN, ['--bogus'], /Unknown option '--bogus'/],
    [DEV_TOKEN, [], /--sub is required/],
    [DEV_TOKEN, ['--sub', 'alice', '--expires-in', 'soon'], /--expires-in takes 60 to 86400 seconds, not "soon"/],
    [DEV_TOKEN, ['--sub', 'a'.repeat(300)], /--sub must be at most 256 characters long/],
    [DEV_TOKEN, ['--sub', 'al\u202Eice'], /--sub must not contain control, format/],
    [RECONCILE, ['--stale-after=-5'], /--stale-after takes a whole number of milliseconds, not "-5"/],
    [RECONCILE, ['--stale-after', 'soon'], /--stale-after takes a whole number of milliseconds, not "soon"/],
    [RECONCILE, ['--stale-after'], /argument missing|requires an argument/i],
    [SCHEMA, ['--nope'], /Unknown option '--nope'/],
  ])('%s %j fails with one clear line and exit code 2, never a stack trace', async (script, args, message) => {
    const outcome = await cli(script, args as string[]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(message as RegExp);
    expect(outcome.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    noStackTrace(outcome.stderr);
  });

  it.each([
    ['dev-token', ['--bogus']],
    ['reconcile', ['--stale-after', 'soon']],
  ])('npm run %s -- %j: the refusal is the last thing on stderr, nothing from npm after it', async (script, args) => {
    const direct = await cli(script === 'dev-token' ? DEV_TOKEN : RECONCILE, args);
    const env = { ...process.env, DATA_DIR: dataDir, NODE_OPTIONS: '' };
    const outcome: Partial<Outcome> = await run('npm', ['run', script, '--', ...args], { cwd: ROOT, env, timeout: 60_000 }).catch((error: Outcome) => error);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(direct.stderr);
    // stdout: npm's banner, and no JSON report of the failure.
    expect(outcome.stdout).not.toContain('{');
  }, 90_000);

  it('dev-token prints a token alone on its last line', async () => {
    const outcome = await cli(DEV_TOKEN, ['--sub', 'alice', '--role', 'identity.admin']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout.trim().split('\n').at(-1)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('reconcile with a configuration it cannot use says why in one line', async () => {
    const outcome: Partial<Outcome> = await run(NODE, [path.join(ROOT, RECONCILE)], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: '' },
    }).catch((error: Outcome) => error);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^Cannot reconcile: .*MONGODB_URI/);
    noStackTrace(outcome.stderr!);
  });
});

describe('the gateway in production without MONGODB_URI', () => {
  it('exits non-zero at start, naming the variable, and starts no embedded database', async () => {
    const productionDataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-production-'));
    try {
      const outcome: Partial<Outcome> = await run(NODE, [path.join(ROOT, 'dist/src/main.js')], {
        cwd: ROOT,
        timeout: 30_000,
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          NODE_ENV: 'production',
          DATA_DIR: productionDataDir,
          COMMUNICATION_SERVICES_CONNECTION_STRING: `endpoint=https://res.communication.azure.com/;accesskey=${Buffer.alloc(32, 7).toString('base64')}`,
          AUTH_ISSUER: 'https://login.example.com/',
          AUTH_AUDIENCE: 'api://gateway',
          AUTH_JWKS_URI: 'https://login.example.com/jwks',
        },
      }).catch((error: Outcome) => error);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toMatch(/^Cannot start: MONGODB_URI must be set in production/);
      noStackTrace(outcome.stderr!);
      // Nothing was started or written: the data folder is as it was made, empty.
      expect(readdirSync(productionDataDir)).toEqual([]);
    } finally {
      await rm(productionDataDir, { recursive: true, force: true });
    }
  });
});

describe('the gateway entry point on an older Node', () => {
  // The machine's own node is older on this project's CI machines; else an older version is simulated.
  const older = ['/usr/bin/node', '/usr/local/bin/node'].find((candidate) => {
    try {
      return Number(execFileSync(candidate, ['-p', 'process.versions.node.split(".")[0]']).toString()) < 24;
    } catch {
      return false;
    }
  });

  it(`says in one line that Node 24 is needed and how to get it (${older ?? 'simulated'})`, async () => {
    const simulate = ['--import', 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.0.0"})'];
    const outcome = older ? await cli('dist/src/main.js', [], older) : await cli('dist/src/main.js', [], NODE, simulate);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    expect(outcome.stderr).toMatch(/needs Node\.js 24 or newer; this is v\d+/);
    expect(outcome.stderr).toContain('npm start');
  });
});
