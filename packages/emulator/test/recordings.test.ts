// Fidelity: every recorded session of the real service (test/recordings: the Azure SDK for JS test recordings,
// sanitized, each file's source and commit in its index.json) replayed against the emulator. Sanitized ids are mapped to the ids the emulator
// returns; sanitized Teams inputs are rebuilt from what the SDK's tests sent (see TEAMS_INPUTS).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDevEntraIssuer, startEmulator, type DevEntraIssuer, type RunningEmulator } from '../src/index.js';
import { rawRequest } from './helpers.js';
import { compare, dateTimeForm, keysOf, loadSessions, replayEntry, type Outcome, type RecordedEntry, type ReplayRequest, type Session } from './replay.js';

const DIR = process.env['ACS_RECORDINGS_DIR'] ?? fileURLToPath(new URL('recordings/', import.meta.url));

// The SDK's error-case tests use this id live; playback sanitizes it (communicationIdentityClient.spec.ts).
const FOREIGN_USER = '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000';

// Recorded messages the emulator does not repeat, with why. Anything else that differs fails the test.
const KNOWN_MESSAGE_DIFFERENCES = [
  {
    file: 'azure-sdk-for-js/communicationidentityclient_playbacklive_error_cases_/recording_throws_an_error_when_attempting_to_issue_a_token_with_max_invalid_expiration.json',
    recorded: 'ExpiresInMinutes value 59 is invalid.',
    why: 'recorded in 2022; the April 2025 recordings of the same request add "Value must be within the [60, 1440] interval.", which the emulator says',
  },
];

interface TeamsKeys {
  issuer: DevEntraIssuer;
  tenantId: string;
  appId: string;
  userId: string;
}

/**
 * What getTokenForTeamsUser.node.spec.ts sent live, by test. Its playback values are all "sanitized"; note that
 * "a wrong clientId" and "a wrong userObjectId" were literally "sanitized" live too (the table is built before
 * the live options are fetched), and that the token cases pass the clientId as userObjectId.
 */
const TEAMS_INPUTS: Array<[RegExp, (k: TeamsKeys, recordedLifetimeS: number) => Promise<Record<string, string>>]> = [
  [/successfully_exchanges/, async (k, lifetime) => ({ token: await valid(k, lifetime), appId: k.appId, userId: k.userId })],
  [/exchange_an_empty_teams_user_aad_token/, async () => ({ token: '' })], // 2021-10-31-preview: the token alone
  [/ltan_empty_teamsuseraadtokengt/, async (k) => ({ token: '', appId: k.appId, userId: k.appId })],
  [/ltan_invalid_teamsuseraadtokengt/, async (k) => ({ token: 'invalid', appId: k.appId, userId: k.appId })],
  [/ltan_expired_teamsuseraadtokengt/, async (k) => ({ token: await valid(k, -3600), appId: k.appId, userId: k.appId })],
  [/ltan_empty_clientidgt/, async (k) => ({ token: await valid(k), appId: '', userId: k.userId })],
  [/ltan_invalid_clientidgt/, async (k) => ({ token: await valid(k), appId: 'invalid', userId: k.userId })],
  [/lta_wrong_clientidgt/, async (k) => ({ token: await valid(k), appId: 'sanitized', userId: k.userId })],
  [/ltan_empty_userobjectidgt/, async (k) => ({ token: await valid(k), appId: k.appId, userId: '' })],
  [/ltan_invalid_userobjectidgt/, async (k) => ({ token: await valid(k), appId: k.appId, userId: 'invalid' })],
  [/lta_wrong_userobjectidgt/, async (k) => ({ token: await valid(k), appId: k.appId, userId: 'sanitized' })],
];

const valid = (k: TeamsKeys, expiresInSeconds = 3600) =>
  k.issuer.mintToken({
    tenantId: k.tenantId,
    userId: k.userId,
    appId: k.appId,
    scopes: ['https://auth.msft.communication.azure.com/Teams.ManageCalls'],
    expiresInSeconds,
  });

