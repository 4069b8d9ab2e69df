// The refresher inside the real AzureCommunicationTokenCredential, against a gateway whose issueToken budget is one
// per user per minute: a RATE_LIMITED answer is waited out, refused past the caller's bound, and abortable.
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { AbortError, createTokenRefresher, isGatewayError, type RefresherEvent } from '@acs-identity-gateway/client';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const SUB = 'kit-limited';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: 'client_rate_limited', env: { RATE_LIMIT_ISSUE_TOKEN_PER_MINUTE: '1' } });
  const created = await h.gql('mutation { createUser { created } }', {}, await h.tokenFor(SUB));
  expect(created.errors).toBeUndefined();
});
afterAll(async () => {
  await h?.stop();
});

function credential(options: { maxRateLimitWaitSeconds?: number } = {}) {
  const events: RefresherEvent[] = [];
  const tokenRefresher = createTokenRefresher({
    endpoint: h.gateway.url,
    scopes: ['VOIP'],
    getAuthToken: () => h.tokenFor(SUB),
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { credential: new AzureCommunicationTokenCredential({ tokenRefresher }), events };
}

describe('a RATE_LIMITED gateway', () => {
  // The tests run in order inside one rate-limit window: the first spends the budget, the last waits for the next.
  it('spends the one issueToken of the minute', async () => {
    const { token } = await credential().credential.getToken();
    expect(await h.introspect(token)).toMatchObject({ active: true });
  });

  it('fails at once, with the retry time, when told to wait longer than maxRateLimitWaitSeconds', async () => {
    const started = Date.now();
    const error = await credential({ maxRateLimitWaitSeconds: 5 }).credential.getToken().catch((e: unknown) => e);
    expect(isGatewayError(error, 'RATE_LIMITED')).toBe(true);
    expect((error as { status: number }).status).toBe(429);
    expect((error as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(5);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops waiting when aborted', async () => {
    const { credential: limited, events } = credential();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const started = Date.now();
    await expect(limited.getToken({ abortSignal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(events).toEqual([{ type: 'rate-limited', operation: 'IssueToken', retryAfterSeconds: expect.any(Number) }]);
  });

  it('waits the retryAfterSeconds it was given, then gets a live token', async () => {
    const { credential: patient, events } = credential();
    const started = Date.now();
    const { token } = await patient.getToken();
    const waited = Date.now() - started;
    const [limited] = events;
    expect(limited).toMatchObject({ type: 'rate-limited', operation: 'IssueToken' });
    const retryAfterSeconds = (limited as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retryAfterSeconds).toBeGreaterThan(30);
    expect(retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(waited).toBeGreaterThanOrEqual(retryAfterSeconds * 1000 - 100);
    expect(events.at(-1)).toMatchObject({ type: 'token', operation: 'issueToken' });
    expect(await h.introspect(token)).toMatchObject({ active: true });
  }, 120_000);
});
