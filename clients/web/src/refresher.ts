import { abortError, onAbort, sleep, type AbortSignalLike } from './abort.js';
import { GatewayResponseError, isGatewayError } from './errors.js';
import {
  CreateUserAndTokenDocument,
  IssueTokenDocument,
  type CommunicationTokenScope,
  type CreateUserAndTokenMutation,
  type IssueTokenMutation,
} from './generated-string/graphql.js';
import { request, type GatewayDocument, type RequestOptions } from './request.js';

/** What `AzureCommunicationTokenCredential({ tokenRefresher })` calls: resolves to a fresh ACS token. */
export type TokenRefresher = (abortSignal?: AbortSignalLike) => Promise<string>;

/**
 * Your app's sign-in token for the gateway. `forceRefresh` is true after the gateway refused the last one
 * (UNAUTHENTICATED): get a new one, not the one you have cached (MSAL: `acquireTokenSilent({ forceRefresh: true })`).
 */
export type GetAuthToken = (context: { forceRefresh: boolean; signal: AbortSignal }) => string | Promise<string>;

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
  | { type: 'rate-limited'; operation: string; retryAfterSeconds: number }
  | { type: 'sign-in-refused'; operation: string };

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
  /** Told what happens; exceptions it throws are ignored. */
  onEvent?: (event: RefresherEvent) => void;
}

export interface TokenRefresherOptions extends RefresherBaseOptions {
  scopes: readonly CommunicationTokenScope[];
  /** 60 to 1440; the gateway's default when omitted. */
  expiresInMinutes?: number;
  /** Another app user's token: needs the admin role. Omit for the signed-in user's own. */
  appUserId?: string;
}

/** One gateway operation with the refresher's policies applied: sign-in retry and rate-limit waits. */
export type GatewayCall = <TResult, TVariables>(document: GatewayDocument<TResult, TVariables>, variables: TVariables) => Promise<TResult>;

/** Gets one ACS token through `call`; the seam for other kinds of token (e.g. Teams users). */
export type TokenSource = (call: GatewayCall) => Promise<string>;

/**
 * The refresher for an app user's ACS token: issueToken, and createUserAndToken once when the user has no ACS
 * identity yet (IDENTITY_NOT_FOUND).
 */
export function createTokenRefresher(options: TokenRefresherOptions): TokenRefresher {
  if (!Array.isArray(options.scopes) || options.scopes.length === 0) throw new TypeError('createTokenRefresher needs at least one scope.');
  const input = {
    scopes: [...options.scopes],
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

// A Teams-user refresher is this plus a TokenSource calling exchangeTeamsUserToken, once schema.graphql has it.

/**
 * The policies around a TokenSource: concurrent calls share one refresh; each call may abort on its own, and
 * the shared refresh stops once every caller waiting for it has aborted.
 */
export function createRefresher(options: RefresherBaseOptions, source: TokenSource): TokenRefresher {
  const maxWaitSeconds = options.maxRateLimitWaitSeconds ?? 60;
  const maxRetries = options.maxRateLimitRetries ?? 2;
  const emit = eventSink(options.onEvent);
  let shared: { promise: Promise<string>; controller: AbortController; waiting: number } | undefined;

  const refreshOnce = async (signal: AbortSignal): Promise<string> => {
    let authToken = await authTokenFrom(options.getAuthToken, false, signal);
    let askedAgain = false;
    let rateLimitRetries = 0;
    const requestOptions: RequestOptions = {
      endpoint: options.endpoint,
      signal,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.maxResponseBytes !== undefined && { maxResponseBytes: options.maxResponseBytes }),
      ...(options.allowInsecureHttp !== undefined && { allowInsecureHttp: options.allowInsecureHttp }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    };
    const call: GatewayCall = async (document, variables) => {
      for (;;) {
        try {
          return await request(document, variables, { ...requestOptions, authToken });
        } catch (error) {
          if (isGatewayError(error, 'UNAUTHENTICATED') && !askedAgain) {
            askedAgain = true;
            emit({ type: 'sign-in-refused', operation: error.operation ?? 'request' });
            authToken = await authTokenFrom(options.getAuthToken, true, signal);
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
    return source(call);
  };

  return (abortSignal) => {
    if (abortSignal?.aborted) return Promise.reject(abortError());
    if (!shared) {
      const controller = new AbortController();
      const entry = { controller, waiting: 0, promise: refreshOnce(controller.signal) };
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
          reject(error);
        },
      );
    });
  };
}

async function authTokenFrom(getAuthToken: GetAuthToken, forceRefresh: boolean, signal: AbortSignal): Promise<string> {
  // getAuthToken may ignore the signal; the refresh stops at abort all the same.
  const token = await raceAbort(Promise.resolve().then(() => getAuthToken({ forceRefresh, signal })), signal);
  if (typeof token !== 'string' || token.length === 0) throw new TypeError('getAuthToken must resolve to a non-empty string.');
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

/** Checks the answer before handing it to the SDK, whose own error for a bad token is far less clear. */
function accepted(operation: 'issueToken' | 'createUserAndToken', payload: TokenPayload, created: boolean, emit: (event: RefresherEvent) => void): string {
  const token = payload?.accessToken?.token;
  const expiresOn = payload?.accessToken?.expiresOn;
  const identity = payload?.identity;
  if (typeof token !== 'string' || token.length > 16_384 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
    throw new GatewayResponseError(operation, 200, 'unexpected-shape', 'the gateway did not answer with an ACS token.');
  }
  if (typeof expiresOn !== 'string' || Number.isNaN(Date.parse(expiresOn)) || typeof identity?.id !== 'string' || typeof identity.appUserId !== 'string') {
    throw new GatewayResponseError(operation, 200, 'unexpected-shape', 'the gateway answered without the token\'s expiry or identity.');
  }
  emit({ type: 'token', operation, created, identity: { id: identity.id, appUserId: identity.appUserId }, expiresOn });
  return token;
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
