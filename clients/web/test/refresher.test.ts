// The refresher's policies against a scripted stand-in gateway: the order of calls, retries, waits, aborts and
// concurrent callers. test/client/ runs the same refresher against the real gateway and the real SDK credential.
import { AbortError, createTokenRefresher, GatewayError, GatewayResponseError, type RefresherEvent, type TokenRefresherOptions } from '../src/index.js';
import { fakeAcsToken, gqlError, json, operationOf, startStandIn, tokenPayload, type StandIn } from './standIn.js';

let gw: StandIn;
beforeEach(async () => {
  gw = await startStandIn();
});
afterEach(async () => {
  await gw.close();
});

function refresher(options: Partial<TokenRefresherOptions> = {}) {
  const events: RefresherEvent[] = [];
  const authCalls: boolean[] = [];
  const refresh = createTokenRefresher({
    endpoint: gw.url,
    scopes: ['VOIP', 'CHAT'],
    getAuthToken: ({ forceRefresh }) => {
      authCalls.push(forceRefresh);
      return forceRefresh ? 'fresh-sign-in' : 'stale-sign-in';
    },
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { refresh, events, authCalls };
}

const calls = () => gw.received.map((request) => `${operationOf(request)} ${String(request.headers['authorization']).replace('Bearer ', '')}`);

describe('createTokenRefresher against a stand-in gateway', () => {
  it('sends the scopes, lifetime and app user to issueToken and returns its token', async () => {
    gw.handle((_request, res) => json(res, 200, tokenPayload('issueToken', 1)));
    const { refresh, events } = refresher({ expiresInMinutes: 90, appUserId: 'bob' });
    expect(await refresh()).toBe(fakeAcsToken(1));
    expect(gw.received[0]!.body.variables).toEqual({ input: { scopes: ['VOIP', 'CHAT'], expiresInMinutes: 90, appUserId: 'bob' } });
    expect(events).toEqual([{ type: 'token', operation: 'issueToken', created: false, identity: { id: '8:acs:stand-in-1', appUserId: 'alice' }, expiresOn: expect.any(String) }]);
  });

  it('creates the identity once on IDENTITY_NOT_FOUND', async () => {
    gw.handle((request, res) =>
      operationOf(request) === 'IssueToken' ? json(res, 200, gqlError('IDENTITY_NOT_FOUND')) : json(res, 200, tokenPayload('createUserAndToken', 2, true)),
    );
    const { refresh, events } = refresher();
    expect(await refresh()).toBe(fakeAcsToken(2));
    expect(calls()).toEqual(['IssueToken stale-sign-in', 'CreateUserAndToken stale-sign-in']);
    expect(events.at(-1)).toMatchObject({ type: 'token', operation: 'createUserAndToken', created: true });
  });

  it('does not loop when createUserAndToken fails too', async () => {
    gw.handle((request, res) => json(res, 200, gqlError(operationOf(request) === 'IssueToken' ? 'IDENTITY_NOT_FOUND' : 'IDENTITY_RESOURCE_MISMATCH')));
    const error = await refresher().refresh().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'GatewayError', code: 'IDENTITY_RESOURCE_MISMATCH', operation: 'CreateUserAndToken' });
    expect(gw.received).toHaveLength(2);
  });

  it('asks getAuthToken for a fresh sign-in token once on UNAUTHENTICATED, then gives up', async () => {
    gw.handle((request, res) =>
      request.headers['authorization'] === 'Bearer fresh-sign-in' ? json(res, 200, tokenPayload('issueToken', 3)) : json(res, 401, gqlError('UNAUTHENTICATED')),
    );
    const ok = refresher();
    expect(await ok.refresh()).toBe(fakeAcsToken(3));
    expect(ok.authCalls).toEqual([false, true]);
    expect(calls()).toEqual(['IssueToken stale-sign-in', 'IssueToken fresh-sign-in']);
    expect(ok.events[0]).toEqual({ type: 'sign-in-refused', operation: 'IssueToken' });

    gw.handle((_request, res) => json(res, 401, gqlError('UNAUTHENTICATED')));
    const refused = refresher();
    await expect(refused.refresh()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(refused.authCalls).toEqual([false, true]);
  });

  it('waits out RATE_LIMITED for the time it was given, then retries', async () => {
    let answered = 0;
    gw.handle((_request, res) =>
      answered++ === 0 ? json(res, 429, gqlError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 1 })) : json(res, 200, tokenPayload('issueToken', 4)),
    );
    const { refresh, events } = refresher();
    const started = Date.now();
    expect(await refresh()).toBe(fakeAcsToken(4));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(events[0]).toEqual({ type: 'rate-limited', operation: 'IssueToken', retryAfterSeconds: 1 });
  });

  it('fails at once when told to wait longer than maxRateLimitWaitSeconds, and after maxRateLimitRetries', async () => {
    gw.handle((_request, res) => json(res, 429, gqlError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 3600 })));
    const started = Date.now();
    const error = await refresher({ maxRateLimitWaitSeconds: 10 }).refresh().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3600 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(gw.received).toHaveLength(1);

    gw.handle((_request, res) => json(res, 429, gqlError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 0 })));
    await expect(refresher({ maxRateLimitRetries: 3 }).refresh()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(gw.received).toHaveLength(1 + 4);
  });

  it('stops waiting out RATE_LIMITED when aborted', async () => {
    gw.handle((_request, res) => json(res, 429, gqlError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 30 })));
    const controller = new AbortController();
    const started = Date.now();
    const pending = refresher().refresh(controller.signal);
    setTimeout(() => controller.abort(), 200);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gw.received).toHaveLength(1); // no retry after the abort
  });

  it('stops when aborted while getAuthToken is still working, even if it ignores the signal', async () => {
    const controller = new AbortController();
    const pending = refresher({ getAuthToken: () => new Promise<string>(() => {}) }).refresh(controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(gw.received).toHaveLength(0);
  });

  it('shares one gateway call between concurrent callers', async () => {
    gw.handle((_request, res) => void setTimeout(() => json(res, 200, tokenPayload('issueToken', 5)), 200));
    const { refresh, authCalls } = refresher();
    const tokens = await Promise.all([refresh(), refresh(), refresh(), refresh(), refresh()]);
    expect(new Set(tokens)).toEqual(new Set([fakeAcsToken(5)]));
    expect(gw.received).toHaveLength(1);
    expect(authCalls).toEqual([false]);
    // Once settled, the next call is a new refresh.
    gw.handle((_request, res) => json(res, 200, tokenPayload('issueToken', 6)));
    expect(await refresh()).toBe(fakeAcsToken(6));
    expect(gw.received).toHaveLength(2);
  });

  it('lets one concurrent caller abort without failing the others; stops the call when all have', async () => {
    gw.handle((_request, res) => void setTimeout(() => json(res, 200, tokenPayload('issueToken', 7)), 300));
    const { refresh } = refresher();
    const quitter = new AbortController();
    const patient = refresh();
    const impatient = refresh(quitter.signal);
    setTimeout(() => quitter.abort(), 50);
    await expect(impatient).rejects.toBeInstanceOf(AbortError);
    expect(await patient).toBe(fakeAcsToken(7));

    gw.handle(() => {}); // hangs
    const a = new AbortController();
    const b = new AbortController();
    const first = refresh(a.signal);
    const second = refresh(b.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    a.abort();
    b.abort();
    await expect(first).rejects.toBeInstanceOf(AbortError);
    await expect(second).rejects.toBeInstanceOf(AbortError);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gw.abandoned).toBe(1); // the shared request was cancelled, not left running

    // A call after that starts afresh rather than joining the aborted one.
    gw.handle((_request, res) => json(res, 200, tokenPayload('issueToken', 8)));
    expect(await refresh()).toBe(fakeAcsToken(8));
  });

  it('refuses an answer that holds no usable token', async () => {
    const broken = [
      { data: { issueToken: null } },
      { data: { issueToken: { identity: { id: '8:acs:x', appUserId: 'a' }, accessToken: { token: 42, expiresOn: '2030-01-01T00:00:00Z' } } } },
      { data: { issueToken: { identity: { id: '8:acs:x', appUserId: 'a' }, accessToken: { token: 'not a jwt', expiresOn: '2030-01-01T00:00:00Z' } } } },
      { data: { issueToken: { identity: { id: '8:acs:x', appUserId: 'a' }, accessToken: { token: `${'a'.repeat(20_000)}.b.c`, expiresOn: '2030-01-01T00:00:00Z' } } } },
      { data: { issueToken: { identity: null, accessToken: { token: fakeAcsToken(9), expiresOn: 'soon' } } } },
    ];
    for (const body of broken) {
      gw.handle((_request, res) => json(res, 200, body));
      const error = await refresher().refresh().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayResponseError);
      expect((error as Error).message).not.toContain('a'.repeat(100));
    }
  });

  it('passes every other error on as it came, and survives a throwing onEvent', async () => {
    gw.handle((_request, res) => json(res, 200, gqlError('FORBIDDEN', 'Not yours')));
    await expect(refresher({ onEvent: () => { throw new Error('listener bug'); } }).refresh()).rejects.toMatchObject({
      name: 'GatewayError',
      code: 'FORBIDDEN',
      message: 'IssueToken failed: FORBIDDEN: Not yours',
    });
    gw.handle((_request, res) => json(res, 200, tokenPayload('issueToken', 10)));
    expect(await refresher({ onEvent: () => { throw new Error('listener bug'); } }).refresh()).toBe(fakeAcsToken(10));
    expect(GatewayError).toBeDefined();
  });

  it('checks its options and what getAuthToken gives', async () => {
    expect(() => createTokenRefresher({ endpoint: gw.url, scopes: [], getAuthToken: () => 'x' })).toThrow(/at least one scope/);
    await expect(refresher({ getAuthToken: () => '' }).refresh()).rejects.toThrow(/non-empty string/);
    await expect(refresher({ getAuthToken: () => Promise.reject(new Error('sign-in popup closed')) }).refresh()).rejects.toThrow('sign-in popup closed');
    expect(gw.received).toHaveLength(0);
  });
});
