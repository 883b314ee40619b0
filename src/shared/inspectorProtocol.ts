/**
 * The messages between the extension host and the Flow Inspector webview. Both sides import this
 * file; it holds types and the host's validator only, so the webview bundle stays free of Node
 * and engine code.
 */
import type {
  EncryptedEntry,
  ScannedCertificate,
  ScannedKey,
  ScanProblemKind,
} from '../engine/certificateFile';
import type { CertificateScanCounts } from '../engine/certificateScan';
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

/** The flows the "New run" view can start; each runs one of the extension's run commands. */
export const FLOW_KINDS = [
  'clientCredentials',
  'authorizationCode',
  'refresh',
  'introspection',
  'revocation',
  'userinfo',
] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** Response modes offered for the authorization code flow; the `jwt` ones are JARM. */
export const RESPONSE_MODES = ['query', 'form_post', 'jwt', 'query.jwt', 'form_post.jwt'] as const;

/** Values of token_type_hint for introspection (RFC 7662) and revocation (RFC 7009). */
export const TOKEN_TYPE_HINTS = ['access_token', 'refresh_token'] as const;

/**
 * The parameters of a run started from the "New run" view, named as the run commands take them.
 * Parameters without a field of their own (audience, prompt, acr_values, claims,
 * authorization_details) travel as `extra` rows.
 */
export interface FlowRunParameters {
  serverId: string;
  client_id: string;
  scope?: string;
  /** RFC 8707 resource indicators, absolute URIs. */
  resource?: string[];
  response_mode?: string;
  /** Extra request parameters as name and value rows, in order; a name may repeat. */
  extra?: Array<[string, string]>;
  /** Authorization code only: push the request to the PAR endpoint first (RFC 9126). */
  usePar?: boolean;
  /** Authorization code only: send a PKCE challenge (RFC 7636). */
  pkce?: boolean;
  use_mtls_endpoint_aliases?: boolean;
  /** Introspection, revocation and UserInfo: the token to send. */
  token?: string;
  token_type_hint?: string;
}

/** A configured client as the "New run" view offers it. No secrets, no key material. */
export interface ClientChoice {
  client_id: string;
  token_endpoint_auth_method: string;
  /** The client's own setting, or the default from the settings when the client has none. */
  use_mtls_endpoint_aliases: boolean;
  hasCertificate: boolean;
  scope?: string;
  resource?: string[];
  response_mode?: string;
}

export interface ServerChoice {
  id: string;
  label: string;
  issuer: string;
  clients: ClientChoice[];
}

/** An engine error flattened to the fields the webview shows. */
export interface ErrorView {
  code: string;
  message: string;
  hint?: string;
}

export interface ScanProblemView {
  kind: ScanProblemKind;
  file: string;
  blockIndex?: number;
  error: ErrorView;
}

export interface EncryptedEntryView extends Omit<EncryptedEntry, 'error'> {
  /** The error of the last passphrase tried, when one failed. */
  error?: ErrorView;
  /** True when a passphrase is kept in SecretStorage for this file. */
  passphraseStored?: boolean;
}

/**
 * A certificate scan as the webview gets it: the engine's `CertificateScan` with its errors
 * flattened, so they survive the JSON copy of `postMessage`. It contains no key material.
 */
export interface CertificateScanView {
  certificates: ScannedCertificate[];
  keys: ScannedKey[];
  encrypted: EncryptedEntryView[];
  problems: ScanProblemView[];
  counts: CertificateScanCounts;
  checkedAt: string;
  /** True when the scan stopped at the file limit, so some files were not read. */
  truncated: boolean;
}

/** The state of the certificate scan that the Certificates view shows. */
export type CertificateScanStatus =
  | { state: 'scanning'; filesFound?: number; filesRead: number }
  | { state: 'done'; scan: CertificateScanView }
  | { state: 'failed'; message: string }
  | { state: 'unavailable'; message: string };

export type HostMessage =
  /** Sent in response to `ready`: every run the host has, newest last. */
  | { type: 'snapshot'; runs: RunSnapshot[]; selectedRunId?: string }
  | { type: 'runStarted'; run: RunSnapshot }
  | { type: 'exchangeAdded'; runId: string; exchange: RecordedExchange }
  | { type: 'stepUpdated'; runId: string; step: FlowStep }
  /** A run's latest state, final or not; replaces the webview's copy of that run. */
  | { type: 'runFinished'; run: RunSnapshot }
  | { type: 'selectRun'; runId: string }
  /** The configured servers and clients, sent after `ready` and whenever they change. */
  | { type: 'servers'; servers: ServerChoice[] }
  /** The state of the workspace certificate scan; sent repeatedly while a scan runs. */
  | { type: 'certificates'; status: CertificateScanStatus }
  /** Opens the Decode JWT view with this token and decodes it. */
  | { type: 'decode'; token: string }
  | { type: 'response'; requestId: string; ok: true; result: unknown }
  | { type: 'response'; requestId: string; ok: false; error: string };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'copy'; text: string }
  /** Decodes a pasted token; with `serverId`, verifies it against that server's `jwks_uri`. */
  | { type: 'decodeToken'; requestId: string; token: string; serverId?: string }
  | { type: 'rerun'; runId: string }
  | { type: 'clearRuns' }
  /**
   * The user selected a run in the webview. The host keeps it as the `selectedRunId` of the next
   * `snapshot`, so a webview that is recreated after hiding shows the same run.
   */
  | { type: 'runSelected'; runId: string }
  /** Starts a flow. The host sends a `response` once the run has ended. */
  | { type: 'runFlow'; requestId: string; flow: FlowKind; parameters: FlowRunParameters }
  /** Scans the workspace for certificates again. */
  | { type: 'scanCertificates' }
  /** Asks the host to prompt for the passphrase of an encrypted entry of the last scan. */
  | { type: 'unlockCertificate'; requestId: string; entryId: string }
  /** Offers a scanned certificate and its paired key to the certificate selection command. */
  | { type: 'useCertificate'; requestId: string; certificateId: string };

