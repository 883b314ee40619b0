import * as vscode from 'vscode';

/**
 * Runs a task under a notification with a Cancel button. Cancelling, or cancelling the optional
 * `cancellation` token that a caller (a script or a test) passes in, aborts the signal the task
 * gives to the engine, which aborts the HTTP request in flight.
 */
export async function withCancellableProgress<T>(
  title: string,
  cancellation: vscode.CancellationToken | undefined,
  task: (signal: AbortSignal, report: (message: string) => void) => Promise<T>,
): Promise<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, progressCancellation) => {
      const abort = new AbortController();
      const subscriptions = [progressCancellation, cancellation]
        .filter((token): token is vscode.CancellationToken => token !== undefined)
        .map((token) => token.onCancellationRequested(() => abort.abort()));
      if (cancellation?.isCancellationRequested) abort.abort();
      try {
        return await task(abort.signal, (message) => progress.report({ message }));
      } finally {
        for (const subscription of subscriptions) subscription.dispose();
      }
    },
  );
}

/** Returns whether a value is a CancellationToken passed in a command argument. */
export function isCancellationToken(value: unknown): value is vscode.CancellationToken {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as vscode.CancellationToken).onCancellationRequested === 'function' &&
    typeof (value as vscode.CancellationToken).isCancellationRequested === 'boolean'
  );
}

/**
 * Settles like `promise`, or rejects as soon as `signal` aborts. An HTTP request that is still
 * connecting may take until the connect timeout to reject after its abort, and the user who
 * pressed Cancel should not wait for that.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('The request was cancelled.'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
