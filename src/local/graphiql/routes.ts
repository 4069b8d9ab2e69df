import type { IncomingMessage, ServerResponse } from 'node:http';
import { ASSET_NAMES, loadGraphiqlBundle, type AssetName } from './bundle.js';
import { ASSET_PATH, CONTENT_SECURITY_POLICY, PAGE_CSS, renderPage, renderUnavailablePage } from './page.js';
import type { RouteHandler } from '../../http/server.js';
import { PAGE_SECURITY_HEADERS } from '../browserPage.js';

/**
 * Serves GraphiQL at GET /graphql to browsers (Accept prefers text/html) and its bundle under /graphiql/.
 * Everything else on /graphql (POST, JSON GETs) still goes to the handler already registered there.
 */
export function addGraphiqlRoutes(routes: Record<string, RouteHandler>): void {
  const graphql = routes['/graphql'];
  if (!graphql) throw new Error('Register /graphql before adding GraphiQL to it.');

  routes['/graphql'] = (req, res, url) => {
    if (req.method === 'GET' && prefersHtml(req.headers.accept)) return servePage(res);
    return graphql(req, res, url);
  };
  for (const name of ASSET_NAMES) routes[`${ASSET_PATH}${name}`] = (req, res) => serveAsset(req, res, name);
  routes[`${ASSET_PATH}page.css`] = (_req, res) => {
    res.writeHead(200, { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(PAGE_CSS);
  };
}


async function servePage(res: ServerResponse): Promise<void> {
  const headers = { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': CONTENT_SECURITY_POLICY };
  let version: string;
  try {
    ({ version } = await loadGraphiqlBundle());
  } catch (error) {
    res.writeHead(503, headers);
    res.end(renderUnavailablePage(error instanceof Error ? error.message : String(error)));
    return;
  }
  res.writeHead(200, headers);
  res.end(renderPage(version));
}

async function serveAsset(req: IncomingMessage, res: ServerResponse, name: AssetName): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
    return;
  }
  const { version, assets } = await loadGraphiqlBundle();
  const asset = assets.get(name)!;
  const etag = `"${version}"`;
  // The page links assets with ?v=<version>, so a versioned URL never changes content.
  const cacheControl = new URL(req.url ?? '', 'http://localhost').searchParams.get('v') === version ? 'public, max-age=31536000, immutable' : 'no-cache';
  const headers = { ...PAGE_SECURITY_HEADERS, 'content-type': asset.contentType, 'cache-control': cacheControl, etag };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

/** True when the client ranks text/html above application/json, as browsers navigating do; `*\/*` alone is a tie. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map(parseRange).filter((range) => range !== undefined);
  const html = quality(ranges, 'text', 'html');
  return html > 0 && html > quality(ranges, 'application', 'json');
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseRange(part: string): MediaRange | undefined {
  const [mediaType = '', ...params] = part.split(';').map((item) => item.trim().toLowerCase());
  const [type, subtype] = mediaType.split('/');
  if (!type || !subtype) return undefined;
  let q = 1;
  for (const param of params) {
    const [key, value] = param.split('=').map((item) => item.trim());
    if (key === 'q' && value !== undefined) q = Number.isFinite(Number(value)) ? Math.min(Math.max(Number(value), 0), 1) : 0;
  }
  return { type, subtype, q };
}

/** The q of the most specific matching range (RFC 9110 §12.5.1); 0 when none matches. */
function quality(ranges: MediaRange[], type: string, subtype: string): number {
  let best: { specificity: number; q: number } | undefined;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype ? 3 : range.type === type && range.subtype === '*' ? 2 : range.type === '*' && range.subtype === '*' ? 1 : 0;
    if (specificity > 0 && (!best || specificity > best.specificity)) best = { specificity, q: range.q };
  }
  return best?.q ?? 0;
}
