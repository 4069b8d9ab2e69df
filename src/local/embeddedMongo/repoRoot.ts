import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The directory holding the project's package.json. Walks up from this file, so it works
 * from src/ (tsx, ts-jest) and from dist/src/ (compiled) alike, whatever the cwd is.
 */
export function findRepoRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `Cannot find the project root (a directory with package.json) above ${fileURLToPath(import.meta.url)}.`,
      );
    }
    dir = parent;
  }
}
