import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { ConfigError } from '../config/config.js';
import { defaultManifestPath } from './defaultManifest.js';

/** A document the gateway was built with: its text, parsed and validated once at start. */
export interface TrustedDocument {
  /** Lower-case hex SHA-256 of `text`. */
  hash: string;
  text: string;
  document: DocumentNode;
}

export type TrustedDocuments = ReadonlyMap<string, TrustedDocument>;

/** The client preset writes `sha256:<hex>` keys; a bare 64-hex key (older presets, other tools) is read too. */
const MANIFEST_KEY = /^(?:sha256:)?([0-9a-f]{64})$/;
const manifestShape = z.record(z.string(), z.string().min(1));

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface LoadManifestOptions {
  schema: GraphQLSchema;
  /** Off: no trusted document may introspect either (Apollo's own rule for free documents). */
  introspection: boolean;
}

/**
 * Reads TRUSTED_DOCUMENTS: every key must be the SHA-256 of its text, and every text must parse and validate
 * against the schema, or the start stops naming the key. What a request later names by id is then known good.
 * The query limits (depth, cost, tokens…) are not applied: they bound what strangers send, and these documents
 * are the deployment's own (the entity limits, checked per request on the variables, still apply).
 */
export async function loadTrustedDocuments(manifestPath: string | undefined, options: LoadManifestOptions): Promise<TrustedDocuments> {
  const path = manifestPath ?? defaultManifestPath();
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`TRUSTED_DOCUMENTS: cannot read the manifest ${path} (${(error as Error).message}).`);
  }
  const shaped = manifestShape.safeParse(raw);
  if (!shaped.success) throw new ConfigError(`TRUSTED_DOCUMENTS: ${path} must be a JSON object of "sha256:<hex>": "<document>" entries.`);
  const documents = new Map<string, TrustedDocument>();
  for (const [key, text] of Object.entries(shaped.data)) {
    const hash = MANIFEST_KEY.exec(key)?.[1];
    if (!hash) throw new ConfigError(`TRUSTED_DOCUMENTS: the key "${key.slice(0, 80)}" in ${path} is not "sha256:" and 64 lower-case hex digits.`);
    if (sha256Hex(text) !== hash) throw new ConfigError(`TRUSTED_DOCUMENTS: the key "${key}" in ${path} is not the SHA-256 of its document.`);
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (error) {
      throw new ConfigError(`TRUSTED_DOCUMENTS: the document "${key}" in ${path} does not parse: ${(error as Error).message}`);
    }
    const rules = [...specifiedRules, ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
    const errors = validate(options.schema, document, rules);
    if (errors.length > 0) {
      throw new ConfigError(`TRUSTED_DOCUMENTS: the document "${key}" in ${path} does not validate against the schema: ${errors[0]!.message}`);
    }
    documents.set(hash, { hash, text, document });
  }
  return documents;
}
