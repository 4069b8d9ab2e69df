import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Connection } from 'mongoose';
import type { GatewayConfig } from '../config/config.js';
import { IdentityService } from '../identity/identityService.js';
import { identityMappingModel } from '../identity/mapping/identityMappingModel.js';
import { MappingStore } from '../identity/mapping/mappingStore.js';
import { Lease } from '../identity/reconcile/lease.js';
import { leaseModel } from '../identity/reconcile/leaseModel.js';
import { Reconciler } from '../identity/reconcile/reconciler.js';
import { cachedTokenModel } from '../identity/tokens/cachedTokenModel.js';
import type { TokenSource } from '../identity/tokens/tokenSource.js';
import type { AcsCallRecord, CustomIdState } from '../acs/acsIdentityClient.js';
import type { Logger } from '../observability/logger.js';
import { connectAcs, type ConnectedAcs } from './acs.js';
import type { Cleanups } from './cleanups.js';
import { databaseTraits, type DatabaseTraits } from './database.js';
import { connectMongo } from './mongo.js';
import type { TokenCacheResult } from '../identity/tokens/cachedTokens.js';
import { tokenSourceFor } from './tokens.js';

/** The identity core wired to ACS and MongoDB: what the gateway serves, and what `npm run reconcile` runs. */
export interface IdentityCore {
  acs: ConnectedAcs;
  connection: Connection;
  /** Asked once at start: what the server does differently from MongoDB. */
  database: DatabaseTraits;
  mappings: MappingStore;
  tokens: TokenSource;
  identities: IdentityService;
  reconciler: Reconciler;
  /** Held by whichever process reconciles: one at a time across every instance on the database. */
  reconcilerLease: Lease;
}

export interface CoreOptions {
  logger: Logger;
  /** Stop steps are added here as services start. */
  cleanups: Cleanups;
  onAcsCall?: (call: AcsCallRecord) => void;
  onCustomIdState?: (state: CustomIdState) => void;
  onMongoMonitorRestart?: (outcome: 'reconnected' | 'failed') => void;
  onTokenCacheLookup?: (result: TokenCacheResult) => void;
  /** Overrides RECONCILE_STALE_AFTER_MS (`npm run reconcile -- --stale-after`). */
  staleAfterMs?: number;
  /** Instead of asking the server: tests run MongoDB's path (MONGODB_TRAITS) against the embedded database. */
  databaseTraits?: DatabaseTraits;
}

export async function connectCore(config: GatewayConfig, options: CoreOptions): Promise<IdentityCore> {
  const { logger, cleanups } = options;
  const acs = await connectAcs(config, logger, cleanups, options.onAcsCall ?? (() => {}), options.onCustomIdState);
  const connection = await connectMongo(config, logger, cleanups, options.onMongoMonitorRestart);
  const database = options.databaseTraits ?? (await databaseTraits(connection));
  const mappingModel = identityMappingModel(connection);
  const tokenModel = cachedTokenModel(connection);
  await Promise.all([mappingModel.createIndexes(), tokenModel.createIndexes()]);

  const mappings = new MappingStore(mappingModel, {
    acsResource: acs.client.resourceKey,
    pendingWaitMs: config.pendingMappingWaitMs,
    stateCheckedInCode: database.readModifyWriteUpdates,
  });
  const tokens = await tokenSourceFor(config, acs.client, mappings, tokenModel, options.onTokenCacheLookup);
  const identities = new IdentityService(acs.client, mappings, tokens, {
    allowedScopes: config.allowedScopes,
    defaultExpiresInMinutes: config.defaultTokenExpiresInMinutes,
  }, config.scopePolicy);
  const reconciler = new Reconciler(mappings, acs.client, { staleAfterMs: options.staleAfterMs ?? config.reconcile.staleAfterMs, tokens });
  const reconcilerLease = new Lease(leaseModel(connection), 'reconciler', `${hostname()}:${process.pid}:${randomUUID()}`);
  return { acs, connection, database, mappings, tokens, identities, reconciler, reconcilerLease };
}
