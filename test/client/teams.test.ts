// The kit's Teams refresher inside the real AzureCommunicationTokenCredential (@azure/communication-common), against
// the real gateway, the emulator's Teams route (trusting the development issuer, as `npm start` does) and the
// suite's database over HTTP. getTeamsUserAadToken stands in for MSAL: it mints development Teams tokens.
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { decodeJwt } from 'jose';
import {
  AbortError,
  createTeamsTokenRefresher,
  isGatewayError,
  type GetAuthToken,
  type GetTeamsUserAadToken,
  type RefresherEvent,
  type TokenRefresher,
} from '@acs-identity-gateway/client';
import { devObjectId, type DevIssuer } from '../../src/local/devIssuer.js';
import type { Harness } from '../harness/gatewayHarness.js';
import { startTeamsHarness, type TeamsHarness } from '../harness/teamsHarness.js';
import { waitFor } from '../harness/net.js';

let h: Harness;
let dev: DevIssuer;
/** A development issuer of its own, whose keys nobody trusts: an Entra token signed before a key rollover. */
let forger: DevIssuer;
let teamsStack: TeamsHarness;
const credentials: AzureCommunicationTokenCredential[] = [];
/** Every token this file hands out or gets back, to look for in the logs and the events. */
let secrets: Set<string>;
const allEvents: RefresherEvent[] = [];

beforeAll(async () => {
  teamsStack = await startTeamsHarness({ name: 'client_teams' });
  ({ h, dev, forger, secrets } = teamsStack);
});
afterEach(() => {
  for (const credential of credentials.splice(0)) credential.dispose();
  h.emulator.setFaults({});
});
afterAll(async () => {
  await teamsStack?.stop();
});

/** The caller's sign-in token for the gateway, carrying the Entra object id the Teams token must match. */
async function signIn(name: string, expiresIn?: number): Promise<string> {
  const token = await h.issuer.token(name, { claims: { oid: devObjectId(name) }, ...(expiresIn !== undefined && { expiresIn }) });
  secrets.add(token);
  return token;
}

const teamsToken: TeamsHarness['teamsToken'] = (...args) => teamsStack.teamsToken(...args);

/** The kit's Teams refresher for `name`, recording each ask for an Entra token and what it returned. */
function teamsRefresherFor(name: string, options: { getAuthToken?: GetAuthToken; getTeamsUserAadToken?: GetTeamsUserAadToken } = {}) {
  const events: RefresherEvent[] = [];
  const asks: boolean[] = [];
  const refreshes: { at: number; token: string }[] = [];
  const getTeamsUserAadToken = options.getTeamsUserAadToken ?? (() => teamsToken(name));
  const inner = createTeamsTokenRefresher({
    endpoint: h.gateway.url,
    getAuthToken: options.getAuthToken ?? (() => signIn(name)),
    getTeamsUserAadToken: (context) => {
      asks.push(context.forceRefresh);
      return getTeamsUserAadToken(context);
    },
    onEvent: (event) => {
      events.push(event);
      allEvents.push(event);
    },
  });
  const tokenRefresher: TokenRefresher = async (signal) => {
    const token = await inner(signal);
    refreshes.push({ at: Date.now(), token });
    secrets.add(token);
    return token;
  };
  return { tokenRefresher, events, asks, refreshes };
}

function credentialWith(tokenRefresher: TokenRefresher, refreshProactively = false): AzureCommunicationTokenCredential {
  const credential = new AzureCommunicationTokenCredential({ tokenRefresher, refreshProactively });
  credentials.push(credential);
  return credential;
}

/** exchangeTeamsUserToken requests the gateway answered for `caller`, from its own request log. */
function exchangesServed(caller: string): { errorCodes?: string[] }[] {
  return h.logLines
    .map((line) => JSON.parse(line) as { msg?: string; caller?: string; operation?: string; errorCodes?: string[] })
    .filter((entry) => entry.msg === 'graphql request' && entry.caller === caller && entry.operation === 'exchangeTeamsUserToken');
}

/** The Teams exchanges that reached ACS (the emulator). */
const acsExchanges = () => h.emulator.stats().requestsByOperation.exchange;

const teamsUserOf = (name: string) => `8:orgid:${devObjectId(name)}`;

