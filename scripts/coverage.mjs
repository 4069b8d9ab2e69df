// `npm run coverage [-- <jest arguments>]`: the README's test command (npm test) with V8 coverage, counting both the
// code jest runs in its own processes and the processes the tests start (gateways, CLIs, the emulator's CLI), then
// coverage/coverage-summary.json (istanbul json-summary), coverage/coverage-final.json, coverage/lcov.info and an
// HTML report, and the totals for production code (src/ without src/local/). Exits with jest's status.
//
// Jest measures its own processes itself (--coverageProvider=v8, mapped through ts-jest's source maps). Child
// processes write raw V8 coverage to NODE_V8_COVERAGE at exit; c8 maps it through the build's source maps (they run
// dist/, as the image does) back to src/. istanbul-lib-coverage merges the two by source location.
// Plain ESM, so that it runs without a build.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const libCoverage = require('istanbul-lib-coverage');
const libReport = require('istanbul-lib-report');
const reports = require('istanbul-reports');
const { Report } = require('c8');

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const OUT = path.join(ROOT, 'coverage');
const RAW = path.join(OUT, 'v8-processes');
const JEST_OUT = path.join(OUT, 'jest');

rmSync(OUT, { recursive: true, force: true });
mkdirSync(RAW, { recursive: true });

// The array option first: a boolean after it ends its values, so that test paths given here stay test paths.
const jestArgs = ['--coverageReporters=json', '--coverage', '--coverageProvider=v8', `--coverageDirectory=${JEST_OUT}`, ...process.argv.slice(2)];
const status = await new Promise((resolve) => {
  const child = spawn('npm', ['test', '--', ...jestArgs], {
    cwd: ROOT,
    stdio: 'inherit',
    // Every process the tests start inherits it. Node's compile cache is off: code loaded from it is not measured.
    env: { ...process.env, NODE_V8_COVERAGE: RAW, NODE_DISABLE_COMPILE_CACHE: '1' },
  });
  child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});

const map = libCoverage.createCoverageMap({});
try {
  map.merge(JSON.parse(readFileSync(path.join(JEST_OUT, 'coverage-final.json'), 'utf8')));
} catch (error) {
  console.error(`coverage: jest wrote no coverage (${error.message})`);
}
// Only what child processes ran from the build; jest's own processes are measured by jest, above.
const children = new Report({
  tempDirectory: RAW,
  reportsDirectory: OUT,
  reporter: [],
  include: ['dist/src/**', 'packages/emulator/dist/**'],
  exclude: ['**/*.test.*'],
  excludeAfterRemap: false,
  excludeNodeModules: true,
  src: [ROOT],
  all: false,
  mergeAsync: true,
});
map.merge(await children.getCoverageMapFromAllCoverageFiles());
// Only the sources: nothing under dist/ (a build without its source map) or outside the project's src/ trees.
map.filter((file) => /\/(src|packages\/emulator\/src|clients\/web\/src)\//.test(file) && !file.includes('/dist/') && file.endsWith('.ts'));

const context = libReport.createContext({ dir: OUT, coverageMap: map, defaultSummarizer: 'nested' });
for (const name of ['json-summary', 'json', 'lcovonly', 'html']) reports.create(name).execute(context);
rmSync(RAW, { recursive: true, force: true });

const production = libCoverage.createCoverageSummary();
const productionFiles = map.files().filter((file) => file.startsWith(path.join(ROOT, 'src') + path.sep) && !file.startsWith(path.join(ROOT, 'src', 'local') + path.sep));
for (const file of productionFiles) production.merge(map.fileCoverageFor(file).toSummary());
const figures = Object.fromEntries(['lines', 'branches', 'functions', 'statements'].map((kind) => [kind, production[kind]]));
writeFileSync(path.join(OUT, 'production-summary.json'), `${JSON.stringify({ files: productionFiles.length, ...figures }, null, 2)}\n`);
const line = (kind) => `${kind} ${production[kind].pct}% (${production[kind].covered}/${production[kind].total})`;
console.log(`\nCoverage of production code (src/ without src/local/, ${productionFiles.length} files): ${['lines', 'branches', 'functions'].map(line).join(', ')}`);
console.log('Per file: coverage/coverage-summary.json, coverage/index.html');
process.exit(status);
