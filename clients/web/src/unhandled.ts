/**
 * AzureCommunicationTokenCredential (communication-common 2.4) runs its proactive refresh from a timer and leaves
 * that promise unhandled: a refresh that fails there is an unhandled rejection, which ends a Node process. The kit
 * cannot reach the SDK's promise, but it knows its own error object: for one turn of the event loop after handing
 * it out, an unhandled rejection with exactly that error is reported instead of ending the process. Any other
 * unhandled rejection meanwhile is thrown on as Node would (when no one else listens), so nothing else is hidden.
 */
interface ProcessLike {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  listenerCount(event: 'unhandledRejection'): number;
}

export function reportIfUnhandled(error: unknown, report: (error: unknown) => void): void {
  // Browsers only log unhandled rejections; there is nothing to keep alive.
  const proc = (globalThis as { process?: Partial<ProcessLike> }).process;
  if (typeof error !== 'object' || error === null || typeof proc?.on !== 'function' || typeof proc.off !== 'function') return;
  const node = proc as ProcessLike;
  const listener = (reason: unknown) => {
    if (reason === error) {
      report(error);
      return;
    }
    if (node.listenerCount('unhandledRejection') === 1) throw reason;
  };
  node.on('unhandledRejection', listener);
  // Node looks for unhandled rejections once the microtasks of this turn have run: a timer comes after that.
  setTimeout(() => node.off('unhandledRejection', listener), 0);
}
