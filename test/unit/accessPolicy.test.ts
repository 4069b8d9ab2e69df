import { loadConfig } from '../../src/config/config.js';
import { resolveTarget, requireCaller, tokenGrant } from '../../src/identity/accessPolicy.js';
import { GatewayError } from '../../src/errors.js';
import type { Caller } from '../../src/auth/caller.js';

const alice: Caller = { issuer: 'https://idp.example/', userId: 'alice', isAdmin: false, roles: [] };
const admin: Caller = { issuer: 'https://idp.example/', userId: 'root', isAdmin: true, roles: [] };

const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'OK';
  } catch (error) {
    return error instanceof GatewayError ? error.code : 'UNEXPECTED';
  }
};

describe('access policy', () => {
  it('acts on the caller when no id is given, or their own id is', () => {
    expect(resolveTarget(alice, undefined)).toEqual({ issuer: alice.issuer, appUserId: 'alice' });
    expect(resolveTarget(alice, null)).toEqual({ issuer: alice.issuer, appUserId: 'alice' });
    expect(resolveTarget(alice, 'alice')).toEqual({ issuer: alice.issuer, appUserId: 'alice' });
  });

  it("refuses another user's id without the admin role", () => {
    expect(codeOf(() => resolveTarget(alice, 'bob'))).toBe('FORBIDDEN');
  });

  it("lets an admin act on anyone, within the admin's own identity provider", () => {
    expect(resolveTarget(admin, 'bob')).toEqual({ issuer: admin.issuer, appUserId: 'bob' });
  });

  it('refuses an empty id and an anonymous caller', () => {
    expect(codeOf(() => resolveTarget(admin, '  '))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => resolveTarget(null, undefined))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => requireCaller(null))).toBe('UNAUTHENTICATED');
  });
});

describe('token grant (SCOPE_POLICY)', () => {
  const policy = loadConfig({
    SCOPE_POLICY: JSON.stringify({
      '*': { scopes: ['CHAT_JOIN_LIMITED', 'VOIP_JOIN'], maxExpiresInMinutes: 60 },
      staff: { scopes: ['CHAT', 'VOIP'] },
      contractor: { scopes: ['CHAT'], maxExpiresInMinutes: 120 },
      intern: { scopes: ['VOIP', 'chat.join'], maxExpiresInMinutes: 90 },
    }),
  }).scopePolicy;
  const as = (roles: string[], caller: Caller = alice) => tokenGrant({ ...caller, roles }, { issuer: caller.issuer, appUserId: caller.userId }, policy);

  it('gives a caller without a listed role "*"', () => {
    expect(as([])).toEqual({ scopes: ['CHAT_JOIN_LIMITED', 'VOIP_JOIN'], maxExpiresInMinutes: 60 });
  });

  it("unions the listed roles' scopes, without '*', and takes the largest cap, or none when a role has none", () => {
    expect(as(['contractor', 'intern'])).toEqual({ scopes: ['CHAT', 'VOIP', 'CHAT_JOIN'], maxExpiresInMinutes: 120 });
    expect(as(['contractor', 'staff'])).toEqual({ scopes: ['CHAT', 'VOIP'] });
  });

  it('binds an admin acting on another user by ALLOWED_SCOPES only (null), and no one at all without a policy', () => {
    expect(tokenGrant(admin, { issuer: admin.issuer, appUserId: 'alice' }, policy)).toBeNull();
    expect(tokenGrant(alice, { issuer: alice.issuer, appUserId: 'alice' }, null)).toBeNull();
  });

  it('gives nothing to a caller without a listed role when there is no "*"', () => {
    const strict = loadConfig({ SCOPE_POLICY: '{"staff":{"scopes":["CHAT"]}}' }).scopePolicy;
    expect(tokenGrant(alice, { issuer: alice.issuer, appUserId: 'alice' }, strict)).toEqual({ scopes: [] });
  });
});
