import { validateTokenRequest } from '../../src/identity/tokenRequest.js';
import { GatewayError } from '../../src/errors.js';

const rules = { allowedScopes: ['CHAT', 'VOIP', 'CHAT_JOIN'] as const, defaultExpiresInMinutes: 1440 };

function refusal(run: () => unknown): { code: string; field: unknown; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return { code: error.code, field: error.extensions.field, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('validateTokenRequest', () => {
  it('maps scope names to ACS scopes and applies the default lifetime', () => {
    expect(validateTokenRequest(['CHAT_JOIN', 'VOIP'], undefined, rules)).toEqual({
      scopeNames: ['CHAT_JOIN', 'VOIP'],
      acsScopes: ['chat.join', 'voip'],
      expiresInMinutes: 1440,
    });
  });

  it('accepts both ends of the lifetime range', () => {
    expect(validateTokenRequest(['CHAT'], 60, rules).expiresInMinutes).toBe(60);
    expect(validateTokenRequest(['CHAT'], 1440, rules).expiresInMinutes).toBe(1440);
  });

  it.each([
    [[], undefined, 'scopes', 'at least one'],
    [null, undefined, 'scopes', 'at least one'],
    [['CHAT', 'VOIP', 'CHAT'], undefined, 'scopes', 'CHAT more than once'],
    [['CHAT', 'VOIP_JOIN'], undefined, 'scopes', 'VOIP_JOIN'],
    [['CHAT'], 59, 'expiresInMinutes', 'got 59'],
    [['CHAT'], 1441, 'expiresInMinutes', 'got 1441'],
    [['CHAT'], 90.5, 'expiresInMinutes', 'whole number'],
  ])('refuses scopes %j with lifetime %j as BAD_USER_INPUT on %s', (scopes, minutes, field, messagePart) => {
    const result = refusal(() => validateTokenRequest(scopes as never, minutes as number | undefined, rules));
    expect(result).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(result.message).toContain(messagePart);
  });
});
