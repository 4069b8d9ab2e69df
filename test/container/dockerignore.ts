/**
 * .dockerignore as the Docker CLI reads it: patterns relative to the context root, `*` and `?` within one
 * path segment, `**` across segments, `!` re-includes, the last matching line wins, and a path is
 * excluded when one of its parent directories is.
 */
export type IgnoreRule = { negate: boolean; pattern: RegExp; source: string };

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const body = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '').replace(/^\.\//, '');
      return { negate, pattern: globToRegExp(body), source: line };
    });
}

export function isIgnored(rules: IgnoreRule[], relativePath: string): boolean {
  const segments = relativePath.split('/');
  let ignored = false;
  for (let depth = 1; depth <= segments.length; depth++) {
    const candidate = segments.slice(0, depth).join('/');
    for (const rule of rules) if (rule.pattern.test(candidate)) ignored = !rule.negate;
    if (ignored) return true; // nothing under an ignored directory reaches the context
  }
  return ignored;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
