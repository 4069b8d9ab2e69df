// The Teams refresher's own rules against a scripted stand-in gateway: which Entra token is sent, when a fresh one
// is asked for, what is never retried. test/client/teams.test.ts runs it against the real gateway, emulator and SDK.
import { AbortError, createTeamsTokenRefresher, GatewayResponseError, isGatewayError, type RefresherEvent, type TeamsTokenRefresherOptions } from '../src/index.js';
import { fakeAcsToken, gqlError, json, operationOf, startStandIn, type Received, type StandIn } from './standIn.js';

let gw: StandIn;
beforeEach(async () => {
  gw = await startStandIn();
});
afterEach(async () => {
  await gw.close();
});

// JWT-shaped, as Entra's are, so that the kit's redaction of anything token-like applies to them too.
const CACHED_TEAMS = 'eyJhbGciOiJSUzI1NiJ9.eyJjYWNoZWQiOnRydWV9.Y2FjaGVk';
const FRESH_TEAMS = 'eyJhbGciOiJSUzI1NiJ9.eyJmcmVzaCI6dHJ1ZX0.ZnJlc2g';
const TEAMS_USER = '8:orgid:00000000-0000-4000-8000-00000000a11c';

function teamsPayload(n: number) {
  return { data: { exchangeTeamsUserToken: { identity: { id: TEAMS_USER }, accessToken: { token: fakeAcsToken(n), expiresOn: new Date(Date.now() + 3_600_000).toISOString() } } } };
}

