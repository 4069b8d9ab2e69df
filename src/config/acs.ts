import { z } from 'zod';
import { ConfigError, optionalString, type AreaContext, type EnvOf } from './env.js';

export const acsEnv = {
  COMMUNICATION_SERVICES_CONNECTION_STRING: optionalString,
  COMMUNICATION_SERVICES_ENDPOINT: optionalString.pipe(z.url().optional()),
  COMMUNICATION_SERVICES_ACCESSKEY: optionalString,
  ACS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  ACS_CUSTOM_ID: z.enum(['auto', 'on', 'off']).default('auto'),
};

/** How the gateway reaches and signs for a real ACS resource. */
export type AcsCredential =
  | { kind: 'connectionString'; connectionString: string; endpoint: string }
  | { kind: 'accessKey'; endpoint: string; accessKey: string }
  | { kind: 'managedIdentity'; endpoint: string };

/** Whether to create identities with a customId (ACS API 2025-03-02-preview, a preview), trusted once ACS echoes it; see README. */
export type CustomIdMode = 'auto' | 'on' | 'off';

/** A real ACS resource, or (outside production only) the local emulator started for the purpose; read by bootstrap/acs.ts. */
export type AcsConfig = (AcsCredential | { kind: 'embeddedEmulator' }) & { timeoutMs: number; customId: CustomIdMode };

const CONNECTION_STRING_PATTERN = /^endpoint=(.*);accesskey=(.*)$/i;

export function acsConfig(e: EnvOf<typeof acsEnv>, { production }: AreaContext): AcsConfig {
  return { ...acsResource(e, production), timeoutMs: e.ACS_TIMEOUT_MS, customId: e.ACS_CUSTOM_ID };
}

function acsResource(e: EnvOf<typeof acsEnv>, production: boolean): AcsCredential | { kind: 'embeddedEmulator' } {
  const connectionString = e.COMMUNICATION_SERVICES_CONNECTION_STRING;
  if (connectionString) {
    const match = CONNECTION_STRING_PATTERN.exec(connectionString);
    if (!match?.[1] || !match[2]) {
      throw new ConfigError(
        'COMMUNICATION_SERVICES_CONNECTION_STRING must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key>.',
      );
    }
    const endpoint = checkEndpoint(match[1], 'COMMUNICATION_SERVICES_CONNECTION_STRING');
    return { kind: 'connectionString', connectionString, endpoint };
  }
  if (e.COMMUNICATION_SERVICES_ENDPOINT) {
    const endpoint = checkEndpoint(e.COMMUNICATION_SERVICES_ENDPOINT, 'COMMUNICATION_SERVICES_ENDPOINT');
    if (e.COMMUNICATION_SERVICES_ACCESSKEY) {
      return { kind: 'accessKey', endpoint, accessKey: e.COMMUNICATION_SERVICES_ACCESSKEY };
    }
    if (!endpoint.startsWith('https://')) {
      throw new ConfigError('COMMUNICATION_SERVICES_ENDPOINT must be https:// for managed identity (bearer tokens are never sent over plain http).');
    }
    return { kind: 'managedIdentity', endpoint };
  }
  if (e.COMMUNICATION_SERVICES_ACCESSKEY) {
    throw new ConfigError('COMMUNICATION_SERVICES_ACCESSKEY is set but COMMUNICATION_SERVICES_ENDPOINT is not; set both.');
  }
  if (production) {
    throw new ConfigError(
      'No ACS resource configured. In production set COMMUNICATION_SERVICES_CONNECTION_STRING, or COMMUNICATION_SERVICES_ENDPOINT (with COMMUNICATION_SERVICES_ACCESSKEY, or alone for managed identity).',
    );
  }
  return { kind: 'embeddedEmulator' };
}

/** Plain http is only for a loopback emulator; keys must not cross a network in clear. */
function checkEndpoint(raw: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${variable} has an endpoint that is not a URL.`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(`${variable} must use https:// (plain http is allowed only for a loopback emulator).`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new ConfigError(`${variable} must be the resource's root URL, with no path.`);
  }
  return url.origin + '/';
}
