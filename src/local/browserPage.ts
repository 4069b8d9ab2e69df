/** What the development pages (GraphiQL, the client kit's demo) share: their security headers and their bundler. */

/** Sent with every page and asset: no sniffing, no referrer, no cross-origin embedding or opening. */
export const PAGE_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/**
 * A Content-Security-Policy that allows nothing beyond its own origin's scripts and images unless a directive
 * says so: no inline script, no framing, no forms, no base URL.
 */
export function contentSecurityPolicy(directives: { connect: string; style: string; worker?: string; font?: string }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    ...(directives.worker ? [`worker-src ${directives.worker}`] : []),
    `connect-src ${directives.connect}`,
    `style-src ${directives.style}`,
    "img-src 'self' data:",
    ...(directives.font ? [`font-src ${directives.font}`] : []),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** esbuild, a development dependency: loaded only when a page is first asked for. */
export async function loadEsbuild(page: string): Promise<typeof import('esbuild')> {
  try {
    return await import('esbuild');
  } catch (error) {
    throw new Error(`${page} needs esbuild, a development dependency: run \`npm ci\` without --omit=dev.`, { cause: error });
  }
}

/** Browser bundles, minified and in memory; React and friends read NODE_ENV. */
export const BROWSER_BUNDLE_OPTIONS = {
  bundle: true,
  write: false,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'silent',
} as const;
