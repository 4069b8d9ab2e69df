import 'reflect-metadata';
import { printSubgraphSchema } from '@apollo/subgraph';
import { buildGatewaySchema } from '../schema.js';

export const SCHEMA_HEADER = [
  '# GENERATED FILE, do not edit: `npm run schema` prints it from the TypeGraphQL code (src/graphql).',
  '# The Apollo Federation 2 subgraph schema of the ACS identity gateway, federation directives included.',
  '# `npm run schema:check` (and test/federation/schemaDrift.test.ts) fail when it differs from the code.',
].join('\n');

/** The subgraph schema as `schema.graphql` holds it. Building needs no services: no resolver runs. */
export async function printGatewaySchema(): Promise<string> {
  const unused = new Proxy({}, {
    get(_target, property) {
      throw new Error(`Printing the schema uses no service (asked for ${String(property)}).`);
    },
  }) as never;
  const schema = await buildGatewaySchema({ identities: unused, teams: unused, audit: unused, logger: unused });
  return `${SCHEMA_HEADER}\n\n${printSubgraphSchema(schema)}\n`;
}
