// The client kit's refresher inside the real AzureCommunicationTokenCredential (@azure/communication-common), against
// the real gateway, emulator and database over HTTP.
//
// Proactive refresh, honestly: the credential schedules its next refresh from the token's own `exp` (10 minutes before
// it, or, for a token already inside that window, after half its remaining life). The gateway only asks ACS for
// 60 to 1440 minutes, so the emulator is started with tokenLifetimeSeconds: every token it issues lives LIFETIME_S,
// whatever was asked. Nothing in the SDK or the clock is faked; the credential's own timers do the refreshing.
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { decodeJwt } from 'jose';
import { AbortError, createTokenRefresher, isGatewayError, MeDocument, request, RevokeTokensDocument, type RefresherEvent, type TokenRefresher } from '@acs-identity-gateway/client';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';
import { waitFor } from '../harness/net.js';

const LIFETIME_S = 6;

let h: Harness;
const credentials: AzureCommunicationTokenCredential[] = [];
const issuedTokens: string[] = [];

beforeAll(async () => {
  // As in production: only the manifest's documents, which the kit sends by id.
  h = await startHarness({ name: 'client_credential', env: { TRUSTED_DOCUMENTS_ONLY: 'true' }, emulator: { tokenLifetimeSeconds: LIFETIME_S } });
});
afterEach(() => {
  for (const credential of credentials.splice(0)) credential.dispose();
  h.emulator.setFaults({});
});
afterAll(async () => {
  await h?.stop();
});

interface Refresh {
  at: number;
  token: string;
}

/** The kit's refresher for `sub`, wrapped to record what it returned and when (the credential is not touched). */
function refresherFor(sub: string, options: { getAuthToken?: Parameters<typeof createTokenRefresher>[0]['getAuthToken'] } = {}) {
  const events: RefresherEvent[] = [];
  const refreshes: Refresh[] = [];
  const inner = createTokenRefresher({
    endpoint: h.gateway.url,
    scopes: ['VOIP', 'CHAT'],
    expiresInMinutes: 60,
    getAuthToken: options.getAuthToken ?? (() => h.tokenFor(sub)),
    onEvent: (event) => events.push(event),
  });
  const tokenRefresher: TokenRefresher = async (signal) => {
    const token = await inner(signal);
    refreshes.push({ at: Date.now(), token });
    issuedTokens.push(token);
    return token;
  };
  return { tokenRefresher, events, refreshes };
}

function credentialWith(tokenRefresher: TokenRefresher, refreshProactively = true): AzureCommunicationTokenCredential {
  const credential = new AzureCommunicationTokenCredential({ tokenRefresher, refreshProactively });
  credentials.push(credential);
  return credential;
}

/** issueToken requests the gateway served for `sub`, from its own request log (other tests' refreshes do not count). */
function issueTokensServed(sub: string): number {
  return h.logLines.filter((line) => {
    const entry = JSON.parse(line) as { msg?: string; caller?: string; operation?: string; errorCodes?: string[] };
    return entry.msg === 'graphql request' && entry.caller === sub && entry.operation === 'issueToken' && !entry.errorCodes;
  }).length;
}

const identityOf = async (sub: string) => (await request(MeDocument, {}, { endpoint: h.gateway.url, authToken: await h.tokenFor(sub) })).me?.id;