describe('AzureCommunicationTokenCredential with createTeamsTokenRefresher, against the real gateway', () => {
  it("obtains a token whose identity is the Teams user, and tells the UI who and until when", async () => {
    const before = acsExchanges();
    const { tokenRefresher, events, asks } = teamsRefresherFor('teams-alice');
    const { token, expiresOnTimestamp } = await credentialWith(tokenRefresher).getToken();

    expect(await h.introspect(token)).toEqual({ active: true, identity: teamsUserOf('teams-alice'), kind: 'microsoftTeamsUser', expiresOn: expect.any(String) });
    expect(expiresOnTimestamp).toBe(decodeJwt(token).exp! * 1000);
    expect(asks).toEqual([false]);
    expect(events).toEqual([{ type: 'teams-token', operation: 'exchangeTeamsUserToken', identity: { id: teamsUserOf('teams-alice') }, expiresOn: expect.any(String) }]);
    // The event's expiry is the token's (the gateway's DateTime is to the millisecond, the JWT's exp to the second).
    expect(Math.floor(Date.parse((events[0] as { expiresOn: string }).expiresOn) / 1000)).toBe(decodeJwt(token).exp);
    expect(acsExchanges()).toBe(before + 1);
  });

  it.each<[string, (name: string) => Promise<string>]>([
    ['expired', (name) => teamsToken(name, { expiresInSeconds: -600 })],
    ['signed with a key nobody trusts', (name) => teamsToken(name, {}, forger)],
  ])('replaces a stale cached Teams token (%s) after one forceRefresh ask', async (_case, stale) => {
    const name = `teams-stale-${_case.split(' ')[0]}`;
    const { tokenRefresher, events, asks } = teamsRefresherFor(name, {
      getTeamsUserAadToken: ({ forceRefresh }) => (forceRefresh ? teamsToken(name) : stale(name)),
    });
    const { token } = await credentialWith(tokenRefresher).getToken();
    expect(await h.introspect(token)).toMatchObject({ active: true, identity: teamsUserOf(name) });
    expect(asks).toEqual([false, true]);
    expect(events.map((event) => event.type)).toEqual(['teams-token-refused', 'teams-token']);
    expect(exchangesServed(name).map((entry) => entry.errorCodes ?? 'ok')).toEqual([['TEAMS_TOKEN_INVALID'], 'ok']);
  });

  it('fails with TEAMS_TOKEN_INVALID after exactly two asks when the Teams token stays invalid, and ACS is never called', async () => {
    const before = acsExchanges();
    const { tokenRefresher, asks } = teamsRefresherFor('teams-stuck', { getTeamsUserAadToken: () => teamsToken('teams-stuck', { expiresInSeconds: -600 }) });
    const error = await credentialWith(tokenRefresher).getToken().catch((e: unknown) => e);
    expect(isGatewayError(error, 'TEAMS_TOKEN_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/^ExchangeTeamsUserToken failed: TEAMS_TOKEN_INVALID: .*expired/);
    expect(asks).toEqual([false, true]);
    expect(exchangesServed('teams-stuck')).toHaveLength(2);
    expect(acsExchanges()).toBe(before);
  });

  it("answers another user's Teams token with FORBIDDEN, asking for no other token and retrying nothing", async () => {
    const before = acsExchanges();
    const { tokenRefresher, asks } = teamsRefresherFor('teams-bob', { getTeamsUserAadToken: () => teamsToken('teams-alice') });
    const error = await credentialWith(tokenRefresher).getToken().catch((e: unknown) => e);
    expect(isGatewayError(error, 'FORBIDDEN')).toBe(true);
    expect((error as Error).message).toContain("another user's");
    expect(asks).toEqual([false]);
    expect(exchangesServed('teams-bob')).toEqual([expect.objectContaining({ errorCodes: ['FORBIDDEN'] })]);
    expect(acsExchanges()).toBe(before);
  });

  it('answers TEAMS_EXCHANGE_DISABLED from a gateway with Teams turned off, without a second ask', async () => {
    const off = await h.startInstance({ TEAMS_ENABLED: 'false' });
    const asks: boolean[] = [];
    const refresher = createTeamsTokenRefresher({
      endpoint: off.url,
      getAuthToken: () => signIn('teams-off'),
      getTeamsUserAadToken: ({ forceRefresh }) => {
        asks.push(forceRefresh);
        return teamsToken('teams-off');
      },
    });
    const error = await credentialWith(refresher).getToken().catch((e: unknown) => e);
    expect(isGatewayError(error, 'TEAMS_EXCHANGE_DISABLED')).toBe(true);
    expect(asks).toEqual([false]);
  });

  it('recovers from an expired sign-in token with one fresh one, resending the same Teams token', async () => {
    const signInAsks: boolean[] = [];
    const expired = await signIn('teams-signin', Math.floor(Date.now() / 1000) - 300);
    const { tokenRefresher, asks, events } = teamsRefresherFor('teams-signin', {
      getAuthToken: ({ forceRefresh }) => {
        signInAsks.push(forceRefresh);
        return forceRefresh ? signIn('teams-signin') : expired;
      },
    });
    const { token } = await credentialWith(tokenRefresher).getToken();
    expect(await h.introspect(token)).toMatchObject({ active: true, identity: teamsUserOf('teams-signin') });
    expect(signInAsks).toEqual([false, true]);
    expect(asks).toEqual([false]);
    expect(events.map((event) => event.type)).toEqual(['sign-in-refused', 'teams-token']);
  });

  it('stops at abort while MSAL is slow or the gateway is, and works again afterwards', async () => {
    // MSAL still working (a hidden iframe, say): the ask is told of the abort, and the gateway is never called.
    let askSignal: AbortSignal | undefined;
    const slowMsal = teamsRefresherFor('teams-abort', {
      getTeamsUserAadToken: ({ signal }) => {
        askSignal = signal;
        return new Promise<string>(() => {});
      },
    });
    const first = new AbortController();
    setTimeout(() => first.abort(), 100);
    expect(await credentialWith(slowMsal.tokenRefresher).getToken({ abortSignal: first.signal }).catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    expect(askSignal?.aborted).toBe(true);
    expect(exchangesServed('teams-abort')).toHaveLength(0);

    // The gateway waiting on a slow ACS.
    const { tokenRefresher } = teamsRefresherFor('teams-abort');
    const credential = credentialWith(tokenRefresher);
    h.emulator.setFaults({ latencyMs: 4_000 });
    const second = new AbortController();
    const started = Date.now();
    setTimeout(() => second.abort(), 200);
    expect(await credential.getToken({ abortSignal: second.signal }).catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(1_500);

    h.emulator.setFaults({});
    const { token } = await credential.getToken();
    expect(await h.introspect(token)).toMatchObject({ active: true, identity: teamsUserOf('teams-abort') });
  });

  it('shares one exchange between the Chat and Calling credentials refreshing at once', async () => {
    const { tokenRefresher, asks } = teamsRefresherFor('teams-shared');
    h.emulator.setFaults({ latencyMs: 300 }); // so the calls overlap
    const [a, b] = await Promise.all([credentialWith(tokenRefresher).getToken(), credentialWith(tokenRefresher).getToken()]);
    expect(a.token).toBe(b.token);
    expect(asks).toEqual([false]);
    expect(exchangesServed('teams-shared')).toHaveLength(1);
  });

  it("refreshes proactively on the credential's own timers, since the token expires with the Entra token", async () => {
    // Entra tokens of 6 s: the ACS token gets the same expiry, so the credential refreshes after half of it.
    const { tokenRefresher, refreshes, asks } = teamsRefresherFor('teams-proactive', {
      getTeamsUserAadToken: () => teamsToken('teams-proactive', { expiresInSeconds: 6 }),
    });
    const credential = credentialWith(tokenRefresher, true);
    expect(await waitFor(() => refreshes.length >= 3, 15_000)).toBe(true);
    credential.dispose();
    for (let i = 1; i < refreshes.length; i++) {
      // Before the previous token expired, and not in a loop.
      expect(refreshes[i]!.at).toBeLessThan(decodeJwt(refreshes[i - 1]!.token).exp! * 1000);
      expect(refreshes[i]!.at - refreshes[i - 1]!.at).toBeGreaterThanOrEqual(1_500);
    }
    expect(asks).not.toContain(true); // each Entra token was good: no forced refresh
    expect(await h.introspect(refreshes.at(-1)!.token)).toMatchObject({ active: true, identity: teamsUserOf('teams-proactive') });
  });

  it('never lets a token reach the gateway logs or the events', () => {
    expect(secrets.size).toBeGreaterThan(20);
    const logs = h.logLines.join('\n');
    expect(h.logLines.filter((line) => line.includes('"operation":"exchangeTeamsUserToken"')).length).toBeGreaterThan(10);
    for (const secret of secrets) expect(logs).not.toContain(secret.split('.')[2]);
    expect(logs).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    const events = JSON.stringify(allEvents);
    expect(allEvents.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(events).not.toContain(secret.split('.')[2]);
    expect(events).not.toMatch(/eyJ/);
  });
});
