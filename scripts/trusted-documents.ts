import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * `npm run trusted-documents`: writes operations/trusted-documents.json, the documents the gateway trusts, in the
 * client preset's format ({"sha256:<hex>": "<document>"}): the operations of operations/ as the preset normalises
 * them (its persisted-documents.json, the ids the client kit sends), and the client kit's own document strings,
 * so that the kit sending text instead of ids is trusted as well.
 * `npm run trusted-documents:check`: exits 1 when the committed file differs. Run after `npm run codegen` (it does).
 * Runs under tsx: it imports the client kit's generated TypeScript.
 */
const root = projectRoot();
const target = join(root, 'operations', 'trusted-documents.json');
const generated = join(root, 'clients', 'web', 'src', 'generated-string');

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const entries = new Map<string, string>(Object.entries(JSON.parse(await readFile(join(generated, 'persisted-documents.json'), 'utf8')) as Record<string, string>));
const kit = (await import(pathToFileURL(join(generated, 'graphql.ts')).href)) as Record<string, unknown>;
for (const value of Object.values(kit)) {
  // Operations carry their id (__meta__.hash); fragment documents alone are never sent.
  if (value instanceof String && (value as { __meta__?: { hash?: string } }).__meta__?.hash) entries.set(sha256(value.toString()), value.toString());
}
for (const [key, text] of entries) if (sha256(text) !== key) throw new Error(`${key} is not the SHA-256 of its document.`);
const manifest = `${JSON.stringify(Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b))), null, 2)}\n`;

if (process.argv.includes('--check')) {
  const committed = existsSync(target) ? await readFile(target, 'utf8') : undefined;
  if (committed !== manifest) {
    console.error('operations/trusted-documents.json is not what operations/ and the client kit produce: run `npm run codegen` and commit it.');
    process.exitCode = 1;
  } else {
    console.log(`operations/trusted-documents.json is up to date (${entries.size} documents).`);
  }
} else {
  await writeFile(target, manifest);
  console.log(`Wrote operations/trusted-documents.json (${entries.size} documents).`);
}

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}
