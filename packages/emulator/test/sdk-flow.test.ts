// The seeds' quickstart flow with the unmodified SDK, three ways: connection string, key credential, TokenCredential over HTTPS.
import { AzureKeyCredential } from '@azure/core-auth';
import type { TokenCredential } from '@azure/core-auth';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { createDevEntraIssuer, startEmulator, type DevEntraIssuer, type RunningEmulator } from '../src/index.js';
import { introspect } from './helpers.js';

async function quickstart(client: CommunicationIdentityClient, emu: RunningEmulator): Promise<void> {
  const before = emu.stats();
  const user = await client.createUser();
  expect(user.communicationUserId).toMatch(new RegExp(`^8:acs:${emu.resourceId}_[0-9a-f-]{36}$`));

  const { token, expiresOn } = await client.getToken(user, ['voip']);
  expect(token.split('.')).toHaveLength(3);
  expect(expiresOn.getTime()).toBeGreaterThan(Date.now() + 1439 * 60_000);

  const both = await client.createUserAndToken(['chat', 'voip'], { tokenExpiresInMinutes: 60 });
  expect(both.user.communicationUserId).not.toBe(user.communicationUserId);
  expect(both.expiresOn.getTime()).toBeLessThanOrEqual(Date.now() + 60 * 60_000);

  // Refresh: a new token for the same identity.
  const refreshed = await client.getToken(user, ['voip'], { tokenExpiresInMinutes: 120 });
  expect(refreshed.token).not.toBe(token);

  await client.revokeTokens(user);
  expect((await introspect(emu, refreshed.token)).body).toMatchObject({ active: false, reason: 'revoked' });

  await client.deleteUser(user);
  expect((await introspect(emu, token)).body).toMatchObject({ active: false, reason: 'deleted' });
  const after = emu.stats();
  expect(after.identities - before.identities).toBe(1);
  expect(after.deleted - before.deleted).toBe(1);
}

describe('SDK quickstart against the emulator', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it('works with a connection string over loopback http', async () => {
    await quickstart(new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true }), emu);
  });

  it('works with endpoint + AzureKeyCredential', async () => {
    const client = new CommunicationIdentityClient(emu.endpoint, new AzureKeyCredential(emu.accessKey), {
      allowInsecureConnection: true,
    });
    await quickstart(client, emu);
  });
});

describe('SDK quickstart over HTTPS with a TokenCredential', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    dev = await createDevEntraIssuer();
    emu = await startEmulator({ https: true, devEntra: dev });
  });
  afterAll(() => emu.close());
  let dev: DevEntraIssuer;

  // Stands in for managed identity: a token of the development Entra issuer, signed, for the given audience.
  const signedEntraToken = (aud: string) =>
    dev.mintToken({ tenantId: '6f1c2a4e-0b7d-4e8a-9c3f-2d5b7e9a1c4f', userId: '0c9a8b7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', claims: { aud } });

  const credential = (aud: string): TokenCredential & { scopes: string[] } => {
    const scopes: string[] = [];
    return {
      scopes,
      getToken: async (requested) => {
        scopes.push(...[requested].flat());
        return { token: await signedEntraToken(aud), expiresOnTimestamp: Date.now() + 3600_000 };
      },
    };
  };

  it('trusts the self-signed cert through the client tlsOptions and accepts the bearer token', async () => {
    expect(emu.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const cred = credential('https://communication.azure.com');
    // Only this client trusts the emulator's CA; TLS verification stays on.
    const client = new CommunicationIdentityClient(emu.endpoint, cred, { tlsOptions: { ca: emu.caCertPem } });
    await quickstart(client, emu);
    expect(cred.scopes).toContain('https://communication.azure.com//.default');
  });

  it('rejects a bearer token for another audience with 401 Denied', async () => {
    const client = new CommunicationIdentityClient(emu.endpoint, credential('https://graph.microsoft.com'), {
      tlsOptions: { ca: emu.caCertPem },
    });
    await expect(client.createUser()).rejects.toMatchObject({ statusCode: 401, code: 'Denied' });
  });

  it('fails TLS verification for a client that does not trust the cert', async () => {
    const client = new CommunicationIdentityClient(emu.endpoint, credential('https://communication.azure.com'), {
      retryOptions: { maxRetries: 0 },
    });
    await expect(client.createUser()).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});
