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