describe('AzureCommunicationTokenCredential with createTokenRefresher, against the real gateway (TRUSTED_DOCUMENTS_ONLY)', () => {
  it('obtains a token for a new user, creating the identity once', async () => {
    expect(await identityOf('kit-new')).toBeUndefined();
    const { tokenRefresher, events } = refresherFor('kit-new');
    const { token, expiresOnTimestamp } = await credentialWith(tokenRefresher).getToken();

    const id = await identityOf('kit-new');
    expect(id).toMatch(/^8:acs:/);
    expect(await h.introspect(token)).toMatchObject({ active: true, identity: id });
    expect(expiresOnTimestamp).toBe(decodeJwt(token).exp! * 1000);
    expect(events.filter((event) => event.type === 'token')).toEqual([
      { type: 'token', operation: 'createUserAndToken', created: true, identity: { id, appUserId: 'kit-new' }, expiresOn: expect.any(String) },
    ]);

    // The next sign-in of the same user needs no creation.
    const again = refresherFor('kit-new');
    await credentialWith(again.tokenRefresher, false).getToken();
    expect(again.events).toEqual([expect.objectContaining({ type: 'token', operation: 'issueToken', created: false })]);
  });

  it('refreshes proactively, on its own timers, before each token expires', async () => {
    const { tokenRefresher, refreshes } = refresherFor('kit-proactive');
    const credential = credentialWith(tokenRefresher);
    const created = Date.now();
    // No getToken call: construction alone starts the schedule.
    expect(await waitFor(() => refreshes.length >= 3, 4 * LIFETIME_S * 1000)).toBe(true);
    credential.dispose();

    const tokens = refreshes.map((refresh) => refresh.token);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(refreshes[0]!.at - created).toBeLessThan(5_000);
    for (let i = 1; i < refreshes.length; i++) {
      const previousExpiry = decodeJwt(refreshes[i - 1]!.token).exp! * 1000;
      // Before the previous token expired, and after about half its life (the SDK's rule inside its window), not in a loop.
      expect(refreshes[i]!.at).toBeLessThan(previousExpiry);
      expect(refreshes[i]!.at - refreshes[i - 1]!.at).toBeGreaterThanOrEqual(1_500);
      expect(decodeJwt(refreshes[i]!.token).iat!).toBeGreaterThanOrEqual(decodeJwt(refreshes[i - 1]!.token).iat!);
    }
    // The newest token is the live one.
    expect(await h.introspect(tokens.at(-1)!)).toMatchObject({ active: true });
  });

  it('when the gateway refuses a proactive refresh, keeps the last token while it is valid', async () => {
    let refuse = false;
    const events: RefresherEvent[] = [];
    const tokenRefresher = createTokenRefresher({
      endpoint: h.gateway.url,
      scopes: ['voip', 'chat'],
      getAuthToken: async () => (refuse ? 'not-a-sign-in-token' : h.tokenFor('kit-keeps')),
      onEvent: (event) => events.push(event),
    });
    const credential = credentialWith(tokenRefresher);
    const first = await credential.getToken();
    refuse = true;
    expect(await waitFor(() => events.some((event) => event.type === 'refresh-failed' && event.keptToken), 2 * LIFETIME_S * 1000)).toBe(true);
    expect((await credential.getToken()).token).toBe(first.token);
    // Closer to its end the failure is passed on, and from the credential's timer nobody awaits it: what keeps a Node
    // process alive then is shown with real processes (package.test.ts); jest would count it as this test's error.
    credential.dispose();
    const failed = events.filter((event) => event.type === 'refresh-failed');
    expect(failed.every((event) => isGatewayError(event.error, 'UNAUTHENTICATED'))).toBe(true);
  });

  it('hands out the current token between refreshes without asking the gateway', async () => {
    const { tokenRefresher, refreshes } = refresherFor('kit-cached');
    const credential = credentialWith(tokenRefresher, false);
    const first = await credential.getToken();
    const second = await credential.getToken();
    expect(second.token).toBe(first.token);
    expect(refreshes).toHaveLength(1);
  });

  it('recovers from an expired sign-in token by asking for a fresh one once', async () => {
    const asked: boolean[] = [];
    const expired = await h.issuer.token('kit-expired', { expiresIn: Math.floor(Date.now() / 1000) - 300 });
    const { tokenRefresher, events } = refresherFor('kit-expired', {
      getAuthToken: ({ forceRefresh }) => {
        asked.push(forceRefresh);
        return forceRefresh ? h.tokenFor('kit-expired') : expired;
      },
    });
    const { token } = await credentialWith(tokenRefresher, false).getToken();
    expect(await h.introspect(token)).toMatchObject({ active: true });
    expect(asked).toEqual([false, true]);
    expect(events[0]).toEqual({ type: 'sign-in-refused', operation: 'IssueToken' });

    // A sign-in that stays refused fails with UNAUTHENTICATED after that one retry.
    const stuck = refresherFor('kit-expired', { getAuthToken: () => expired });
    const error = await credentialWith(stuck.tokenRefresher, false).getToken().catch((e: unknown) => e);
    expect(isGatewayError(error, 'UNAUTHENTICATED')).toBe(true);
    expect((error as Error).message).not.toContain(expired);
  });

  it('stops when aborted while the gateway is slow, and works again afterwards', async () => {
    const { tokenRefresher } = refresherFor('kit-abort');
    await credentialWith(tokenRefresher, false).getToken(); // the identity exists from here on
    const credential = credentialWith(tokenRefresher, false);
    h.emulator.setFaults({ latencyMs: 4_000 }); // every ACS call, hence every issueToken, takes 4 s
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const error = await credential.getToken({ abortSignal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(1_500);

    h.emulator.setFaults({});
    const { token } = await credential.getToken();
    expect(await h.introspect(token)).toMatchObject({ active: true });
  });

  it('after revokeTokens, the next proactive refresh brings a token the emulator calls active', async () => {
    const { tokenRefresher, refreshes } = refresherFor('kit-revoke');
    const credential = credentialWith(tokenRefresher);
    const before = await credential.getToken();
    expect(await h.introspect(before.token)).toMatchObject({ active: true });

    const revoked = await request(RevokeTokensDocument, {}, { endpoint: h.gateway.url, authToken: await h.tokenFor('kit-revoke') });
    expect(revoked.revokeTokens.revokedAt).toEqual(expect.any(String));
    expect(await h.introspect(before.token)).toMatchObject({ active: false, reason: 'revoked' });

    const seen = refreshes.length;
    expect(await waitFor(() => refreshes.length > seen, 2 * LIFETIME_S * 1000)).toBe(true);
    const after = await credential.getToken();
    expect(after.token).not.toBe(before.token);
    expect(await h.introspect(after.token)).toMatchObject({ active: true });
  });

  it('shares one gateway call between credentials that refresh at the same moment', async () => {
    const { tokenRefresher, refreshes } = refresherFor('kit-shared');
    await credentialWith(tokenRefresher, false).getToken(); // the identity exists from here on
    h.emulator.setFaults({ latencyMs: 300 }); // so the calls overlap
    const issuedBefore = issueTokensServed('kit-shared');
    const chat = credentialWith(tokenRefresher, false);
    const calling = credentialWith(tokenRefresher, false);
    const [a, b] = await Promise.all([chat.getToken(), calling.getToken()]);
    expect(a.token).toBe(b.token);
    expect(issueTokensServed('kit-shared') - issuedBefore).toBe(1);
    expect(refreshes).toHaveLength(3); // 1 + one per credential, both given the one token
  });

  it('never lets a token reach the gateway logs', () => {
    expect(issuedTokens.length).toBeGreaterThan(5);
    const logs = h.logLines.join('\n');
    for (const token of issuedTokens) expect(logs).not.toContain(token.split('.')[2]);
  });
});
