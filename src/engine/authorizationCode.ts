import type { FlowRun } from './flowRun';
import {
  completeAuthorization,
  startAuthorization,
  type AuthorizationParameters,
  type PendingAuthorization,
  type TokenResult,
} from './flows';
import { LoopbackListener, type LoopbackOptions } from './loopback';

export interface AuthorizationCodeOptions extends LoopbackOptions {
  /** Opens the authorization URL for the user: a browser, or a test's headless driver. */
  openUrl: (authorizationUrl: string) => Promise<unknown> | unknown;
  /** How long to wait for the redirect after opening the URL, in milliseconds. */
  callbackTimeoutMs: number;
}

export interface AuthorizationCodeResult {
  pending: PendingAuthorization;
  tokens: TokenResult;
}

/**
 * Runs the whole authorization code flow for a native client: a loopback redirect listener
 * (RFC 8252 section 7.3), the authorization request (pushed unless `usePar` is false), the user's
 * visit to the authorization endpoint, and the code exchange.
 */
export async function runAuthorizationCode(
  run: FlowRun,
  parameters: Omit<AuthorizationParameters, 'redirect_uri'>,
  options: AuthorizationCodeOptions,
): Promise<AuthorizationCodeResult> {
  const listener = await LoopbackListener.start(options);
  try {
    const pending = await startAuthorization(run, {
      ...parameters,
      redirect_uri: listener.redirectUri,
    });
    const callback = await run.step('Wait for the authorization response', undefined, async () => {
      await options.openUrl(pending.authorizationUrl);
      return listener.waitForCallback(options.callbackTimeoutMs, run.signal);
    });
    const tokens = await completeAuthorization(run, pending, callback.parameters);
    return { pending, tokens };
  } finally {
    await listener.close();
  }
}
