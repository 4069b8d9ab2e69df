import { abortError, onAbort, sleep, type AbortSignalLike } from './abort.js';
import { GatewayResponseError, isGatewayError } from './errors.js';
import {
  CreateUserAndTokenDocument,
  ExchangeTeamsUserTokenDocument,
  IssueTokenDocument,
  type CreateUserAndTokenMutation,
  type ExchangeTeamsUserTokenMutation,
  type IssueTokenMutation,
} from './generated-string/graphql.js';
import { request, type GatewayDocument, type RequestOptions } from './request.js';
import { scopeNames, type TokenScope } from './scopes.js';
import { reportIfUnhandled } from './unhandled.js';

/** What `AzureCommunicationTokenCredential({ tokenRefresher })` calls: resolves to a fresh ACS token. */
export type TokenRefresher = (abortSignal?: AbortSignalLike) => Promise<string>;

/**
 * Your app's sign-in token for the gateway. `forceRefresh` is true after the gateway refused the last one
 * (UNAUTHENTICATED): get a new one, not the one you have cached (MSAL: `acquireTokenSilent({ forceRefresh: true })`).
 */
export type GetAuthToken = (context: { forceRefresh: boolean; signal: AbortSignal }) => string | Promise<string>;

/**
 * The Teams user's Microsoft Entra ID access token for the ACS Teams scopes (Teams.ManageCalls, Teams.ManageChats).
 * `forceRefresh` is true after the gateway refused the last one (TEAMS_TOKEN_INVALID): get a new one from Entra,
 * not MSAL's cached one (`acquireTokenSilent({ forceRefresh: true })`).
 */
export type GetTeamsUserAadToken = (context: { forceRefresh: boolean; signal: AbortSignal }) => string | Promise<string>;

/** What happened while refreshing, for logs and UIs; never carries a token. */
export type RefresherEvent =
  | {
      type: 'token';
      operation: 'issueToken' | 'createUserAndToken';
      /** True when createUserAndToken made the app user's ACS identity just now. */
      created: boolean;
      identity: { id: string; appUserId: string };
      expiresOn: string;
    }
  | {
      type: 'teams-token';
      operation: 'exchangeTeamsUserToken';
      /** The Teams user the token is for; `id` is their communication identifier, `8:orgid:<Entra object id>`. */
      identity: { id: string };
      expiresOn: string;
    }
  | { type: 'rate-limited'; operation: string; retryAfterSeconds: number }
  | { type: 'sign-in-refused'; operation: string }
  /** The gateway refused the Teams user's Entra token (TEAMS_TOKEN_INVALID); a fresh one is asked for once. */
  | { type: 'teams-token-refused'; operation: string }
  /**
   * A refresh failed. `keptToken`: the last token, still valid, was handed back instead, so the credential keeps it
   * and tries again (after half its remaining life). `unhandled`: nobody awaited the failure (the credential's
   * proactive refresh), and it was reported here instead of becoming an unhandled rejection.
   */
  | { type: 'refresh-failed'; error: unknown; keptToken: boolean; unhandled?: true };

/** Options every refresher shares, whatever kind of token it gets. */
export interface RefresherBaseOptions {
  /** The gateway's GraphQL endpoint. */
  endpoint: string | URL;
  getAuthToken: GetAuthToken;
  /** A RATE_LIMITED answer asking for a longer wait than this fails at once instead. Default 60. */
  maxRateLimitWaitSeconds?: number;
  /** How many RATE_LIMITED answers one refresh waits out before it fails. Default 2. */
  maxRateLimitRetries?: number;
  /** Per gateway request. Default 30 000. */
  timeoutMs?: number;
  maxResponseBytes?: number;
  allowInsecureHttp?: boolean;
  fetch?: typeof fetch;
  /** How the kit's documents are sent: by their trusted id (the default), or as text. See RequestOptions.send. */
  send?: 'id' | 'text';
  /** Told what happens; exceptions it throws are ignored. */
  onEvent?: (event: RefresherEvent) => void;
}

