import { AcsIdentityClient, type AcsCallRecord } from '../acs/acsIdentityClient.js';
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
  const client = new AcsIdentityClient({ credential, tokenCredential, timeoutMs: config.acs.timeoutMs, resourceKey, onCall, customId: config.acs.customId });
  return { client, probeUrl: credential.endpoint };
}
