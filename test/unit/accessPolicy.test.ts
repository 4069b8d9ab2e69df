import { resolveTarget, requireCaller } from '../../src/identity/accessPolicy.js';
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
