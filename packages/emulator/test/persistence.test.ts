// dataDir: identities, revocations, the signing key and the resource id survive a restart.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startEmulator } from '../src/index.js';
import { introspect } from './helpers.js';

describe('dataDir persistence', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'acs-emulator-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps identities, revocations and token validity across close + restart', async () => {
    const accessKey = Buffer.alloc(32, 7).toString('base64');
    const first = await startEmulator({ dataDir, accessKey });
    const client1 = new CommunicationIdentityClient(first.connectionString, { allowInsecureConnection: true });
    const kept = await client1.createUserAndToken(['chat']);
    const revoked = await client1.createUserAndToken(['voip']);
    await client1.revokeTokens(revoked.user);
    const gone = await client1.createUser();
    await client1.deleteUser(gone);
    const resourceId = first.resourceId;
    await first.close();
    expect((await readdir(dataDir)).sort()).toEqual(['signing-key.json', 'state.json']);

    const second = await startEmulator({ dataDir, accessKey });
    try {
      expect(second.resourceId).toBe(resourceId);
      expect(second.stats()).toMatchObject({ identities: 2, deleted: 1, revoked: 1 });
      expect((await introspect(second, kept.token)).body).toMatchObject({ active: true });
      expect((await introspect(second, revoked.token)).body).toMatchObject({ active: false, reason: 'revoked' });

      const client2 = new CommunicationIdentityClient(second.connectionString, { allowInsecureConnection: true });
      const fresh = await client2.getToken(kept.user, ['voip']);
      expect((await introspect(second, fresh.token)).body).toMatchObject({ active: true });
      await expect(client2.getToken(gone, ['chat'])).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await second.close();
    }
  });

  it('without a dataDir, a restart starts empty', async () => {
    const first = await startEmulator();
    await new CommunicationIdentityClient(first.connectionString, { allowInsecureConnection: true }).createUser();
    await first.close();
    const second = await startEmulator();
    expect(second.listIdentities()).toEqual([]);
    expect(second.resourceId).not.toBe(first.resourceId);
    await second.close();
  });
});