function refresher(options: Partial<TeamsTokenRefresherOptions> = {}) {
  const events: RefresherEvent[] = [];
  const teamsAsks: boolean[] = [];
  const authAsks: boolean[] = [];
  const refresh = createTeamsTokenRefresher({
    endpoint: gw.url,
    getAuthToken: ({ forceRefresh }) => {
      authAsks.push(forceRefresh);
      return forceRefresh ? 'fresh-sign-in' : 'stale-sign-in';
    },
    getTeamsUserAadToken: ({ forceRefresh }) => {
      teamsAsks.push(forceRefresh);
      return forceRefresh ? FRESH_TEAMS : CACHED_TEAMS;
    },
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { refresh, events, teamsAsks, authAsks };
}

const sentTeamsToken = (request: Received) => request.body.variables?.['input']?.teamsUserAadToken as unknown;

describe('createTeamsTokenRefresher against a stand-in gateway', () => {
  it('sends the Entra token to exchangeTeamsUserToken and returns the ACS token; the event names the Teams user only', async () => {
    gw.handle((_request, res) => json(res, 200, teamsPayload(1)));
    const { refresh, events, teamsAsks } = refresher();
    expect(await refresh()).toBe(fakeAcsToken(1));
    expect(gw.received.map(operationOf)).toEqual(['ExchangeTeamsUserToken']);
    expect(gw.received[0]!.headers['authorization']).toBe('Bearer stale-sign-in');
    expect(gw.received[0]!.body.variables).toEqual({ input: { teamsUserAadToken: CACHED_TEAMS } });
    expect(teamsAsks).toEqual([false]);
    expect(events).toEqual([{ type: 'teams-token', operation: 'exchangeTeamsUserToken', identity: { id: TEAMS_USER }, expiresOn: expect.any(String) }]);
    expect(JSON.stringify(events)).not.toMatch(/eyJ/);
  });

  it('asks for a fresh Entra token once on TEAMS_TOKEN_INVALID, and gives up when that one is refused too', async () => {
    gw.handle((request, res) =>
      sentTeamsToken(request) === FRESH_TEAMS ? json(res, 200, teamsPayload(2)) : json(res, 200, gqlError('TEAMS_TOKEN_INVALID', 'The Teams token has expired.')),
    );
    const ok = refresher();
    expect(await ok.refresh()).toBe(fakeAcsToken(2));
    expect(ok.teamsAsks).toEqual([false, true]);
    expect(ok.authAsks).toEqual([false]); // the sign-in token was fine: not asked again
    expect(gw.received.map(sentTeamsToken)).toEqual([CACHED_TEAMS, FRESH_TEAMS]);
    expect(ok.events.map((event) => event.type)).toEqual(['teams-token-refused', 'teams-token']);

    gw.handle((_request, res) => json(res, 200, gqlError('TEAMS_TOKEN_INVALID', 'The Teams token has expired.')));
    const stuck = refresher();
    const error = await stuck.refresh().catch((e: unknown) => e);
    expect(isGatewayError(error, 'TEAMS_TOKEN_INVALID')).toBe(true);
    expect(error).toMatchObject({ operation: 'ExchangeTeamsUserToken', message: 'ExchangeTeamsUserToken failed: TEAMS_TOKEN_INVALID: The Teams token has expired.' });
    expect(stuck.teamsAsks).toEqual([false, true]);
    expect(gw.received).toHaveLength(2 + 2);
  });

  it('on UNAUTHENTICATED asks for a fresh sign-in token and resends the same Entra token', async () => {
    gw.handle((request, res) =>
      request.headers['authorization'] === 'Bearer fresh-sign-in' ? json(res, 200, teamsPayload(3)) : json(res, 401, gqlError('UNAUTHENTICATED')),
    );
    const { refresh, teamsAsks, authAsks } = refresher();
    expect(await refresh()).toBe(fakeAcsToken(3));
    expect(authAsks).toEqual([false, true]);
    expect(teamsAsks).toEqual([false]);
    expect(gw.received.map(sentTeamsToken)).toEqual([CACHED_TEAMS, CACHED_TEAMS]);
  });

  it.each(['FORBIDDEN', 'TEAMS_EXCHANGE_DISABLED', 'UPSTREAM_UNAVAILABLE'])('fails at once on %s, asking for no other token', async (code) => {
    gw.handle((_request, res) => json(res, 200, gqlError(code)));
    const { refresh, teamsAsks, authAsks } = refresher();
    await expect(refresh()).rejects.toMatchObject({ name: 'GatewayError', code });
    expect(teamsAsks).toEqual([false]);
    expect(authAsks).toEqual([false]);
    expect(gw.received).toHaveLength(1);
  });

  it('waits out RATE_LIMITED and resends the same Entra token', async () => {
    let answered = 0;
    gw.handle((_request, res) =>
      answered++ === 0 ? json(res, 429, gqlError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 0 })) : json(res, 200, teamsPayload(4)),
    );
    const { refresh, teamsAsks, events } = refresher();
    expect(await refresh()).toBe(fakeAcsToken(4));
    expect(teamsAsks).toEqual([false]);
    expect(events[0]).toEqual({ type: 'rate-limited', operation: 'ExchangeTeamsUserToken', retryAfterSeconds: 0 });
  });

  it('keeps an Entra token a gateway or proxy echoes out of the error', async () => {
    gw.handle((request, res) => json(res, 200, gqlError('TEAMS_TOKEN_INVALID', `refused ${String(sentTeamsToken(request))}`)));
    const error = (await refresher().refresh().catch((e: unknown) => e)) as Error;
    expect(isGatewayError(error, 'TEAMS_TOKEN_INVALID')).toBe(true);
    expect(error.message).toContain('[redacted]');
    expect(JSON.stringify({ message: error.message, errors: (error as { errors?: unknown }).errors })).not.toMatch(/eyJ/);
  });

  it('stops at abort while getTeamsUserAadToken is still working, even if it ignores the signal; tells it of the abort', async () => {
    const seen: AbortSignal[] = [];
    const controller = new AbortController();
    const pending = refresher({
      getTeamsUserAadToken: ({ signal }) => {
        seen.push(signal);
        return new Promise<string>(() => {});
      },
    }).refresh(controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.aborted).toBe(true);
    expect(gw.received).toHaveLength(0);
  });

  it('shares one exchange between concurrent callers', async () => {
    gw.handle((_request, res) => void setTimeout(() => json(res, 200, teamsPayload(5)), 200));
    const { refresh, teamsAsks } = refresher();
    const tokens = await Promise.all([refresh(), refresh(), refresh()]);
    expect(new Set(tokens)).toEqual(new Set([fakeAcsToken(5)]));
    expect(teamsAsks).toEqual([false]);
    expect(gw.received).toHaveLength(1);
  });

  it('refuses an answer without a usable token, expiry or Teams user id', async () => {
    const expiresOn = '2030-01-01T00:00:00Z';
    const broken = [
      { data: { exchangeTeamsUserToken: null } },
      { data: { exchangeTeamsUserToken: { identity: { id: TEAMS_USER }, accessToken: { token: 'not a jwt', expiresOn } } } },
      { data: { exchangeTeamsUserToken: { identity: { id: TEAMS_USER }, accessToken: { token: fakeAcsToken(6), expiresOn: 'soon' } } } },
      { data: { exchangeTeamsUserToken: { identity: { id: '' }, accessToken: { token: fakeAcsToken(6), expiresOn } } } },
      { data: { exchangeTeamsUserToken: { identity: { id: '8:acs:not-a-teams-user' }, accessToken: { token: fakeAcsToken(6), expiresOn } } } },
      { data: { exchangeTeamsUserToken: { accessToken: { token: fakeAcsToken(6), expiresOn } } } },
    ];
    for (const body of broken) {
      gw.handle((_request, res) => json(res, 200, body));
      const events: RefresherEvent[] = [];
      const error = await refresher({ onEvent: (event) => events.push(event) }).refresh().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayResponseError);
      // No token event: only the failure is told.
      expect(events).toEqual([{ type: 'refresh-failed', error, keptToken: false }]);
    }
  });

  it('checks its options and what getTeamsUserAadToken gives', async () => {
    expect(() => createTeamsTokenRefresher({ endpoint: gw.url, getAuthToken: () => 'x' } as unknown as TeamsTokenRefresherOptions)).toThrow(/getTeamsUserAadToken/);
    await expect(refresher({ getTeamsUserAadToken: () => '' }).refresh()).rejects.toThrow('getTeamsUserAadToken must resolve to a non-empty string.');
    await expect(refresher({ getTeamsUserAadToken: () => Promise.reject(new Error('interaction_required')) }).refresh()).rejects.toThrow('interaction_required');
    expect(gw.received).toHaveLength(0);
  });
});
