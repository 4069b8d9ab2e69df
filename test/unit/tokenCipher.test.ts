import { randomBytes } from 'node:crypto';
import { parseCacheKeys } from '../../src/config/tokens.js';
import { TokenCipher } from '../../src/identity/tokens/tokenCipher.js';
import { customIdFor } from '../../src/identity/appUser.js';
import { formatError } from '../../src/graphql/formatError.js';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('TokenCipher', () => {
  it('round-trips, binds the entry, and decrypts with older keys after rotation', () => {
    const old = key('old');
    const sealed = new TokenCipher([old]).seal('eyJ.token.sig', 'entry-1');
    expect(JSON.stringify(sealed)).not.toContain('eyJ.token.sig');
    expect(new TokenCipher([old]).open(sealed, 'entry-1')).toBe('eyJ.token.sig');
    expect(new TokenCipher([old]).open(sealed, 'entry-2')).toBeNull();
    expect(new TokenCipher([key('new'), old]).open(sealed, 'entry-1')).toBe('eyJ.token.sig');
    expect(new TokenCipher([key('new')]).open(sealed, 'entry-1')).toBeNull();
    expect(new TokenCipher([old]).open({ ...sealed, ciphertext: Buffer.from('tampered').toString('base64') }, 'entry-1')).toBeNull();
  });

  it('uses a fresh IV every time and refuses short keys', () => {
    const cipher = new TokenCipher([key('k')]);
    expect(cipher.seal('t', 'a').iv).not.toBe(cipher.seal('t', 'a').iv);
    expect(() => new TokenCipher([{ id: 'short', key: randomBytes(16) }])).toThrow('32 bytes');
    expect(parseCacheKeys(`a:${randomBytes(32).toString('base64')}, b:${randomBytes(32).toString('base64')}`).map((k) => k.id)).toEqual(['a', 'b']);
    expect(() => parseCacheKeys('nokey')).toThrow();
  });
});

describe('customIdFor', () => {
  it('is stable per app user and keeps providers apart', () => {
    const a = customIdFor({ issuer: 'https://a/', appUserId: 'u1' });
    expect(customIdFor({ issuer: 'https://a/', appUserId: 'u1' })).toBe(a);
    expect(customIdFor({ issuer: 'https://b/', appUserId: 'u1' })).not.toBe(a);
    expect(customIdFor({ issuer: 'https://a/', appUserId: 'u2' })).not.toBe(a);
    expect(a).toMatch(/^gw-[0-9a-f]{40}$/);
  });
});

describe('formatError', () => {
  it('passes known codes and masks everything else', () => {
    expect(formatError({ message: 'No identity', extensions: { code: 'IDENTITY_NOT_FOUND', stacktrace: ['x'] } })).toEqual({
      message: 'No identity',
      extensions: { code: 'IDENTITY_NOT_FOUND' },
    });
    expect(formatError({ message: 'connect ECONNREFUSED 10.0.0.5:27017', path: ['createUser'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } })).toEqual({
      message: 'Internal server error',
      path: ['createUser'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(formatError({ message: 'boom' }).message).toBe('Internal server error');
  });
});
