import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { printGatewaySchema } from '../../src/graphql/federation/printSchema.js';
import { readSchemaFile } from './helpers.js';

describe('schema.graphql', () => {
  it('is exactly what the code prints (run `npm run schema` after changing src/graphql)', async () => {
    const printed = await printGatewaySchema();
    const committed = await readSchemaFile();
    // toEqual on the lines shows a readable diff of the drift.
    expect(committed.split('\n')).toEqual(printed.split('\n'));
  });

  it('is a Federation 2 subgraph with the two entities', async () => {
    const committed = await readSchemaFile();
    expect(committed).toMatch(/^schema @link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \["@key"\]\)/m);
    expect(committed).toContain('type CommunicationIdentity @key(fields: "id") {');
    expect(committed).toContain('type User @key(fields: "id") {');
    expect(committed).toContain('union _Entity = CommunicationIdentity | User');
  });
});

describe('clients/web/src/generated', () => {
  it('is what `npm run codegen` writes from schema.graphql and operations/ (graphql-codegen --check)', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const cli = fileURLToPath(new URL('node_modules/@graphql-codegen/cli/cjs/bin.js', `file://${root}`));
    const result = await promisify(execFile)(process.execPath, [cli, '--config', 'codegen.yml', '--check'], { cwd: root }).then(
      () => ({ code: 0, output: '' }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    expect(result).toEqual({ code: 0, output: '' });
  }, 120_000);
});
