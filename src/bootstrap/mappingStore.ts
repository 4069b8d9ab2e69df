import type { Connection } from 'mongoose';
import type { GatewayConfig } from '../config/config.js';
import { identityMappingModel } from '../models/identityMapping.js';
import { MappingStore } from '../services/mappingStore.js';

/**
 * The mapping store as the gateway and `npm run reconcile` both use it, with its indexes in place.
 * `ferretDb`: what isFerretDb(connection) said, asked once by the caller.
 */
export async function mappingStoreFor(connection: Connection, config: GatewayConfig, acsResource: string, ferretDb: boolean): Promise<MappingStore> {
  const model = identityMappingModel(connection);
  await model.createIndexes();
  return new MappingStore(model, {
    acsResource,
    pendingWaitMs: config.pendingMappingWaitMs,
    stateCheckedInCode: ferretDb,
  });
}
