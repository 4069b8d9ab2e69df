// The layout's rules, read from the sources: configuration by area that depends on no domain module, and short files.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

const importsOf = (file: string) =>
  ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true).importedFiles.map(({ fileName }) => fileName);

describe('the layout', () => {
  it('keeps config/ free of domain modules: it imports zod, config/ itself and the shared vocabulary only', () => {
    const outside = sourceFiles('src/config').flatMap((file) =>
      importsOf(file)
        .filter((specifier) => specifier !== 'zod')
        .map((specifier) => path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)))
        .filter((target) => !target.startsWith('src/config/') && !target.startsWith('src/vocabulary/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(outside).toEqual([]);
    // The vocabulary is a leaf: it imports nothing of the gateway.
    expect(sourceFiles('src/vocabulary').flatMap(importsOf).filter((specifier) => specifier.startsWith('.'))).toEqual([]);
  });

  it('has no file in src/ over 300 lines', () => {
    const long = sourceFiles('src')
      .map((file) => ({ file, lines: readFileSync(path.join(ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 300);
    expect(long).toEqual([]);
  });
});