export interface TokenRefresherOptions extends RefresherBaseOptions {
  /** ACS's spelling (`'voip'`, `'chat.join'`) or the gateway's enum names (`'VOIP'`, `'CHAT_JOIN'`). */
  scopes: readonly TokenScope[];
  /** 60 to 1440; the gateway's default when omitted. */
  expiresInMinutes?: number;
  /** Another app user's token: needs the admin role. Omit for the signed-in user's own. */
  appUserId?: string;
}

/** One gateway operation with the refresher's policies applied: sign-in retry and rate-limit waits. */
export type GatewayCall = <TResult, TVariables>(document: GatewayDocument<TResult, TVariables>, variables: TVariables) => Promise<TResult>;

/**
 * Gets one ACS token through `call`; the seam for each kind of token. `signal` fires once every caller waiting for
 * this refresh has aborted: pass it to anything slow the source awaits besides `call`.
 */
export type TokenSource = (call: GatewayCall, context: { signal: AbortSignal }) => Promise<string>;

/**
 * The refresher for an app user's ACS token: issueToken, and createUserAndToken once when the user has no ACS
 * identity yet (IDENTITY_NOT_FOUND).
 */
export function createTokenRefresher(options: TokenRefresherOptions): TokenRefresher {
  if (!Array.isArray(options.scopes) || options.scopes.length === 0) throw new TypeError('createTokenRefresher needs at least one scope.');
  const input = {
    scopes: scopeNames(options.scopes),
    ...(options.expiresInMinutes !== undefined && { expiresInMinutes: options.expiresInMinutes }),
    ...(options.appUserId !== undefined && { appUserId: options.appUserId }),
  };
  const emit = eventSink(options.onEvent);
  return createRefresher(options, async (call) => {
    try {
      const { issueToken } = await call(IssueTokenDocument, { input });
      return accepted('issueToken', issueToken, false, emit);
    } catch (error) {
      if (!isGatewayError(error, 'IDENTITY_NOT_FOUND')) throw error;
    }
    const { createUserAndToken } = await call(CreateUserAndTokenDocument, { input });
    return accepted('createUserAndToken', createUserAndToken, createUserAndToken?.created === true, emit);
  });
}

export interface TeamsTokenRefresherOptions extends RefresherBaseOptions {
  getTeamsUserAadToken: GetTeamsUserAadToken;
}

/**
 * The refresher for a Teams user's ACS token: exchangeTeamsUserToken with the Entra token from
 * `getTeamsUserAadToken`, asked once more with `forceRefresh` when the gateway refuses it (TEAMS_TOKEN_INVALID).
 */
export function createTeamsTokenRefresher(options: TeamsTokenRefresherOptions): TokenRefresher {
  if (typeof options.getTeamsUserAadToken !== 'function') throw new TypeError('createTeamsTokenRefresher needs getTeamsUserAadToken.');
  const emit = eventSink(options.onEvent);
  return createRefresher(options, async (call, { signal }) => {
    const exchange = async (forceRefresh: boolean) => {
      const teamsUserAadToken = await tokenFrom('getTeamsUserAadToken', options.getTeamsUserAadToken, forceRefresh, signal);
      return (await call(ExchangeTeamsUserTokenDocument, { input: { teamsUserAadToken } })).exchangeTeamsUserToken;
    };
    let payload: TeamsPayload;
    try {
      payload = await exchange(false);
    } catch (error) {
      if (!isGatewayError(error, 'TEAMS_TOKEN_INVALID')) throw error;
      // Most often MSAL's cache handing out an expired token, or one signed with a key Entra has since rolled over.
      emit({ type: 'teams-token-refused', operation: error.operation ?? 'ExchangeTeamsUserToken' });
      payload = await exchange(true);
    }
    const { token, expiresOn } = checkedToken('exchangeTeamsUserToken', payload?.accessToken);
    const id = payload?.identity?.id;
    if (typeof id !== 'string' || !id.startsWith('8:orgid:')) {
      throw new GatewayResponseError('exchangeTeamsUserToken', 200, 'unexpected-shape', 'the gateway answered without the Teams user\'s identity (8:orgid:…).');
    }
    emit({ type: 'teams-token', operation: 'exchangeTeamsUserToken', identity: { id }, expiresOn });
    return token;
  });
}

