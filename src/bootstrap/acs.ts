import { AcsIdentityClient, type AcsCallRecord, type CustomIdState } from '../acs/acsIdentityClient.js';
import { CUSTOM_ID_API_VERSION } from '../acs/customIdCreator.js';
import type { AcsCredential } from '../config/acs.js';
import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Cleanups } from './cleanups.js';
import { loadLocalStack } from './localStack.js';

export interface ConnectedAcs {
  client: AcsIdentityClient;
  /** A URL whose answer (any HTTP status) shows that ACS is reachable. */
  probeUrl: string;
}

export async function connectAcs(
  config: GatewayConfig,
  logger: Logger,
  cleanups: Cleanups,
  onCall: (call: AcsCallRecord) => void,
  onCustomIdState: (state: CustomIdState) => void = () => {},
): Promise<ConnectedAcs> {
  let credential: AcsCredential;
  let resourceKey: string;
  if (config.acs.kind === 'embeddedEmulator') {
    // Loaded only when used, like @azure/identity below: both are sizeable and the start-up cost counts.
    const local = await loadLocalStack(config.production, 'the ACS emulator');
    // Its Teams route trusts what the gateway trusts: Entra's keys when configured, else the development issuer's.
    const teamsJwks = config.teams.kind === 'entra' ? new URL(config.teams.jwksUri) : undefined;
    const emulator = await local.startEmulator({ dataDir: config.dataDir, teamsJwks });
    cleanups.push(() => emulator.close());
    credential = { kind: 'connectionString', connectionString: emulator.connectionString, endpoint: emulator.endpoint };
    // The embedded emulator's port changes per start; its resource id does not.
    resourceKey = `emulator:${emulator.resourceId}`;
    logger.info({ endpoint: emulator.endpoint }, 'started the embedded ACS emulator');
  } else {
    credential = config.acs;
    resourceKey = new URL(config.acs.endpoint).host;
  }
  const tokenCredential =
    credential.kind === 'managedIdentity' ? new (await import('@azure/identity')).DefaultAzureCredential() : undefined;
  const client = new AcsIdentityClient({
    credential,
    tokenCredential,
    timeoutMs: config.acs.timeoutMs,
    resourceKey,
    onCall,
    customId: config.acs.customId,
    onCustomIdState: (state, reason) => {
      onCustomIdState(state);
      if (state === 'notInUse') {
        logger.warn({ reason }, `creating identities without customId (${CUSTOM_ID_API_VERSION}, a preview API): a retried creation relies on the reservation and the reconciler`);
      } else logger.info({ reason }, `creating identities with customId (${CUSTOM_ID_API_VERSION}, a preview API)`);
    },
  });
  onCustomIdState(client.customIdState);
  // Settled now, so the one warning comes at start; ACS_CUSTOM_ID=on refuses to start when it cannot be proven.
  await client.proveCustomId().catch((error: unknown) => {
    throw new Error(`ACS_CUSTOM_ID is on, but customId could not be proven at start: ${(error as Error).message}`, { cause: error });
  });
  return { client, probeUrl: credential.endpoint };
}
