/**
 * The messages between the extension host and the Flow Inspector webview. Both sides import this
 * file; it holds types and the host's validator only, so the webview bundle stays free of Node
 * and engine code.
 */
import type { CertificateSummary } from '../engine/credentials';
import type { RecordedExchange } from '../engine/exchange';
import type { FlowStep } from '../engine/flowRun';
import type { RouteEntry } from '../engine/routing';
import type { InspectedToken } from '../engine/tokens';

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface RunError {
  code: string;
  message: string;
  hint?: string;
}

/** Everything the inspector shows about one run. Holds no client secret or refresh token. */
export interface RunSnapshot {
  id: string;
  title: string;
  serverId: string;
  serverLabel: string;
  issuer: string;
  client_id: string;
  token_endpoint_auth_method: string;
  use_mtls_endpoint_aliases: boolean;
  startedAt: string;
  status: RunStatus;
  error?: RunError;
  clientCertificate?: CertificateSummary;
  routes: RouteEntry[];
  steps: FlowStep[];
  exchanges: RecordedExchange[];
  tokens: InspectedToken[];
  /** The final response (token, introspection, userinfo), secrets redacted. */
  result?: Record<string, unknown>;
  authorizationUrl?: string;
}

export type HostMessage =
  /** Sent in answer to `ready`: every run the host knows, newest last. */
  | { type: 'snapshot'; runs: RunSnapshot[]; selectedRunId?: string }
  | { type: 'runStarted'; run: RunSnapshot }
  | { type: 'exchangeAdded'; runId: string; exchange: RecordedExchange }
  | { type: 'stepUpdated'; runId: string; step: FlowStep }
  /** A run's latest state, final or not; replaces the webview's copy of that run. */
  | { type: 'runFinished'; run: RunSnapshot }
  | { type: 'selectRun'; runId: string }
  | { type: 'response'; requestId: string; ok: true; result: unknown }
  | { type: 'response'; requestId: string; ok: false; error: string };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'copy'; text: string }
  | { type: 'decodeToken'; requestId: string; token: string }
  | { type: 'rerun'; runId: string }
  | { type: 'clearRuns' }
  /**
   * The user selected a run in the webview. The host keeps it as the `selectedRunId` of the next
   * `snapshot`, so a webview that is recreated after hiding shows the same run.
   */
  | { type: 'runSelected'; runId: string };

/** Largest text the webview may send; bigger messages are ignored as malformed. */
export const MAX_WEBVIEW_TEXT = 1024 * 1024;

function isText(value: unknown, maxLength = MAX_WEBVIEW_TEXT): value is string {
  return typeof value === 'string' && value.length <= maxLength;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]{1,100}$/.test(value);
}

/**
 * Checks a message from the webview and returns it typed, or undefined when it is malformed.
 * The webview runs untrusted content (server responses), so the host trusts nothing it sends.
 */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'clearRuns':
      return { type: message.type };
    case 'copy':
      return isText(message.text) ? { type: 'copy', text: message.text } : undefined;
    case 'decodeToken':
      return isId(message.requestId) && isText(message.token)
        ? { type: 'decodeToken', requestId: message.requestId, token: message.token }
        : undefined;
    case 'rerun':
      return isId(message.runId) ? { type: 'rerun', runId: message.runId } : undefined;
    case 'runSelected':
      return isId(message.runId) ? { type: 'runSelected', runId: message.runId } : undefined;
    default:
      return undefined;
  }
}