/**
 * The policies around a TokenSource: concurrent calls share one refresh; each call may abort on its own, and
 * the shared refresh stops once every caller waiting for it has aborted.
 */
export function createRefresher(options: RefresherBaseOptions, source: TokenSource): TokenRefresher {
  const maxWaitSeconds = options.maxRateLimitWaitSeconds ?? 60;
  const maxRetries = options.maxRateLimitRetries ?? 2;
  const emit = eventSink(options.onEvent);
  let shared: { promise: Promise<string>; controller: AbortController; waiting: number } | undefined;
  let lastToken: { token: string; expiresAt: number } | undefined;

  const refreshOnce = async (signal: AbortSignal): Promise<string> => {
    let authToken = await tokenFrom('getAuthToken', options.getAuthToken, false, signal);
    let askedAgain = false;
    let rateLimitRetries = 0;
    const requestOptions: RequestOptions = {
      endpoint: options.endpoint,
      signal,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.maxResponseBytes !== undefined && { maxResponseBytes: options.maxResponseBytes }),
      ...(options.allowInsecureHttp !== undefined && { allowInsecureHttp: options.allowInsecureHttp }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      ...(options.send !== undefined && { send: options.send }),
    };
    const call: GatewayCall = async (document, variables) => {
      for (;;) {
        try {
          return await request(document, variables, { ...requestOptions, authToken });
        } catch (error) {
          if (isGatewayError(error, 'UNAUTHENTICATED') && !askedAgain) {
            askedAgain = true;
            emit({ type: 'sign-in-refused', operation: error.operation ?? 'request' });
            authToken = await tokenFrom('getAuthToken', options.getAuthToken, true, signal);
            continue;
          }
          if (isGatewayError(error, 'RATE_LIMITED') && rateLimitRetries < maxRetries) {
            const wait = error.retryAfterSeconds ?? 1;
            if (wait <= maxWaitSeconds) {
              rateLimitRetries += 1;
              emit({ type: 'rate-limited', operation: error.operation ?? 'request', retryAfterSeconds: wait });
              await sleep(wait * 1000, signal);
              continue;
            }
          }
          throw error;
        }
      }
    };
    return source(call, { signal });
  };

  /** A failed refresh hands back the last token while it is still valid: the credential keeps it and asks again. */
  const refreshOrKeep = async (signal: AbortSignal): Promise<string> => {
    try {
      const token = await refreshOnce(signal);
      lastToken = { token, expiresAt: jwtExpiry(token) };
      return token;
    } catch (error) {
      if (signal.aborted) throw error;
      const kept = lastToken && lastToken.expiresAt - Date.now() > KEEP_AT_LEAST_MS ? lastToken.token : undefined;
      emit({ type: 'refresh-failed', error, keptToken: kept !== undefined });
      if (kept !== undefined) return kept;
      throw error;
    }
  };
  const unhandled = (error: unknown) => {
    if (options.onEvent) emit({ type: 'refresh-failed', error, keptToken: false, unhandled: true });
    else console.warn(`A token refresh failed with nobody waiting for it (the credential's proactive refresh): ${String((error as Error)?.message ?? error)}`);
  };

  return (abortSignal) => {
    if (abortSignal?.aborted) return Promise.reject(abortError());
    if (!shared) {
      const controller = new AbortController();
      const entry = { controller, waiting: 0, promise: refreshOrKeep(controller.signal) };
      entry.promise
        .catch(() => {}) // every caller gets the failure through its own promise
        .finally(() => {
          if (shared === entry) shared = undefined;
        });
      shared = entry;
    }
    const entry = shared;
    entry.waiting += 1;
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        settled = true;
        unsubscribe();
        entry.waiting -= 1;
      };
      const unsubscribe = onAbort(abortSignal, () => {
        if (settled) return;
        leave();
        reject(abortError());
        if (entry.waiting === 0) {
          // Nobody wants this refresh any more: stop it, and let the next call start afresh.
          if (shared === entry) shared = undefined;
          entry.controller.abort();
        }
      });
      entry.promise.then(
        (token) => {
          if (settled) return;
          leave();
          resolve(token);
        },
        (error: unknown) => {
          if (settled) return;
          leave();
          reportIfUnhandled(error, unhandled);
          reject(error);
        },
      );
    });
  };
}

