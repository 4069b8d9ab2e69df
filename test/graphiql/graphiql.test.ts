import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHarness, type Harness } from '../harness/gatewayHarness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts');
// Named, so the test can see GraphiQL has parsed the new text (the tab takes the name) before running it.
const QUERY = 'mutation CreateMyIdentity { createUser { created identity { id appUserId } } }';
const QUERY_EDITOR = '.graphiql-query-editor .graphiql-editor';
// The tools section holds the variables and headers editors; the inactive one is .hidden.
const HEADERS_EDITOR = 'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)';
const RESULT = 'section.result-window .view-lines';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`Skipping the GraphiQL browser test: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`);
}

let h: Harness;
/** The gateway on 127.0.0.1: Chromium may try ::1 first for "localhost", where the test gateway does not listen. */
let graphqlUrl: string;

beforeAll(async () => {
  h = await startHarness({ name: 'graphiql' });
  graphqlUrl = h.gateway.url.replace('//localhost:', '//127.0.0.1:');
});
afterAll(async () => {
  await h?.stop();
});

describe('GET /graphql routing', () => {
  it('serves the GraphiQL page with a strict CSP to a browser navigation', async () => {
    const response = await fetch(graphqlUrl, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    const html = await response.text();
    expect(html).toContain('<div id="graphiql">');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/https?:\/\//); // nothing from another origin
  }, 120_000);

  it('leaves JSON GETs, */* GETs and POSTs to Apollo', async () => {
    for (const accept of ['application/json', '*/*', 'text/html;q=0.5, application/json']) {
      const response = await fetch(`${graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept, 'apollo-require-preflight': 'true' },
      });
      expect({ accept, type: response.headers.get('content-type') }).toEqual({ accept, type: expect.stringMatching(/json/) });
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    }
    const post = await h.gql('{ __typename }');
    expect(post.data).toEqual({ __typename: 'Query' });
  });

  it('keeps CSRF prevention: a simple-request GET without a preflight header is refused', async () => {
    const response = await fetch(`${graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(400);
  });

  it('serves neither the page nor its assets in production', async () => {
    const production = await h.startInstance({ NODE_ENV: 'production', HOST: '127.0.0.1', METRICS_PORT: '0' });
    const base = production.url.replace('//localhost:', '//127.0.0.1:');
    const page = await fetch(base, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await page.text()).not.toContain('graphiql');
    const asset = await fetch(new URL('/graphiql/graphiql.js', base));
    expect(asset.status).toBe(404);
  });
});

(haveChromium ? describe : describe.skip)('GraphiQL in headless Chromium', () => {
  let browser: BrowserContext;
  let profileDir: string;

  beforeAll(async () => {
    profileDir = await mkdtemp(path.join(tmpdir(), 'graphiql-chromium-'));
    // A fresh profile per run; Playwright passes it as --user-data-dir.
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await rm(profileDir, { recursive: true, force: true });
  });

  it('sends the bearer token from the headers editor, runs createUser and shows the result', async () => {
    const token = await h.tokenFor('graphiql-alice');
    const page = await browser.newPage();
    const requests: string[] = [];
    const graphqlAuthorizations: Array<string | undefined> = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      requests.push(request.url());
      if (request.method() === 'POST' && request.url() === graphqlUrl) graphqlAuthorizations.push(request.headers()['authorization']);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await mkdir(ARTIFACTS, { recursive: true });
    let shown: string;
    try {
      await page.goto(graphqlUrl);
      await page.locator('.graphiql-container').waitFor({ timeout: 90_000 });
      await page.locator('.graphiql-query-editor .view-lines').waitFor();

      await replaceEditorText(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${token}` }));
      await replaceEditorText(page, QUERY_EDITOR, QUERY);
      await page.locator('.graphiql-tab-button[title="CreateMyIdentity"]').waitFor();
      await page.locator('.graphiql-execute-button').click();

      const response = page.locator(RESULT);
      shown = await waitForText(async () => normalize(await response.innerText()), '"appUserId": "graphiql-alice"', 30_000);
      await page.screenshot({ path: path.join(ARTIFACTS, 'graphiql.png') });
    } catch (error) {
      // Evidence for whoever reads the failure.
      await page.screenshot({ path: path.join(ARTIFACTS, 'graphiql-failure.png') }).catch(() => {});
      await writeFile(path.join(ARTIFACTS, 'graphiql-failure.html'), await page.content()).catch(() => {});
      console.error('Browser console errors:', problems);
      throw error;
    }

    expect(shown).toContain('"appUserId": "graphiql-alice"');
    expect(shown).toContain('"created": true');
    expect(graphqlAuthorizations).toContain(`Bearer ${token}`);
    // What the page shows is what the gateway stored for that token's user.
    const me = await h.gql<{ me: { id: string; appUserId: string } | null }>('{ me { id appUserId } }', {}, token);
    expect(me.data?.me?.id).toMatch(/^8:acs:/);
    // The response editor wraps long lines, so compare without whitespace.
    expect(shown.replace(/\s+/g, '')).toContain(`"id":"${me.data?.me?.id}"`);

    const offLoopback = requests.filter((url) => !isLoopback(url));
    expect(offLoopback).toEqual([]);
    // CSP violations ("Refused to …") and failed loads show up as console errors.
    expect(problems).toEqual([]);

    // The token is in no browser storage: not in any key of local or session storage (history and tabs
    // included), IndexedDB, cookies or the Cache API, and a reload does not bring it back.
    await page.evaluate(async () => {
      // In the page: the server's TypeScript program has no DOM types, so the browser globals are untyped here.
      const { localStorage, sessionStorage, indexedDB } = globalThis as any;
      // Planted values, so the dump below is seen to read every kind of store.
      localStorage.setItem('probe', 'planted-local');
      sessionStorage.setItem('probe', 'planted-session');
      await new Promise<void>((resolve) => {
        const open = indexedDB.open('probe');
        open.onupgradeneeded = () => open.result.createObjectStore('s');
        open.onsuccess = () => {
          const write = open.result.transaction('s', 'readwrite').objectStore('s').put('planted-idb', 'k');
          write.onsuccess = () => resolve();
        };
      });
    });
    const stored = await everythingStored(page);
    for (const planted of ['planted-local', 'planted-session', 'planted-idb']) expect(stored).toContain(planted);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(token.split('.')[2]!);
    await page.reload();
    await page.locator('.graphiql-query-editor .view-lines').waitFor({ timeout: 90_000 });
    expect(normalize(await page.locator(HEADERS_EDITOR).innerText())).not.toContain(token.slice(0, 20));
    expect(await everythingStored(page)).not.toContain(token);
    await page.close();
  }, 180_000);
});

/** Every value the page's origin keeps in the browser, as one string. */
async function everythingStored(page: Page): Promise<string> {
  const inPage = await page.evaluate(async () => {
    // In the page: the server's TypeScript program has no DOM types, so the browser globals are untyped here.
    const { localStorage, sessionStorage, indexedDB, caches, document } = globalThis as any;
    const dump = (storage: any) => Object.fromEntries(Array.from({ length: storage.length }, (_, i) => storage.key(i)!).map((key) => [key, storage.getItem(key)]));
    const databases: Record<string, unknown> = {};
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue;
      const db = await new Promise<any>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        databases[`${name}/${store}`] = await new Promise((resolve) => {
          const all = db.transaction(store).objectStore(store).getAll();
          all.onsuccess = () => resolve(all.result);
        });
      }
      db.close();
    }
    const cached = await Promise.all((await caches.keys()).map(async (name: string) => [name, (await (await caches.open(name)).keys()).map((r: { url: string }) => r.url)]));
    return { local: dump(localStorage), session: dump(sessionStorage), databases, caches: cached, cookie: document.cookie };
  });
  const cookies = await page.context().cookies();
  return JSON.stringify({ ...inPage, cookies });
}

/** Selects everything in a Monaco editor and inserts text as one edit (no auto-closed brackets). */
async function replaceEditorText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function waitForText(read: () => Promise<string>, expected: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = await read();
  while (!text.includes(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    text = await read();
  }
  return text; // the caller's assertions show what was there instead
}

/** Monaco renders spaces as non-breaking spaces. */
function normalize(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

function isLoopback(raw: string): boolean {
  const url = new URL(raw);
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}
