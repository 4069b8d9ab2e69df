// The demo page's script (bundled by src/local/demo with esbuild): sign in with a development token, then watch the
// kit's refresher feed a real AzureCommunicationTokenCredential. Tokens live in variables only: nothing is stored.
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { AbortError, createTokenRefresher, type CommunicationTokenScope, type RefresherEvent, type TokenRefresher } from '../src/index.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
};

const endpoint = document.querySelector<HTMLMetaElement>('meta[name="gateway-endpoint"]')?.content ?? '/graphql';
const form = $<HTMLFormElement>('sign-in-form');
const tokenInput = $<HTMLTextAreaElement>('auth-token');
const lifetimeInput = $<HTMLInputElement>('expires-in');
const signInButton = $<HTMLButtonElement>('sign-in-button');
const signOutButton = $<HTMLButtonElement>('sign-out');
const prompt = $('prompt');
const problem = $('problem');
const rows = $('refreshes').querySelector('tbody')!;
const log = $('log');
$('endpoint').textContent = endpoint;

interface Session {
  credential: AzureCommunicationTokenCredential;
  signInToken: string;
  /** Set while the page waits for a fresh sign-in token (the gateway refused the last one). */
  waitingForToken?: { resolve(token: string): void; reject(error: unknown): void };
  lastToken?: Extract<RefresherEvent, { type: 'token' }>;
  expiresAt?: number;
  refreshes: number;
}
let session: Session | undefined;

function setState(state: 'signed-out' | 'refreshing' | 'signed-in' | 'needs-sign-in' | 'error'): void {
  document.body.dataset['state'] = state;
  signOutButton.disabled = state === 'signed-out';
  signInButton.textContent = state === 'needs-sign-in' ? 'Continue with this token' : 'Sign in';
  prompt.hidden = state !== 'needs-sign-in';
}

function note(message: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${message}`;
  log.prepend(item);
}

function showProblem(error: unknown): void {
  // The kit's messages never hold a token; the SDK's own could only name what it was given.
  problem.textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  problem.hidden = false;
}

async function fingerprint(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return [...digest.slice(0, 6)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function recordRefresh(current: Session, token: string): Promise<void> {
  current.refreshes += 1;
  const exp = (JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp: number }).exp;
  current.expiresAt = exp * 1000;
  const event = current.lastToken;
  const row = document.createElement('tr');
  const cells = [
    String(current.refreshes),
    new Date().toLocaleTimeString(),
    event ? `${event.operation}${event.created ? ' (identity created)' : ''}` : '?',
    new Date(current.expiresAt).toLocaleTimeString(),
    await fingerprint(token),
  ];
  for (const text of cells) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  row.dataset['fingerprint'] = cells[4]!;
  rows.prepend(row);
  $('refresh-count').textContent = String(current.refreshes);
  if (event) {
    $('identity').textContent = event.identity.id;
    $('app-user').textContent = event.identity.appUserId;
  }
  tick();
}

function tick(): void {
  const expiresAt = session?.expiresAt;
  $('expires-on').textContent =
    expiresAt === undefined ? '–' : `${new Date(expiresAt).toLocaleTimeString()} (in ${Math.max(0, Math.round((expiresAt - Date.now()) / 1000))} s)`;
}
setInterval(tick, 1000);

function signIn(signInToken: string, scopes: CommunicationTokenScope[], expiresInMinutes: number): void {
  const refresher = createTokenRefresher({
    endpoint,
    scopes,
    expiresInMinutes,
    getAuthToken: ({ forceRefresh, signal }) => {
      const current = session;
      if (!current) throw new Error('Signed out.');
      if (!forceRefresh) return current.signInToken;
      // The gateway refused the sign-in token: ask the developer for a fresh one, as an app would re-authenticate.
      setState('needs-sign-in');
      return new Promise<string>((resolve, reject) => {
        current.waitingForToken = { resolve, reject };
        signal.addEventListener('abort', () => reject(new AbortError('Aborted while waiting for a sign-in token.')), { once: true });
      });
    },
    onEvent: (event) => {
      if (!session) return;
      if (event.type === 'token') session.lastToken = event;
      if (event.type === 'rate-limited') note(`${event.operation}: rate limited, waiting ${event.retryAfterSeconds} s`);
      if (event.type === 'sign-in-refused') note(`${event.operation}: the gateway refused the sign-in token`);
    },
  });
  const tokenRefresher: TokenRefresher = async (abortSignal) => {
    const current = session;
    setState('refreshing');
    note('the credential asks for a token');
    const token = await refresher(abortSignal);
    if (current && session === current) {
      await recordRefresh(current, token);
      setState('signed-in');
    }
    return token;
  };
  const credential = new AzureCommunicationTokenCredential({ tokenRefresher, refreshProactively: true });
  session = { credential, signInToken, refreshes: 0 };
  credential.getToken().catch((error: unknown) => {
    setState('error');
    showProblem(error);
  });
}

function signOut(): void {
  session?.credential.dispose();
  session?.waitingForToken?.reject(new Error('Signed out.'));
  session = undefined;
  setState('signed-out');
  note('signed out');
  tick();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  tokenInput.value = '';
  problem.hidden = true;
  if (!token) return;
  const waiting = session?.waitingForToken;
  if (session && waiting) {
    session.signInToken = token;
    session.waitingForToken = undefined;
    setState('refreshing');
    waiting.resolve(token);
    return;
  }
  if (session) signOut();
  const scopes = [...form.querySelectorAll<HTMLInputElement>('input[name="scope"]:checked')].map((box) => box.value as CommunicationTokenScope);
  signIn(token, scopes, Number(lifetimeInput.value));
});
signOutButton.addEventListener('click', signOut);

// The credential's own timer calls the refresher for proactive refreshes; a failure there is an unhandled rejection.
window.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  setState('error');
  showProblem(event.reason);
});

setState('signed-out');
