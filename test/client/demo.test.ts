// The client kit's demo page in headless Chromium: its own origin, the gateway on another, CORS_ORIGINS set as the
// kit's README says. The bundled refresher and the real SDK credential obtain a token and refresh it on their own.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../src/local/demo/server.js';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts');
const LIFETIME_S = 6;
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Skipping the demo page browser test: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).`);

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

let h: Harness;
let demo: DemoServer;
let stranger: DemoServer;
let gatewayUrl: string;

beforeAll(async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  h = await startHarness({ name: 'client_demo', env: { CORS_ORIGINS: origin }, emulator: { tokenLifetimeSeconds: LIFETIME_S } });
  // 127.0.0.1, not localhost: Chromium may try ::1 first, where the test gateway does not listen.
  gatewayUrl = h.gateway.url.replace('//localhost:', '//127.0.0.1:');
  demo = await startDemoServer({ gatewayEndpoint: gatewayUrl, port });
  // The same page from an origin the gateway does not list.
  stranger = await startDemoServer({ gatewayEndpoint: gatewayUrl, port: 0 });
}, 60_000);
afterAll(async () => {
  await demo?.close();
  await stranger?.close();
  await h?.stop();
});

describe('the demo page server', () => {
  it('bundles a script that type-checks as a browser program (DOM, no Node types)', () => {
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'clients/web/demo/tsconfig.json'], { encoding: 'utf8' });
    expect(`${tsc.stdout}${tsc.stderr}`.trim()).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('serves the page with a strict CSP that lets it reach the gateway only', async () => {
    const response = await fetch(demo.url);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(csp).toContain(`connect-src ${new URL(gatewayUrl).origin}`);
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).toContain(`content="${gatewayUrl}"`);
    expect((await fetch(new URL('/demo.js', demo.url))).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(new URL('/nope', demo.url))).status).toBe(404);
    expect((await fetch(demo.url, { method: 'POST' })).status).toBe(405);
  });
});

describe('npm run demo', () => {
  // Run from source with tsx: the same module that `npm run demo` runs compiled.
  const demoCli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(path.resolve('node_modules/.bin/tsx'), ['src/local/cli/demo.ts', ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout: 30_000 });

  it('explains itself, and refuses bad values and production in one line', () => {
    const help = demoCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run demo/);
    expect(help.stdout).toContain('CORS_ORIGINS');
    for (const [args, env, message] of [
      [['--port', 'soon'], {}, /--port takes a port number, not "soon"/],
      [['--gateway', 'nowhere'], {}, /--gateway takes a URL, not "nowhere"/],
      [[], { NODE_ENV: 'production' }, /development only/],
    ] as const) {
      const outcome = demoCli([...args], env);
      expect(outcome.status).toBe(2);
      expect(outcome.stderr).toMatch(message);
      expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 60_000);
});

(haveChromium ? describe : describe.skip)('the demo page in headless Chromium', () => {
  let browser: BrowserContext;
  let profileDir: string;

  beforeAll(async () => {
    profileDir = await mkdtemp(path.join(tmpdir(), 'client-demo-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await rm(profileDir, { recursive: true, force: true });
  });

  /** A page with everything it logs and every request it made to the gateway. */
  async function open(url: string) {
    const page = await browser.newPage();
    const problems: string[] = [];
    const gatewayRequests: Array<{ authorization?: string; origin?: string }> = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', async (request) => {
      if (request.url() === gatewayUrl && request.method() === 'POST') {
        const headers = await request.allHeaders(); // what went on the wire, Origin included
        gatewayRequests.push({ authorization: headers['authorization'], origin: headers['origin'] });
      }
    });
    await page.goto(url);
    await page.locator('body[data-state="signed-out"]').waitFor();
    return { page, problems, gatewayRequests };
  }

  async function signIn(page: Page, token: string) {
    await page.locator('#auth-token').fill(token);
    await page.locator('#sign-in-button').click();
  }

  /** Every place a page could keep a token; run in the page as source text (this project's types have no DOM). */
  async function storageOf(page: Page) {
    return {
      local: await page.evaluate<number>('localStorage.length'),
      session: await page.evaluate<number>('sessionStorage.length'),
      indexedDb: await page.evaluate<number>('indexedDB.databases().then((databases) => databases.length)'),
      cacheStorage: await page.evaluate<number>('caches.keys().then((keys) => keys.length)'),
      documentCookie: await page.evaluate<string>('document.cookie'),
      cookies: (await browser.cookies()).length,
    };
  }

  async function evidence(page: Page, name: string, problems: string[]) {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-failure.png`), fullPage: true }).catch(() => {});
    await writeFile(path.join(ARTIFACTS, `${name}-failure.html`), await page.content()).catch(() => {});
    console.error('Browser console errors:', problems);
  }

  /** The token operations the gateway served to `sub`, oldest first, from its request log. */
  const tokenOperationsServed = (sub: string) =>
    h.logLines
      .map((line) => JSON.parse(line) as { msg?: string; caller?: string; operation?: string; errorCodes?: string[] })
      .filter((entry) => entry.msg === 'graphql request' && entry.caller === sub && !entry.errorCodes)
      .map((entry) => entry.operation)
      .filter((operation) => operation === 'issueToken' || operation === 'createUserAndToken');

  it('signs in, obtains a token and shows each proactive refresh, keeping no token in any storage', async () => {
    const signInToken = await h.tokenFor('demo-alice');
    const { page, problems, gatewayRequests } = await open(demo.url);
    try {
      await signIn(page, signInToken);
      const rows = page.locator('#refreshes tbody tr');
      await rows.nth(2).waitFor({ timeout: 4 * LIFETIME_S * 1000 }); // the first token and two refreshes
      await page.locator('body[data-state="signed-in"]').waitFor();
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'client-demo.png'), fullPage: true });

      // What the page shows is what the gateway stored and sent.
      const me = await h.gql<{ me: { id: string } | null }>('{ me { id } }', {}, signInToken);
      expect(await page.locator('#identity').innerText()).toBe(me.data?.me?.id);
      expect(await page.locator('#app-user').innerText()).toBe('demo-alice');
      expect(await page.locator('#expires-on').innerText()).toMatch(/\(in \d+ s\)/);
      const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({ fingerprint: tr.getAttribute('data-fingerprint'), operation: tr.children[2]!.textContent })));
      // Newest first; the first token came with the identity's creation, the others from issueToken.
      expect(shown.at(-1)!.operation).toBe('createUserAndToken (identity created)');
      expect(shown.slice(0, -1).every((row) => row.operation === 'issueToken')).toBe(true);
      expect(new Set(shown.map((row) => row.fingerprint)).size).toBe(shown.length);
      // Each row is a token the gateway served to that user: its own request log counts them (the page's snapshot
      // may be one behind a refresh that just finished).
      const served = tokenOperationsServed('demo-alice');
      expect(served[0]).toBe('createUserAndToken');
      expect(served.length - shown.length).toBeGreaterThanOrEqual(0);
      expect(served.length - shown.length).toBeLessThanOrEqual(1);

      // Cross-origin, with the bearer token, as the README's CORS settings allow.
      expect(gatewayRequests.length).toBeGreaterThanOrEqual(3);
      const expected = { authorization: `Bearer ${signInToken}`, origin: new URL(demo.url).origin };
      expect(gatewayRequests.filter((request) => request.authorization !== expected.authorization || request.origin !== expected.origin)).toEqual([]);

      // No token anywhere but in memory: not in any storage, not in the page.
      expect(await storageOf(page)).toEqual({ local: 0, session: 0, indexedDb: 0, cacheStorage: 0, documentCookie: '', cookies: 0 });
      const html = await page.content();
      expect(html).not.toContain(signInToken);
      expect(html).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/); // no JWT at all, ACS token or other
      expect(await page.locator('#auth-token').inputValue()).toBe('');
      expect(problems).toEqual([]); // no CSP violation, no script error
    } catch (error) {
      await evidence(page, 'client-demo', problems);
      throw error;
    } finally {
      await page.locator('#sign-out').click().catch(() => {});
      await page.close();
    }
  }, 60_000);

  it('asks for a fresh sign-in token when the gateway refuses an expired one, and carries on with it', async () => {
    const expired = await h.issuer.token('demo-bob', { expiresIn: Math.floor(Date.now() / 1000) - 300 });
    const { page, problems } = await open(demo.url);
    try {
      await signIn(page, expired);
      await page.locator('body[data-state="needs-sign-in"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('#prompt').isVisible()).toBe(true);
      await signIn(page, await h.tokenFor('demo-bob'));
      await page.locator('#refreshes tbody tr').first().waitFor({ timeout: 10_000 });
      expect(await page.locator('#app-user').innerText()).toBe('demo-bob');
      expect(await page.locator('#log').innerText()).toContain('the gateway refused the sign-in token');
      expect(await storageOf(page)).toMatchObject({ local: 0, session: 0, indexedDb: 0, cookies: 0 });
      // The 401 shows in the console as a failed resource load; nothing else may.
      expect(problems.filter((problem) => !/401/.test(problem))).toEqual([]);
    } catch (error) {
      await evidence(page, 'client-demo-expired', problems);
      throw error;
    } finally {
      await page.locator('#sign-out').click().catch(() => {});
      await page.close();
    }
  }, 60_000);

  it('cannot reach the gateway from an origin that CORS_ORIGINS does not list', async () => {
    const signInToken = await h.tokenFor('demo-carol');
    const { page, problems } = await open(stranger.url);
    try {
      await signIn(page, signInToken);
      await page.locator('body[data-state="error"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('#problem').innerText()).toMatch(/GatewayNetworkError: IssueToken failed: the gateway could not be reached.*CORS_ORIGINS/);
      expect(problems.join('\n')).toMatch(/CORS policy/);
      // The preflight was refused, so the mutation never ran.
      expect((await h.gql<{ me: unknown }>('{ me { id } }', {}, signInToken)).data?.me).toBeNull();
    } finally {
      await page.close();
    }
  }, 60_000);
});
