import { appUserIdProblem } from '../../src/identity/appUser.js';

/**
 * Every code point of a Unicode property, taken from the Unicode data the runtime ships (V8's ICU,
 * process.versions.unicode), so the test follows each new Unicode version instead of a hand list.
 */
function codePointsOf(property: string): number[] {
  const matches = new RegExp(`^\\p{${property}}$`, 'u');
  const found: number[] = [];
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
    if (matches.test(String.fromCodePoint(codePoint))) found.push(codePoint);
  }
  return found;
}

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

/** The code points of `property` that the rule lets through, when put after, before or inside a valid id. */
function accepted(property: string): string[] {
  return codePointsOf(property)
    .filter((codePoint) => {
      const character = String.fromCodePoint(codePoint);
      return [`rt3-lookalike${character}`, `${character}rt3-lookalike`, `rt3${character}lookalike`].some((id) => appUserIdProblem(id) === null);
    })
    .map(hex);
}

describe('the app user id rule, against whole Unicode categories', () => {
  it.each([
    ['Space_Separator (Zs)', 'General_Category=Space_Separator', 17],
    ['Line_Separator (Zl)', 'General_Category=Line_Separator', 1],
    ['Paragraph_Separator (Zp)', 'General_Category=Paragraph_Separator', 1],
    ['Control (Cc)', 'General_Category=Control', 65],
    ['Format (Cf)', 'General_Category=Format', 50],
    ['Private_Use (Co)', 'General_Category=Private_Use', 100_000],
    ['Unassigned (Cn)', 'General_Category=Unassigned', 800_000],
    ['Default_Ignorable_Code_Point', 'Default_Ignorable_Code_Point', 4000],
    ['White_Space', 'White_Space', 25],
  ])('refuses every code point of %s', (_name, property, atLeast) => {
    // The control: the category really was read, whole (Zs has had 17 members since Unicode 4).
    expect(codePointsOf(property).length).toBeGreaterThanOrEqual(atLeast);
    expect(accepted(property)).toEqual([]);
  });

  it('refuses lone surrogates (Cs), which a JSON body can carry as \\uD800', () => {
    const surrogates = codePointsOf('General_Category=Surrogate');
    expect(surrogates).toHaveLength(2048);
    expect(surrogates.filter((codePoint) => appUserIdProblem(`rt3-lookalike${String.fromCharCode(codePoint)}`) === null)).toEqual([]);
  });

  it('names what is wrong with the spaces the attack used', () => {
    for (const space of ['\u00A0', '\u2003', '\u202F', '\u3000', ' ']) {
      expect(appUserIdProblem(`rt3-lookalike${space}`)).toMatch(/separator/);
    }
  });

  it('accepts ids in any script, with punctuation, as identity providers issue them', () => {
    for (const id of ['rt3-lookalike', 'user@example.com', 'auth0|5f7c8ec7c33c6c004bbafe82', 'josé', '山田太郎', 'Ελένη', 'محمد', 'a.b_c~d+e']) {
      expect({ id, problem: appUserIdProblem(id) }).toEqual({ id, problem: null });
    }
  });
});
