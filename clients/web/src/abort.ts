import { AbortError } from './errors.js';

/**
 * What `AzureCommunicationTokenCredential` passes to a token refresher (`AbortSignalLike` of @azure/abort-controller),
 * and what a native `AbortSignal` is too. Declared here so that this package needs neither.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: (event: any) => any, options?: any): void;
  removeEventListener(type: 'abort', listener: (event: any) => any, options?: any): void;
}

export function abortError(message = 'The operation was aborted.'): AbortError {
  return new AbortError(message);
}

/** Calls `onAbort` once when `signal` fires (at once if it already has); returns the unsubscribe. */
export function onAbort(signal: AbortSignalLike | undefined, onAbort: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  const listener = () => onAbort();
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** Waits `ms`, or rejects with an AbortError as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve();
    }, ms);
    const unsubscribe = onAbort(signal, () => {
      clearTimeout(timer);
      reject(abortError());
    });
  });
}
