import { createCallerVerifier, type BearerTokenOutcome, type CallerVerifierOptions } from '../../src/auth/callerVerifier.js';
import { startTestIssuer, type TestIssuer } from '../harness/testIssuer.js';

// The verifier against a real JWKS served over HTTP; outcomes are read through the metrics hook.
describe('caller verifier: remembering verified bearer tokens', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer.close());

  function verifier(overrides: Partial<CallerVerifierOptions> = {}) {
    const outcomes: BearerTokenOutcome[] = [];
    const verify = createCallerVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwks: new URL(issuer.jwksUri),
      algorithms: ['RS256'],
      userIdClaim: 'sub',
      rolesClaim: 'roles',
      adminRole: 'identity.admin',
      clockToleranceSeconds: 0,
      verifiedTokenCache: { seconds: 60, maxEntries: 100 },
      onBearerToken: (outcome) => outcomes.push(outcome),
      ...overrides,
    });
    return { verify, outcomes };
  }

  it('checks a token once, then remembers it; a forged token for the same user is still rejected', async () => {
    const { verify, outcomes } = verifier();
    const token = await issuer.token('alice', { roles: ['identity.admin'] });
    const first = await verify(`Bearer ${token}`);
    const second = await verify(`Bearer ${token}`);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ userId: 'alice', isAdmin: true });

    const forged = await issuer.token('alice', { roles: ['identity.admin'], foreignKey: true });
    await expect(verify(`Bearer ${forged}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verify(`Bearer ${forged}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(outcomes).toEqual(['verified', 'remembered', 'rejected', 'rejected']);
  });

  it('stops accepting a remembered token when it expires', async () => {
    const { verify, outcomes } = verifier();
    const expiresAtS = Math.floor(Date.now() / 1000) + 2;
    const token = await issuer.token('bob', { expiresIn: expiresAtS });
    await verify(`Bearer ${token}`);
    await verify(`Bearer ${token}`);
    await new Promise((r) => setTimeout(r, expiresAtS * 1000 - Date.now() + 50));
    await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'The bearer token has expired.' });
    expect(outcomes).toEqual(['verified', 'remembered', 'rejected']);
  });

  it('verifies every request when the cache is off (AUTH_VERIFIED_TOKEN_CACHE_SECONDS=0)', async () => {
    const { verify, outcomes } = verifier({ verifiedTokenCache: { seconds: 0, maxEntries: 100 } });
    const token = await issuer.token('carol');
    await verify(`Bearer ${token}`);
    await verify(`Bearer ${token}`);
    await expect(verify('Bearer not-a-jwt')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(outcomes).toEqual(['verified', 'verified', 'rejected']);
  });
});
