// SCOPE_POLICY against the real gateway, emulator and database, with the issue's guest/staff example: what each
// caller may ask for themself, and what an admin acting on another user may (ALLOWED_SCOPES alone).
import { errorCode, graphql } from '../harness/graphqlClient.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const POLICY = {
  '*': { scopes: ['CHAT_JOIN_LIMITED', 'VOIP_JOIN'], maxExpiresInMinutes: 60 },
  staff: { scopes: ['CHAT', 'VOIP', 'CHAT_JOIN', 'CHAT_JOIN_LIMITED', 'VOIP_JOIN'] },
};
const ADMIN = 'identity.admin';
const CREATE_AND_TOKEN = `mutation($input: CreateUserAndTokenInput!) {
  createUserAndToken(input: $input) { identity { appUserId } accessToken { token expiresOn scopes } }
}`;

let h: Harness;
beforeAll(async () => {
  // CHAT_JOIN is left out of ALLOWED_SCOPES: it binds everyone, the admin acting on another user included.
  h = await startHarness({ name: 'scope_policy', env: { SCOPE_POLICY: JSON.stringify(POLICY), ALLOWED_SCOPES: 'CHAT,VOIP,CHAT_JOIN_LIMITED,VOIP_JOIN' } });
});
afterAll(() => h?.stop());

const ask = async (token: string, input: Record<string, unknown>) => h.gql(CREATE_AND_TOKEN, { input }, token);
const minutesLeft = (expiresOn: string) => (Date.parse(expiresOn) - Date.now()) / 60_000;
const identities = () => h.emulator.listIdentities().length;

