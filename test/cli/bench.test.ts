// `npm run bench` as a newcomer first meets it: --help lists, a typo is one line, and neither starts anything.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const run = promisify(execFile);
const benchDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('acs-gw-bench-'));

async function bench(args: string[], env: Record<string, string> = {}) {
  return run('npm', ['run', '-s', 'bench', '--', ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** The sections the README names, in its Performance section. */
const readmeSections = (): string[] => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const sentence = /The sections, in the order they run: ([^.]+)\./.exec(readme.replace(/\s+/g, ' '))![1]!;
  return [...sentence.matchAll(/`(\w+)` ?(?:\([^)]*\))?/g)].map((match) => match[1]!);
};

describe('npm run bench', () => {
  it('--help lists every section the README names and every setting, and starts nothing', async () => {
    const before = benchDirs();
    const { code, stdout, stderr } = await bench(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const sections = readmeSections();
    expect(sections).toEqual(['start', 'floor', 'compare', 'acsAway', 'trusted', 'storm', 'other', 'soak', 'profile']);
    for (const section of sections) expect(stdout).toMatch(new RegExp(`^  ${section} `, 'm'));
    const sources = ['bench/gateway.ts', 'bench/support.ts'].map((file) => readFileSync(path.join(ROOT, file), 'utf8')).join('\n');
    const settings = [...new Set(sources.match(/process\.env\.BENCH_[A-Z_]+/g)!.map((name) => name.slice('process.env.'.length)))];
    for (const setting of settings) expect(stdout).toMatch(new RegExp(`^  ${setting} `, 'm'));
    expect(benchDirs()).toEqual(before); // no data folder made, nothing started
  }, 60_000);

  it.each([
    [{ BENCH_ONLY: 'nonsense' }, 'BENCH_ONLY: unknown section "nonsense"; the sections are start, floor, compare, acsAway, trusted, storm, other, soak, profile (npm run bench -- --help).'],
    [{ BENCH_DURATION_S: '5s' }, 'BENCH_DURATION_S takes a whole number, not "5s".'],
    [{ BENCH_CONCURRENCIES: '1,16,x' }, 'BENCH_CONCURRENCIES takes a whole number or a comma list of them, not "1,16,x".'],
    [{ BENCH_ONLY: 'storm', BENCH_RECORD: '1' }, 'BENCH_ONLY: --record replaces the committed figures, so it runs every section; unset BENCH_ONLY.'],
  ])('%j is refused in one line, exit code 2, before anything starts', async (env, message) => {
    const before = benchDirs();
    const { code, stdout, stderr } = await bench([], env as Record<string, string>);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
    expect(benchDirs()).toEqual(before);
  }, 60_000);
});
