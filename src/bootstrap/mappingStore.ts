import type { Connection } from 'mongoose';
import type { GatewayConfig } from '../config/config.js';
import { identityMappingModel } from '../models/identityMapping.js';
import { MappingStore } from '../services/mappingStore.js';
import { isFerretDb } from './mongo.js';

/** The mapping store as the gateway and `npm run reconcile` both use it, with its indexes in place. */
export async function mappingStoreFor(connection: Connection, config: GatewayConfig, acsResource: string): Promise<MappingStore> {
  const model = identityMappingModel(connection);
  await model.createIndexes();
  return new MappingStore(model, {
    acsResource,
    pendingWaitMs: config.pendingMappingWaitMs,
    stateCheckedInCode: await isFerretDb(connection),
  });
}
