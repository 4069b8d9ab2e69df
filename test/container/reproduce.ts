import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseEnv, splitFlags, type Dockerfile, type Stage } from './dockerfile.js';
import { isIgnored, type IgnoreRule } from './dockerignore.js';

const run = promisify(execFile);

export interface ReproductionOptions {
  /** The build context: the repository root. */
  context: string;
  ignore: IgnoreRule[];
  /** Where each stage gets its own stand-in for the image's filesystem root. */
  workDir: string;
  /** Environment for every RUN: a PATH whose `node` is Node 24, an npm cache that works offline. */
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
}

export interface StageResult {
  /** The stage's stand-in root; container path /app is `${root}/app`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  /** Seconds spent per RUN, for the report. */
  timings: Array<{ command: string; seconds: number }>;
  /** RUN commands that edit the base image's own files: not run here (there is no base image), checked by the test. */
  notRun: string[];
}

/** A path of the image's system (not of the WORKDIR), which a RUN here would take for this machine's own. */
const BASE_IMAGE_PATH = /(^|[\s;&|'"])\/(usr|bin|sbin|lib|lib64|etc|opt|var|root|home|srv)(\/|[\s;&|'"]|$)/;

/**
 * Runs a stage's COPY, WORKDIR, ENV and RUN instructions on this machine, each stage in its own directory.
 * RUN commands run as written, under `sh -c`, in the mapped WORKDIR. USER, EXPOSE, HEALTHCHECK and CMD
 * describe the running container and are checked by the test instead.
 */
export async function reproduceStage(dockerfile: Dockerfile, stage: Stage, done: Map<string, StageResult>, options: ReproductionOptions): Promise<StageResult> {
  const root = path.join(options.workDir, stage.name);
  await mkdir(root, { recursive: true });
  const result: StageResult = { root, workdir: '/', env: {}, timings: [], notRun: [] };
  const inRoot = (containerPath: string) => path.join(root, path.posix.resolve(result.workdir, containerPath));

  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'WORKDIR':
        result.workdir = path.posix.resolve(result.workdir, instruction.args);
        await mkdir(inRoot('.'), { recursive: true });
        break;
      case 'ENV':
        Object.assign(result.env, parseEnv(instruction.args));
        break;
      case 'COPY': {
        const { flags, rest } = splitFlags(instruction.args);
        const parts = rest.split(/\s+/);
        const dest = parts.pop()!;
        const from = flags.from ? done.get(flags.from) : undefined;
        if (flags.from && !from) throw new Error(`COPY --from=${flags.from}: no such stage before ${stage.name}`);
        for (const source of parts) {
          const sourcePath = from ? path.join(from.root, path.posix.resolve(from.workdir, source)) : path.join(options.context, source);
          const target = dest.endsWith('/') || parts.length > 1 ? path.join(inRoot(dest), path.basename(source)) : inRoot(dest);
          await copyTree(sourcePath, target, from ? undefined : { rules: options.ignore, relative: path.normalize(source) });
        }
        break;
      }
      case 'RUN': {
        if (BASE_IMAGE_PATH.test(instruction.args)) {
          options.log(`[${stage.name}] not run here, since it edits the base image's files: RUN ${instruction.args}`);
          result.notRun.push(instruction.args);
          break;
        }
        const started = Date.now();
        options.log(`[${stage.name}] RUN ${instruction.args}`);
        try {
          await run('sh', ['-c', instruction.args], {
            cwd: inRoot('.'),
            env: { ...options.env, ...result.env },
            maxBuffer: 64 * 1024 * 1024,
          });
        } catch (error) {
          const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
          throw new Error(`RUN ${instruction.args} failed:\n${clip(stdout)}\n${clip(stderr)}`, { cause: error });
        }
        result.timings.push({ command: instruction.args, seconds: (Date.now() - started) / 1000 });
        break;
      }
      case 'USER':
      case 'EXPOSE':
      case 'HEALTHCHECK':
      case 'CMD':
      case 'ENTRYPOINT':
      case 'LABEL':
      case 'ARG':
        break;
      default:
        throw new Error(`line ${instruction.line}: the reproduction does not know ${instruction.keyword}`);
    }
  }
  done.set(stage.name, result);
  return result;
}

/** npm puts the cause first and its usage text after it: keep both ends. */
function clip(text: string): string {
  return text.length <= 6000 ? text : `${text.slice(0, 3000)}\n…\n${text.slice(-3000)}`;
}

/** Copies a file or a directory's contents, leaving out what .dockerignore keeps from the context. */
async function copyTree(source: string, target: string, ignore?: { rules: IgnoreRule[]; relative: string }): Promise<void> {
  if (ignore && isIgnored(ignore.rules, ignore.relative.split(path.sep).join('/'))) return;
  const info = await stat(source);
  if (info.isDirectory()) {
    await mkdir(target, { recursive: true });
    for (const entry of await readdir(source)) {
      await copyTree(path.join(source, entry), path.join(target, entry), ignore && { ...ignore, relative: path.join(ignore.relative, entry) });
    }
    return;
  }
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(source, target);
}

/** A directory holding `node` → this Node 24 binary, to put first on PATH (the machine's own node may be older). */
export async function nodeShimDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await symlink(process.execPath, path.join(dir, 'node')).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return dir;
}

/** A private npm cache sharing the developer's cached tarballs (hard links), so `npm cache clean` in a RUN harms nothing. */
export async function privateNpmCache(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await run('cp', ['-al', from, to]);
  } catch {
    await run('cp', ['-a', from, to]);
  }
}

export function spawnLogged(command: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(command[0]!, command.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  return { child, output };
}
