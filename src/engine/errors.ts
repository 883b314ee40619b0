/**
 * Error codes raised by the engine. The UI maps each code to a sentence and, where one helps, an
 * action (open a setting, pick another certificate, show the log).
 */
export type ExplorerErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_ISSUER'
  | 'DISCOVERY_FAILED'
  | 'ISSUER_MISMATCH'
  | 'INVALID_METADATA'
  | 'MISSING_ENDPOINT'
  | 'CERTIFICATE_INVALID'
  | 'KEY_INVALID'
  | 'KEY_PASSPHRASE_REQUIRED'
  | 'KEY_PASSPHRASE_INCORRECT'
  | 'KEY_CERTIFICATE_MISMATCH'
  | 'TLS_SERVER_UNTRUSTED'
  | 'TLS_SERVER_CERTIFICATE_EXPIRED'
  | 'TLS_HOSTNAME_MISMATCH'
  | 'TLS_CLIENT_CERTIFICATE_REQUIRED'
  | 'TLS_CLIENT_CERTIFICATE_REJECTED'
  | 'TLS_HANDSHAKE_FAILED'
  | 'CONNECT_TIMEOUT'
  | 'RESPONSE_TIMEOUT'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_RESET'
  | 'HOST_NOT_FOUND'
  | 'NETWORK_ERROR'
  | 'ABORTED'
  | 'RESPONSE_TOO_LARGE'
  | 'RESPONSE_NOT_JSON'
  | 'OAUTH_ERROR_RESPONSE'
  | 'CLIENT_AUTHENTICATION_FAILED'
  | 'PROTOCOL_VIOLATION'
  | 'MALFORMED_TOKEN'
  | 'ROUTING_MISMATCH'
  | 'AUTHORIZATION_ERROR'
  | 'CALLBACK_TIMEOUT'
  | 'LOOPBACK_UNAVAILABLE';

export interface ExplorerErrorOptions {
  /** The next step a user can take, as a sentence. */
  hint?: string;
  /** Structured facts about the failure, safe to log (never secrets). */
  detail?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * An error whose message says what failed and on which value, with a code for programmatic
 * handling and a hint that says what to do next.
 */
export class ExplorerError extends Error {
  override readonly name = 'ExplorerError';
  readonly code: ExplorerErrorCode;
  readonly hint: string | undefined;
  readonly detail: Record<string, unknown>;

  constructor(code: ExplorerErrorCode, message: string, options: ExplorerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.detail = options.detail ?? {};
  }

  /** The message followed by the hint, as one text for a notification or a log line. */
  get fullMessage(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isExplorerError(value: unknown, code?: ExplorerErrorCode): value is ExplorerError {
  return value instanceof ExplorerError && (code === undefined || value.code === code);
}

/** Formats any thrown value as one line, using the hint when the value is an ExplorerError. */
export function describeError(error: unknown): string {
  if (error instanceof ExplorerError) return error.fullMessage;
  if (error instanceof Error) return error.message;
  return String(error);
}
