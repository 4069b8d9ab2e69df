import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from '../src/cli/parseCli.js';
import { printGatewaySchema } from '../src/graphql/federation/printSchema.js';

/**
 * `npm run schema`: prints the subgraph schema to schema.graphql.
 * `npm run schema:check`: exits 1 when schema.graphql differs from what the code produces.
 * Runs from the tsc build (dist/scripts/print-schema.js): TypeGraphQL needs emitDecoratorMetadata, which tsx lacks.
 */
const { values } = parseCli({
  usage: 'npm run schema [-- --out <file>]  |  npm run schema:check',
  description: 'Prints the subgraph schema from the TypeGraphQL code into schema.graphql, or checks that the committed file is current.',
  options: {
    check: { type: 'boolean', description: 'exit 1 when the file differs from what the code produces, instead of writing it' },
    out: { type: 'string', valueName: 'file', description: 'where to write (default: schema.graphql at the project root)' },
  },
});

const target = values.out ? resolve(values.out) : join(projectRoot(), 'schema.graphql');
const printed = await printGatewaySchema();
const shown = relative(process.cwd(), target) || target;

if (values.check) {
  const committed = existsSync(target) ? await readFile(target, 'utf8') : undefined;
  if (committed === printed) {
    console.log(`${shown} is up to date with the code.`);
  } else {
    console.error(
      committed === undefined
        ? `${shown} is missing. Run \`npm run schema\` and commit it.`
        : `${shown} differs from the schema the code produces (first difference at line ${firstDifferentLine(committed, printed)}).\n` +
            'Run `npm run schema`, review the change (clients and supergraphs depend on it), commit schema.graphql, then `npm run codegen`.',
    );
    process.exitCode = 1;
  }
} else {
  await writeFile(target, printed);
  console.log(`Wrote ${shown}.`);
}

function firstDifferentLine(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  let line = 0;
  while (line < left.length && left[line] === right[line]) line += 1;
  return line + 1;
}

/** The directory holding package.json, above this file: works from scripts/ and from dist/scripts/. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the project root (package.json) above this script.');
    dir = parent;
  }
  return dir;
}
