/**
 * Misspelt variables: a name with one of the gateway's prefixes that the configuration does not know was meant
 * for the gateway, and would otherwise be ignored without a word (MONGODB_URL left the embedded database on).
 * Takes the set of known names, so it follows the schema wherever that lives.
 */

/** Prefixes only the gateway's own variables use. */
export const GATEWAY_PREFIXES = [
  'ACS_',
  'ALLOWED_',
  'AUDIT_',
  'AUTH_',
  'COMMUNICATION_SERVICES_',
  'HTTP_',
  'MAPPING_',
  'MAX_',
  'METRICS_',
  'MONGODB_',
  'RATE_LIMIT_',
  'RECONCILE_',
  'TEAMS_',
  'TOKEN_',
] as const;

/** Read by others with the same prefixes: Node's and the Azure SDK's proxy setting, the emulator's own settings. */
const NOT_OURS = /^(HTTP_PROXY|ACS_EMULATOR_.*)$/;

/**
 * Kubernetes adds `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT…` for every Service in the namespace (service links):
 * a Service named `mongodb`, or the chart's own `acs-identity-gateway`, would otherwise stop production.
 */
const SERVICE_LINK = /_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$/;

/** One message per unknown variable: `MONGODB_URL: unknown; did you mean MONGODB_URI?` */
export function unknownVariables(env: Record<string, string | undefined>, known: Iterable<string>): string[] {
  const knownNames = [...known];
  const knownSet = new Set(knownNames);
  return Object.keys(env)
    .filter((name) => env[name] !== undefined)
    .filter((name) => GATEWAY_PREFIXES.some((prefix) => name.startsWith(prefix)))
    .filter((name) => !knownSet.has(name) && !NOT_OURS.test(name) && !SERVICE_LINK.test(name))
    .sort()
    .map((name) => {
      const nearest = nearestName(name, knownNames);
      return nearest ? `${name}: unknown; did you mean ${nearest}?` : `${name}: unknown; no gateway variable is spelt like it (README.md lists them all).`;
    });
}

/** The known name fewest edits away, if it is close enough to be a slip rather than another variable. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 4));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    // Lengths further apart than the limit cannot be within it: a huge name costs nothing.
    if (Math.abs(candidate.length - name.length) > limit) continue;
    const distance = editDistance(name, candidate);
    if (distance <= limit && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost 1. */
function editDistance(a: string, b: string): number {
  let beforePrevious = new Uint16Array(b.length + 1);
  let previous = Uint16Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, beforePrevious[j - 2]! + 1);
      current[j] = distance;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length]!;
}
