import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The committed manifest, operations/trusted-documents.json beside the project's package.json: found by walking up
 * from this file, so it is the same from src/ (tsx, jest), dist/src/ and the image's /app, whatever the cwd.
 */
export function defaultManifestPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), 'operations', 'trusted-documents.json');
    dir = parent;
  }
  return join(dir, 'operations', 'trusted-documents.json');
}