describe('SCOPE_POLICY with the guest/staff example', () => {
  it('answers FORBIDDEN (extensions.field "scopes") to a guest asking for CHAT, before ACS is called', async () => {
    const before = identities();
    const result = await ask(await h.tokenFor('guest-chat'), { scopes: ['CHAT'] });
    expect(errorCode(result)).toBe('FORBIDDEN');
    expect(result.errors![0]!.extensions!.field).toBe('scopes');
    expect(result.errors![0]!.message).toMatch(/CHAT .*CHAT_JOIN_LIMITED, VOIP_JOIN/);
    expect(identities()).toBe(before);
  });

  it('gives a guest asking for VOIP_JOIN for 60 minutes a token ACS issued so', async () => {
    const result = await ask(await h.tokenFor('guest-voip'), { scopes: ['VOIP_JOIN'], expiresInMinutes: 60 });
    expect(result.errors).toBeUndefined();
    const { accessToken } = result.data!.createUserAndToken;
    expect(accessToken.scopes).toEqual(['VOIP_JOIN']);
    expect(minutesLeft(accessToken.expiresOn)).toBeGreaterThan(58);
    expect(minutesLeft(accessToken.expiresOn)).toBeLessThanOrEqual(60);
    expect(await h.introspect(accessToken.token)).toMatchObject({ active: true });
  });

  it('answers BAD_USER_INPUT naming the cap to a guest asking for 120 minutes', async () => {
    const result = await ask(await h.tokenFor('guest-long'), { scopes: ['VOIP_JOIN'], expiresInMinutes: 120 });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.field).toBe('expiresInMinutes');
    expect(result.errors![0]!.message).toMatch(/at most 60 /);
  });

  it('gives a guest who names no lifetime the cap, not DEFAULT_TOKEN_EXPIRES_IN_MINUTES', async () => {
    const result = await ask(await h.tokenFor('guest-default'), { scopes: ['CHAT_JOIN_LIMITED'] });
    expect(result.errors).toBeUndefined();
    expect(minutesLeft(result.data!.createUserAndToken.accessToken.expiresOn)).toBeLessThanOrEqual(60);
  });

  it('gives staff CHAT, for as long as they ask (no cap for their role)', async () => {
    const result = await ask(await h.tokenFor('staff-chat', ['staff']), { scopes: ['CHAT', 'VOIP'], expiresInMinutes: 1440 });
    expect(result.errors).toBeUndefined();
    expect(result.data!.createUserAndToken.accessToken.scopes).toEqual(['CHAT', 'VOIP']);
    expect(minutesLeft(result.data!.createUserAndToken.accessToken.expiresOn)).toBeGreaterThan(1400);
  });

  it('still holds staff to ALLOWED_SCOPES: CHAT_JOIN is in their role but not allowed here (BAD_USER_INPUT, as without a policy)', async () => {
    const result = await ask(await h.tokenFor('staff-join', ['staff']), { scopes: ['CHAT_JOIN'] });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.field).toBe('scopes');
  });

  it('gives an admin acting on another user what ALLOWED_SCOPES allows, whatever the policy says of that user', async () => {
    const admin = await h.tokenFor('policy-admin', [ADMIN]);
    const result = await ask(admin, { appUserId: 'someone-guest', scopes: ['CHAT', 'VOIP', 'CHAT_JOIN_LIMITED', 'VOIP_JOIN'], expiresInMinutes: 1440 });
    expect(result.errors).toBeUndefined();
    expect(result.data!.createUserAndToken.identity.appUserId).toBe('someone-guest');
    expect(result.data!.createUserAndToken.accessToken.scopes).toEqual(['CHAT', 'VOIP', 'CHAT_JOIN_LIMITED', 'VOIP_JOIN']);
    expect(minutesLeft(result.data!.createUserAndToken.accessToken.expiresOn)).toBeGreaterThan(1400);
    const outside = await ask(admin, { appUserId: 'someone-guest', scopes: ['CHAT_JOIN'] });
    expect(errorCode(outside)).toBe('BAD_USER_INPUT');
  });

  it('holds an admin acting on themself to their roles, as anyone (the admin role is not in the policy: "*")', async () => {
    const result = await ask(await h.tokenFor('policy-admin-self', [ADMIN]), { scopes: ['CHAT'] });
    expect(errorCode(result)).toBe('FORBIDDEN');
    const staffAdmin = await ask(await h.tokenFor('policy-admin-staff', [ADMIN, 'staff']), { scopes: ['CHAT'] });
    expect(staffAdmin.errors).toBeUndefined();
  });

  it('applies to issueToken as to createUserAndToken', async () => {
    const guest = await h.tokenFor('guest-issue');
    expect((await ask(guest, { scopes: ['VOIP_JOIN'] })).errors).toBeUndefined();
    const issue = (input: Record<string, unknown>) => h.gql('mutation($input: IssueTokenInput!) { issueToken(input: $input) { accessToken { scopes } } }', { input }, guest);
    expect(errorCode(await issue({ scopes: ['VOIP'] }))).toBe('FORBIDDEN');
    expect(errorCode(await issue({ scopes: ['VOIP_JOIN'], expiresInMinutes: 61 }))).toBe('BAD_USER_INPUT');
    expect((await issue({ scopes: ['VOIP_JOIN'], expiresInMinutes: 60 })).data?.issueToken.accessToken.scopes).toEqual(['VOIP_JOIN']);
  });

  it('reads roles as a space or comma separated string too, and ignores roles it does not list', async () => {
    const token = await h.issuer.token('staff-string', { claims: { roles: 'reader staff' } });
    expect((await ask(token, { scopes: ['CHAT'] })).errors).toBeUndefined();
    const unlisted = await h.issuer.token('unlisted-role', { claims: { roles: ['reader', 'x'.repeat(5000)] } });
    expect(errorCode(await ask(unlisted, { scopes: ['CHAT'] }))).toBe('FORBIDDEN');
  });
});

describe('without SCOPE_POLICY', () => {
  it("is today's behaviour: anyone may ask for any scope in ALLOWED_SCOPES, for up to 1440 minutes", async () => {
    const open = await h.startInstance({ SCOPE_POLICY: '' });
    const result = await graphql(open.url, CREATE_AND_TOKEN, { input: { scopes: ['CHAT'], expiresInMinutes: 1440 } }, await h.tokenFor('no-policy-guest'));
    expect(result.errors).toBeUndefined();
    expect(minutesLeft(result.data!.createUserAndToken.accessToken.expiresOn)).toBeGreaterThan(1400);
  });
});
