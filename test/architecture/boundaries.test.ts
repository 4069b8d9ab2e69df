// Reads the imports of every production source file: the stand-ins stay out of production's dependency graph.
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { packageOf, STAND_IN_PACKAGES, STAND_IN_SOURCE_DIR } from './standIns.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface ImportSite {
  file: string;
  specifier: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Static imports, re-exports and dynamic imports with a literal specifier, as TypeScript itself finds them. */
function importsOf(file: string): ImportSite[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => ({ file, specifier: fileName }));
}

const productionFiles = sourceFiles('src').filter((file) => !file.startsWith(`${STAND_IN_SOURCE_DIR}/`));
const productionImports = productionFiles.flatMap(importsOf);
const bare = productionImports.filter(({ specifier }) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier));

describe('production code and the stand-ins', () => {
  it('reads a real import graph', () => {
    expect(productionFiles.length).toBeGreaterThan(50);
    expect(productionImports.length).toBeGreaterThan(200);
    // The parser sees dynamic imports too: app.ts loads nothing dynamically, but start.ts loads app.js that way.
    expect(productionImports).toContainEqual({ file: 'src/start.ts', specifier: './app.js' });
  });

  it(`never imports ${STAND_IN_SOURCE_DIR}/, statically or dynamically`, () => {
    const intoLocal = productionImports.filter(({ file, specifier }) => {
      if (!specifier.startsWith('.')) return false;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      return target === STAND_IN_SOURCE_DIR || target.startsWith(`${STAND_IN_SOURCE_DIR}/`);
    });
    expect(intoLocal).toEqual([]);
  });

  it('imports no stand-in package', () => {
    expect(bare.filter(({ specifier }) => (STAND_IN_PACKAGES as readonly string[]).includes(packageOf(specifier)))).toEqual([]);
  });

  it('reaches the stand-ins only through the one loader, whose specifier the production build cannot follow', () => {
    const nonLiteral = productionFiles.filter((file) => /\bimport\(\s*[^'"`\s)]/.test(readFileSync(path.join(ROOT, file), 'utf8')));
    expect(nonLiteral).toEqual(['src/bootstrap/localStack.ts']);
    expect(readFileSync(path.join(ROOT, 'src/bootstrap/localStack.ts'), 'utf8')).toContain("'../local/index.js'");
  });

  it('imports only packages that a production install has (dependencies, not devDependencies)', () => {
    const missing = [...new Set(bare.map(({ specifier }) => packageOf(specifier)))].filter((name) => !(name in manifest.dependencies));
    expect(missing).toEqual([]);
  });

  it('lists no stand-in package among the production dependencies', () => {
    expect(Object.keys(manifest.dependencies).filter((name) => (STAND_IN_PACKAGES as readonly string[]).includes(name))).toEqual([]);
  });
});
