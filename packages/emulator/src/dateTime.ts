// Date-times as the real service writes them: .NET's round-trip form with up to 7 fraction digits
// (100 ns ticks), trailing zeros trimmed, and an explicit +00:00 offset: 2025-04-16T14:48:09.2343833+00:00.
// Older Python clients fail to parse the 7-digit form, so the emulator must write it too.

/** `ticks` are the 100 ns units below the millisecond (0..9999), which the ms clock cannot give. */
export function formatServiceDateTime(ms: number, ticks = 0): string {
  const iso = new Date(ms).toISOString(); // 2025-04-16T14:48:09.234Z
  const fraction = `${iso.slice(20, 23)}${String(ticks).padStart(4, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}+00:00`;
}

/** Whole seconds, as recorded for lastTokenIssuedAt (2025-04-14T15:32:35+00:00). */
export function formatWholeSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/** Sub-millisecond digits from the high-resolution clock, so expiresOn carries 7 digits like the service's. */
export function subMillisecondTicks(): number {
  return Number((process.hrtime.bigint() / 100n) % 10_000n);
}

/**
 * When a token that must not outlive an Entra token expires: whole seconds from now, at most until `limitMs`.
 * The recorded Teams exchange answers such an expiresOn with a fraction (…16:17:09.1265347), so the service
 * counts from its own clock rather than copying the Entra token's whole-second exp (inferred).
 */
export function expiryWithin(limitMs: number, nowMs: number): number {
  return nowMs + Math.floor((limitMs - nowMs) / 1000) * 1000;
}
