import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BROWSER_BUNDLE_OPTIONS, loadEsbuild } from '../browserPage.js';
import { CLIENT_ENTRY_SOURCE } from './clientEntry.js';

export interface GraphiqlAsset {
  contentType: string;
  body: Buffer;
}

/** The fixed file names the page and the Monaco worker loader refer to. */
export const ASSET_NAMES = ['graphiql.js', 'graphiql.css', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

export interface GraphiqlBundle {
  /** Changes with the installed package versions and the entry source; goes into asset URLs for caching. */
  version: string;
  assets: Map<AssetName, GraphiqlAsset>;
}

/** Packages whose versions decide the bundle's content. */
const BUNDLED_PACKAGES = ['graphiql', '@graphiql/react', 'react', 'react-dom', 'monaco-editor', 'monaco-graphql', 'esbuild'];

const WORKER_ENTRIES = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};

let pending: Promise<GraphiqlBundle> | undefined;

/**
 * GraphiQL 5 ships ESM with bare imports, CSS imports and Monaco web workers, which a browser cannot
 * load as they are; esbuild (already installed with tsx) bundles them once, from node_modules only.
 * The result is cached in node_modules/.cache, so only the first page load after an install waits.
 */
export function loadGraphiqlBundle(): Promise<GraphiqlBundle> {
  pending ??= buildOrReadCache().catch((error: unknown) => {
    pending = undefined; // let a later request retry, e.g. after `npm ci`
    throw error;
  });
  return pending;
}

async function buildOrReadCache(): Promise<GraphiqlBundle> {
  const require = createRequire(import.meta.url);
  // The directory holding node_modules/graphiql: esbuild resolves every bare import from there.
  const projectRoot = path.resolve(path.dirname(require.resolve('graphiql/package.json')), '..', '..');
  const version = bundleVersion(require);
  const cacheDir = path.join(projectRoot, 'node_modules', '.cache', 'acs-identity-gateway-graphiql', version);

  const cached = await readAssets(cacheDir).catch(() => undefined);
  if (cached) return { version, assets: cached };

  const files = await build(projectRoot);
  await writeCache(cacheDir, files).catch(() => {}); // a read-only node_modules only costs a rebuild next start
  return { version, assets: toAssets(files) };
}

function bundleVersion(require: NodeJS.Require): string {
  const hash = createHash('sha256').update(CLIENT_ENTRY_SOURCE);
  for (const name of BUNDLED_PACKAGES) {
    let version = 'missing';
    try {
      version = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      // monaco-* and esbuild do not all export package.json; the graphiql version pins them anyway.
    }
    hash.update(`${name}@${version}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(projectRoot: string): Promise<Map<AssetName, Uint8Array>> {
  const esbuild = await loadEsbuild('GraphiQL');
  const common = {
    ...BROWSER_BUNDLE_OPTIONS,
    outdir: path.join(projectRoot, 'graphiql-out'), // required by esbuild for naming; nothing is written
    absWorkingDir: projectRoot,
  } as const;
  const [page, workers] = await Promise.all([
    esbuild.build({
      ...common,
      stdin: { contents: CLIENT_ENTRY_SOURCE, resolveDir: projectRoot, loader: 'js', sourcefile: 'graphiql-entry.js' },
      entryNames: 'graphiql',
      // Fonts stay inside the CSS: fewer files to serve, and the CSP allows font data: URLs only.
      loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
    }),
    esbuild.build({ ...common, entryPoints: WORKER_ENTRIES }),
  ]);
  const files = new Map<AssetName, Uint8Array>();
  for (const file of [...page.outputFiles, ...workers.outputFiles]) {
    const name = path.basename(file.path);
    if (isAssetName(name)) files.set(name, file.contents);
  }
  const missing = ASSET_NAMES.filter((name) => !files.has(name));
  if (missing.length > 0) throw new Error(`The GraphiQL bundle lacks ${missing.join(', ')}.`);
  return files;
}

/** Written to a temporary directory first and renamed, so a concurrent reader never sees half a cache. */
async function writeCache(cacheDir: string, files: Map<AssetName, Uint8Array>): Promise<void> {
  const temporary = `${cacheDir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(temporary, { recursive: true });
  try {
    for (const [name, contents] of files) await writeFile(path.join(temporary, name), contents);
    await rename(temporary, cacheDir);
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

async function readAssets(cacheDir: string): Promise<Map<AssetName, GraphiqlAsset> | undefined> {
  const present = new Set(await readdir(cacheDir));
  if (!ASSET_NAMES.every((name) => present.has(name))) return undefined;
  const files = new Map<AssetName, Uint8Array>();
  for (const name of ASSET_NAMES) files.set(name, await readFile(path.join(cacheDir, name)));
  return toAssets(files);
}

function toAssets(files: Map<AssetName, Uint8Array>): Map<AssetName, GraphiqlAsset> {
  const assets = new Map<AssetName, GraphiqlAsset>();
  for (const [name, contents] of files) {
    const contentType = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(name, { contentType, body: Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength) });
  }
  return assets;
}

function isAssetName(name: string): name is AssetName {
  return (ASSET_NAMES as readonly string[]).includes(name);
}