describe('the recorded sessions of the real service', () => {
  it('are all there: 52 sessions listed in index.json', () => {
    expect(existsSync(join(DIR, "index.json"))).toBe(true);
  });

  let emu: RunningEmulator;
  let keys: TeamsKeys;
  beforeAll(async () => {
    const issuer = await createDevEntraIssuer();
    keys = { issuer, tenantId: randomUUID(), appId: randomUUID(), userId: randomUUID() };
    emu = await startEmulator({ devEntra: issuer });
  });
  afterAll(() => emu.close());

  async function rebuild(session: Session, entry: RecordedEntry, id: string | undefined): Promise<ReplayRequest> {
    const url = new URL(entry.RequestUri);
    const path = (url.pathname + url.search).replace('/identities/sanitized', `/identities/${encodeURIComponent(id ?? FOREIGN_USER)}`);
    if (!url.pathname.startsWith('/teamsUser/')) return { method: entry.RequestMethod, path, body: entry.RequestBody ?? undefined };
    const inputs = TEAMS_INPUTS.find(([pattern]) => pattern.test(session.file));
    if (!inputs) throw new Error(`no Teams inputs known for ${session.file}`);
    const lifetimeS = Math.round((Date.parse(String((entry.ResponseBody as { expiresOn?: string }).expiresOn)) - Date.parse(entry.ResponseHeaders['Date']!)) / 1000);
    const body = await inputs[1](keys, lifetimeS);
    // The rebuilt body has the recorded body's fields, no more, no fewer.
    expect([session.file, keysOf(body)]).toEqual([session.file, keysOf(entry.RequestBody)]);
    return { method: entry.RequestMethod, path, body };
  }

  /** A session that creates with a customId and gets back lastTokenIssuedAt ran against an identity that existed. */
  async function preconditions(session: Session): Promise<void> {
    for (const e of session.entries) {
      const customId = (e.RequestBody as { customId?: string } | null)?.customId;
      const existed = (e.ResponseBody as { identity?: { lastTokenIssuedAt?: string } } | null)?.identity?.lastTokenIssuedAt;
      if (!customId || !existed) continue;
      const path = new URL(e.RequestUri).pathname + new URL(e.RequestUri).search;
      const created = await rawRequest(emu, { method: 'POST', path, body: { customId, createTokenWithScopes: ['chat'] } });
      expect(created.status).toBe(201);
    }
  }

  it('replays all 72 entries of the 52 sessions, and every one matches', async () => {
    const { index, sessions } = await loadSessions(DIR);
    const outcomes: Outcome[] = [];
    for (const session of sessions) {
      await preconditions(session);
      let id: string | undefined;
      for (const [i, entry] of session.entries.entries()) {
        const { outcome, response } = await replayEntry(emu, session.file, i, entry, await rebuild(session, entry, id));
        outcomes.push(outcome);
        id = (response.body as { identity?: { id?: string } } | undefined)?.identity?.id ?? id;
      }
    }

    const recordedEntries = index.recordings.reduce((n, r) => n + r.entries, 0);
    const matched = outcomes.filter((o) => o.mismatches.length === 0);
    const messages = outcomes.filter((o) => o.messageDifference).map((o) => ({ file: o.file, recorded: o.messageDifference!.recorded }));
    const expiresOn = outcomes.flatMap((o) => o.expiresOn);
    console.log(
      [
        `recording replay: ${sessions.length} sessions, ${recordedEntries} recorded entries`,
        `  replayed ${outcomes.length}, matched ${matched.length}, skipped ${recordedEntries - outcomes.length}`,
        `  messages worded otherwise (not counted as mismatches): ${messages.length}`,
        ...messages.map((m) => `    ${m.file}: recorded '${m.recorded}'`),
        `  expiresOn written by the emulator: ${expiresOn.length}, with 7 fraction digits: ${expiresOn.filter((e) => dateTimeForm(e).digits === 7).length}`,
        ...outcomes.filter((o) => o.mismatches.length).map((o) => `  MISMATCH ${o.file}#${o.entry} ${o.request}: ${o.mismatches.join('; ')}`),
      ].join('\n'),
    );

    expect(sessions).toHaveLength(52);
    expect(recordedEntries).toBe(72);
    expect(outcomes).toHaveLength(72); // nothing skipped
    expect(outcomes.filter((o) => o.mismatches.length).map((o) => `${o.file}#${o.entry}: ${o.mismatches.join('; ')}`)).toEqual([]);
    expect(messages).toEqual(KNOWN_MESSAGE_DIFFERENCES.map(({ file, recorded }) => ({ file, recorded })));
    // Each of the 26 recorded tokens has an expiresOn of 6 or 7 digits; the emulator's must show the 7-digit form,
    // not only allow it (9 in 10 have a last digit other than 0, so fewer than half would take a broken clock).
    const recordedExpiresOn = sessions.flatMap((s) => s.entries).filter((e) => JSON.stringify(e.ResponseBody).includes('"expiresOn"'));
    expect(expiresOn).toHaveLength(recordedExpiresOn.length);
    expect(expiresOn).toHaveLength(26);
    expect(expiresOn.filter((e) => dateTimeForm(e).digits === 7).length).toBeGreaterThan(13);
  });

  it('the comparison catches the differences it is there to catch', () => {
    const recorded: RecordedEntry = {
      RequestUri: 'https://x/identities?api-version=2025-03-02-preview',
      RequestMethod: 'POST',
      RequestHeaders: {},
      RequestBody: null,
      StatusCode: 201,
      ResponseHeaders: { 'Content-Type': 'application/json; charset=utf-8', Date: 'Tue, 15 Apr 2025 14:48:08 GMT' },
      ResponseBody: { identity: { id: 'sanitized' }, accessToken: { token: 'sanitized', expiresOn: '2025-04-16T14:48:09.2343833+00:00' } },
    };
    const check = (status: number, body: unknown, date = 'Wed, 16 Apr 2025 14:48:08 GMT') => {
      const out: Outcome = { file: 'f', entry: 0, request: 'r', mismatches: [], expiresOn: [] };
      compare(recorded, { status, headers: { 'content-type': 'application/json; charset=utf-8', date }, body }, out);
      return out.mismatches;
    };
    const token = (expiresOn: string) => ({ identity: { id: 'x' }, accessToken: { token: 't', expiresOn } });
    expect(check(201, token('2025-04-17T14:48:09.1234567+00:00'))).toEqual([]);
    // The emulator's old form: milliseconds padded to 6 digits.
    expect(check(201, token('2025-04-17T14:48:09.673000+00:00'))).toEqual([expect.stringContaining('not the service\'s date-time form')]);
    expect(check(201, token('2025-04-17T15:48:09.1234567+00:00'))).toEqual([expect.stringContaining('lifetime')]);
    expect(check(200, token('2025-04-17T14:48:09.1234567+00:00'))).toEqual(['status 200, recorded 201']);
    expect(check(201, { identity: { id: 'x' } })).toEqual([expect.stringContaining('body keys'), 'accessToken.expiresOn: no date-time']);
  });
});