/** Largest text the webview may send; bigger messages are ignored as malformed. */
export const MAX_WEBVIEW_TEXT = 1024 * 1024;

function isText(value: unknown, maxLength = MAX_WEBVIEW_TEXT): value is string {
  return typeof value === 'string' && value.length <= maxLength;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]{1,100}$/.test(value);
}

function isFlag(value: unknown): value is boolean | undefined {
  return value === undefined || typeof value === 'boolean';
}

function isOptionalText(value: unknown, maxLength?: number): value is string | undefined {
  return value === undefined || isText(value, maxLength);
}

/** Most extra parameter rows and resource indicators a run may carry. */
export const MAX_FLOW_ROWS = 100;
/** Maximum length of a parameter name or short value (scope, response_mode, ids). */
const MAX_SHORT_TEXT = 4096;

function isRow(value: unknown): value is [string, string] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    isText(value[0], MAX_SHORT_TEXT) &&
    value[0].trim().length > 0 &&
    isText(value[1])
  );
}

/** Checks the shape of `runFlow` parameters and returns a copy with only the known members. */
function parseFlowParameters(value: unknown): FlowRunParameters | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const p = value as Record<string, unknown>;
  const resource = p.resource;
  const extra = p.extra;
  const valid =
    isText(p.serverId, MAX_SHORT_TEXT) &&
    isText(p.client_id, MAX_SHORT_TEXT) &&
    isOptionalText(p.scope, MAX_SHORT_TEXT) &&
    isOptionalText(p.response_mode, MAX_SHORT_TEXT) &&
    isOptionalText(p.token) &&
    isOptionalText(p.token_type_hint, MAX_SHORT_TEXT) &&
    isFlag(p.usePar) &&
    isFlag(p.pkce) &&
    isFlag(p.use_mtls_endpoint_aliases) &&
    (resource === undefined ||
      (Array.isArray(resource) &&
        resource.length <= MAX_FLOW_ROWS &&
        resource.every((item) => isText(item, MAX_SHORT_TEXT)))) &&
    (extra === undefined ||
      (Array.isArray(extra) && extra.length <= MAX_FLOW_ROWS && extra.every(isRow)));
  if (!valid) return undefined;
  const parameters: FlowRunParameters = {
    serverId: p.serverId as string,
    client_id: p.client_id as string,
  };
  const optional = [
    'scope',
    'resource',
    'response_mode',
    'extra',
    'usePar',
    'pkce',
    'use_mtls_endpoint_aliases',
    'token',
    'token_type_hint',
  ] as const;
  for (const name of optional) {
    if (p[name] !== undefined) (parameters as unknown as Record<string, unknown>)[name] = p[name];
  }
  return parameters;
}

function parseRunFlow(message: Record<string, unknown>): WebviewMessage | undefined {
  if (!isId(message.requestId)) return undefined;
  if (!FLOW_KINDS.includes(message.flow as FlowKind)) return undefined;
  const parameters = parseFlowParameters(message.parameters);
  return parameters
    ? { type: 'runFlow', requestId: message.requestId, flow: message.flow as FlowKind, parameters }
    : undefined;
}

function parseDecodeToken(message: Record<string, unknown>): WebviewMessage | undefined {
  if (!isId(message.requestId) || !isText(message.token)) return undefined;
  if (!isOptionalText(message.serverId, MAX_SHORT_TEXT)) return undefined;
  const parsed: WebviewMessage = {
    type: 'decodeToken',
    requestId: message.requestId,
    token: message.token,
  };
  if (message.serverId !== undefined) parsed.serverId = message.serverId;
  return parsed;
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
    case 'scanCertificates':
      return { type: message.type };
    case 'copy':
      return isText(message.text) ? { type: 'copy', text: message.text } : undefined;
    case 'decodeToken':
      return parseDecodeToken(message);
    case 'rerun':
      return isId(message.runId) ? { type: 'rerun', runId: message.runId } : undefined;
    case 'runSelected':
      return isId(message.runId) ? { type: 'runSelected', runId: message.runId } : undefined;
    case 'runFlow':
      return parseRunFlow(message);
    case 'unlockCertificate':
      return isId(message.requestId) && isText(message.entryId, MAX_SHORT_TEXT)
        ? { type: 'unlockCertificate', requestId: message.requestId, entryId: message.entryId }
        : undefined;
    case 'useCertificate':
      return isId(message.requestId) && isText(message.certificateId, MAX_SHORT_TEXT)
        ? {
            type: 'useCertificate',
            requestId: message.requestId,
            certificateId: message.certificateId,
          }
        : undefined;
    default:
      return undefined;
  }
}
