import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { findRepoRoot } from '../embeddedMongo/repoRoot.js';
import { BROWSER_BUNDLE_OPTIONS, loadEsbuild, PAGE_SECURITY_HEADERS } from '../browserPage.js';
import { demoContentSecurityPolicy, renderDemoPage } from './page.js';

export interface DemoServerOptions {
  /** The gateway's GraphQL endpoint the page calls, cross-origin. */
  gatewayEndpoint: string;
  host?: string;
  port?: number;
}

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}


/**
 * Serves the client kit's demo page (clients/web/demo), bundled once at start by esbuild, a development dependency.
 * Its own origin, not the gateway's: the page reaches the gateway through CORS, as a frontend would.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const gateway = new URL(options.gatewayEndpoint);
  if (gateway.protocol !== 'http:' && gateway.protocol !== 'https:') throw new Error(`The gateway endpoint must be http(s), not ${gateway.protocol}`);
  const assets = await bundle();
  const version = createHash('sha256').update(assets['demo.js'].body).update(assets['demo.css'].body).digest('hex').slice(0, 12);
  const page = renderDemoPage(gateway.href, version);
  const csp = demoContentSecurityPolicy(gateway.origin);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...PAGE_SECURITY_HEADERS, allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const send = (type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(200, { ...PAGE_SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname === '/') return send('text/html; charset=utf-8', page, { 'content-security-policy': csp });
    const asset = url.pathname === '/demo.js' ? assets['demo.js'] : url.pathname === '/demo.css' ? assets['demo.css'] : undefined;
    if (asset) return send(asset.type, asset.body);
    res.writeHead(404, { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4100, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function bundle(): Promise<Record<'demo.js' | 'demo.css', { type: string; body: Buffer }>> {
  const esbuild = await loadEsbuild('The demo page');
  const demoDir = path.join(findRepoRoot(), 'clients', 'web', 'demo');
  const result = await esbuild.build({
    ...BROWSER_BUNDLE_OPTIONS,
    entryPoints: [path.join(demoDir, 'main.ts')],
  });
  return {
    'demo.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(result.outputFiles[0]!.contents) },
    'demo.css': { type: 'text/css; charset=utf-8', body: await readFile(path.join(demoDir, 'demo.css')) },
  };
}
