import { z } from 'zod';
import { booleanFlag, ConfigError, optionalString, type AreaContext, type EnvOf } from './env.js';

export const trustedDocumentsEnv = {
  TRUSTED_DOCUMENTS: optionalString,
  TRUSTED_DOCUMENTS_ONLY: booleanFlag(false).optional(),
  TRUSTED_DOCUMENTS_ROUTER_SECRET: optionalString,
};

/** The trusted documents' options (trustedDocuments/manifest.ts, gate.ts). */
export interface TrustedDocumentsConfig {
  /** The manifest ({"sha256:<hex>": "<document>"}, the client preset's format); unset: the committed one, beside package.json. */
  manifestPath?: string;
  /** Refuse every document not in the manifest, before parsing (on by default in production). */
  only: boolean;
  /** A router sending this in x-router-secret may send its own documents (query plans) when `only` is on. */
  routerSecret?: string;
}

export function trustedDocumentsConfig(e: EnvOf<typeof trustedDocumentsEnv>, { production }: AreaContext): { trustedDocuments: TrustedDocumentsConfig } {
  const secret = e.TRUSTED_DOCUMENTS_ROUTER_SECRET;
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('TRUSTED_DOCUMENTS_ROUTER_SECRET must be at least 32 characters (e.g. openssl rand -base64 32); the router sends it in x-router-secret.');
  }
  return {
    trustedDocuments: {
      ...(e.TRUSTED_DOCUMENTS && { manifestPath: e.TRUSTED_DOCUMENTS }),
      only: e.TRUSTED_DOCUMENTS_ONLY ?? production,
      ...(secret && { routerSecret: secret }),
    },
  };
}
