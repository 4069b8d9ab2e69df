import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { DocumentNode } from 'graphql';
import type { TrustedDocuments } from './manifest.js';

/**
 * Apollo's document store, keyed `<schema hash>:<SHA-256 of the text>`, with the trusted documents always in it:
 * their key is their manifest id, so Apollo finds them parsed and validated and skips both, however many free
 * documents (with TRUSTED_DOCUMENTS_ONLY off) pass through the bounded cache behind.
 */
export class TrustedDocumentStore implements KeyValueCache<DocumentNode> {
  constructor(
    private readonly trusted: TrustedDocuments,
    private readonly others: KeyValueCache<DocumentNode>,
  ) {}

  async get(key: string): Promise<DocumentNode | undefined> {
    return this.trusted.get(hashOf(key))?.document ?? this.others.get(key);
  }

  async set(key: string, value: DocumentNode, options?: KeyValueCacheSetOptions): Promise<void> {
    if (!this.trusted.has(hashOf(key))) await this.others.set(key, value, options);
  }

  async delete(key: string): Promise<boolean | void> {
    return this.others.delete(key);
  }
}

const hashOf = (key: string): string => key.slice(key.lastIndexOf(':') + 1);
