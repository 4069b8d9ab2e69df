import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '@acs-identity-gateway/emulator';
import { AcsIdentityClient } from '../../src/acs/acsIdentityClient.js';
import { GatewayError } from '../../src/errors.js';

/** Each ACS failure the real SDK reports, from the emulator over HTTP, reaches the gateway as its stable code. */
describe('ACS failures, through the real SDK, as the gateway reports them', () => {
  let emulator: RunningEmulator;
  let other: RunningEmulator;
  const clientFor = (connectionString: string, timeoutMs = 10_000) =>
    new AcsIdentityClient({
      credential: { kind: 'connectionString', connectionString, endpoint: /endpoint=([^;]+)/.exec(connectionString)![1]! },
      timeoutMs,
      resourceKey: 'test-resource',
    });
  const failure = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GatewayError);
    const { code, message, extensions } = error as GatewayError;
    return { code, message, retryAfterSeconds: extensions.retryAfterSeconds };
  };

  beforeAll(async () => {
    [emulator, other] = await Promise.all([startEmulator(), startEmulator()]);
  });
  afterAll(async () => {
    await Promise.all([emulator?.close(), other?.close()]);
  });
  afterEach(() => emulator.setFaults({}));

  it('an identity that does not exist: IDENTITY_NOT_FOUND', async () => {
    const acs = clientFor(emulator.connectionString);
    const id = await acs.createUser();
    await acs.deleteUser(id);
    expect(await failure(acs.getToken(id, ['chat'], 60))).toMatchObject({ code: 'IDENTITY_NOT_FOUND' });
  });

  it("another resource's identity: IDENTITY_RESOURCE_MISMATCH", async () => {
    const foreign = await clientFor(other.connectionString).createUser();
    expect(await failure(clientFor(emulator.connectionString).getToken(foreign, ['chat'], 60))).toMatchObject({ code: 'IDENTITY_RESOURCE_MISMATCH' });
  });

  it('a request ACS refuses as invalid (a lifetime out of range): BAD_USER_INPUT, without ACS\'s own message', async () => {
    const acs = clientFor(emulator.connectionString);
    const id = await acs.createUser();
    const refused = await failure(acs.getToken(id, ['chat'], 59));
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', message: 'ACS rejected the getToken request.' });
  });

  it('a wrong access key: UPSTREAM_UNAVAILABLE naming the HTTP status, for the operator', async () => {
    const wrongKey = emulator.connectionString.replace(/accesskey=.*$/, `accesskey=${Buffer.alloc(32, 7).toString('base64')}`);
    expect(await failure(clientFor(wrongKey).createUser())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/HTTP 401/) });
  });

  it('throttling that outlasts the SDK\'s retries: RATE_LIMITED with the Retry-After it was given (at least 1 s)', async () => {
    emulator.setFaults({ force429Rate: 1, retryAfterSeconds: 0 });
    expect(await failure(clientFor(emulator.connectionString).createUser())).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
  });

  it('a server error that outlasts the SDK\'s retries: UPSTREAM_UNAVAILABLE', async () => {
    emulator.setFaults({ errorRate: 1, errorStatus: 500 });
    expect(await failure(clientFor(emulator.connectionString).createUser())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/HTTP 500/) });
  });

  it('no answer within ACS_TIMEOUT_MS: UPSTREAM_UNAVAILABLE, saying it timed out', async () => {
    emulator.setFaults({ latencyMs: 3000 });
    expect(await failure(clientFor(emulator.connectionString, 300).createUser())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/in time/) });
  });

  it('nothing listening: UPSTREAM_UNAVAILABLE, saying ACS could not be reached', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = emulator.connectionString.replace(/endpoint=[^;]+/, `endpoint=http://127.0.0.1:${port}/`);
    expect(await failure(clientFor(nowhere).createUser())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/could not be reached/) });
  });
});