/** A kept token must outlive the credential's next attempt by this much; closer to its end, the failure is passed on. */
const KEEP_AT_LEAST_MS = 1_000;

/** The `exp` of an ACS token (a JWT), in ms; 0 when unreadable, so the token is never kept. */
function jwtExpiry(token: string): number {
  try {
    const payload = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const exp = (JSON.parse(atob(payload)) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** Asks the app for a token (getAuthToken, getTeamsUserAadToken) and checks it is one. */
async function tokenFrom(name: string, get: GetAuthToken | GetTeamsUserAadToken, forceRefresh: boolean, signal: AbortSignal): Promise<string> {
  // The app's function may ignore the signal; the refresh stops at abort all the same.
  const token = await raceAbort(Promise.resolve().then(() => get({ forceRefresh, signal })), signal);
  if (typeof token !== 'string' || token.length === 0) throw new TypeError(`${name} must resolve to a non-empty string.`);
  return token;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => reject(abortError()));
    promise.then(
      (value) => {
        unsubscribe();
        resolve(value);
      },
      (error: unknown) => {
        unsubscribe();
        reject(error);
      },
    );
  });
}

type TokenPayload = IssueTokenMutation['issueToken'] | CreateUserAndTokenMutation['createUserAndToken'] | null | undefined;
type TeamsPayload = ExchangeTeamsUserTokenMutation['exchangeTeamsUserToken'] | null | undefined;

/** Checks the answer before handing it to the SDK, whose own error for a bad token is far less clear. */
function accepted(operation: 'issueToken' | 'createUserAndToken', payload: TokenPayload, created: boolean, emit: (event: RefresherEvent) => void): string {
  const { token, expiresOn } = checkedToken(operation, payload?.accessToken);
  const identity = payload?.identity;
  if (typeof identity?.id !== 'string' || typeof identity.appUserId !== 'string') {
    throw new GatewayResponseError(operation, 200, 'unexpected-shape', 'the gateway answered without the token\'s identity.');
  }
  emit({ type: 'token', operation, created, identity: { id: identity.id, appUserId: identity.appUserId }, expiresOn });
  return token;
}

function checkedToken(operation: string, accessToken: { token?: unknown; expiresOn?: unknown } | null | undefined): { token: string; expiresOn: string } {
  const token = accessToken?.token;
  const expiresOn = accessToken?.expiresOn;
  if (typeof token !== 'string' || token.length > 16_384 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
    throw new GatewayResponseError(operation, 200, 'unexpected-shape', 'the gateway did not answer with an ACS token.');
  }
  if (typeof expiresOn !== 'string' || Number.isNaN(Date.parse(expiresOn))) {
    throw new GatewayResponseError(operation, 200, 'unexpected-shape', 'the gateway answered without the token\'s expiry.');
  }
  return { token, expiresOn };
}

function eventSink(onEvent: ((event: RefresherEvent) => void) | undefined): (event: RefresherEvent) => void {
  return (event) => {
    try {
      onEvent?.(event);
    } catch {
      // A listener's bug must not fail the refresh.
    }
  };
}
