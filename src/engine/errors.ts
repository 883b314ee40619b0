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

  /**
   * Returns a copy with `redact` applied to the message, the hint and every string in the
   * detail, and with the cause replaced by sanitizeCause, so that no response body a library
   * attached to it stays reachable.
   */
  redacted(redact: (text: string) => string): ExplorerError {
    const copy = new ExplorerError(this.code, redact(this.message), {
      hint: this.hint === undefined ? undefined : redact(this.hint),
      detail: redactStrings(this.detail, redact, 0) as Record<string, unknown>,
      cause: sanitizeCause(this.cause, redact),
    });
    if (this.stack !== undefined) copy.stack = redact(this.stack);
    return copy;
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

/** Depth beyond which redactStrings and sanitizeCause drop what they have not reached. */
const MAX_REDACTION_DEPTH = 16;

function redactStrings(value: unknown, redact: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_REDACTION_DEPTH) return '[not inspected: nested too deep]';
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact, depth + 1));
  const output: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    output[name] = redactStrings(member, redact, depth + 1);
  }
  return output;
}

/**
 * Returns a copy of an error cause that keeps only its name, message, stack, `code`, `status`
 * and the same of its own cause, each text passed through `redact`. Errors of oauth4webapi carry
 * the parsed response body (or the response) as `cause`, which may hold a refresh token, so the
 * original object must not stay reachable from a thrown error. A cause that is not an Error
 * becomes its redacted String() form.
 */
export function sanitizeCause(
  cause: unknown,
  redact: (text: string) => string = (text) => text,
  depth = 0,
): unknown {
  if (cause === undefined || cause === null) return undefined;
  if (!(cause instanceof Error)) {
    return typeof cause === 'object' ? undefined : redact(String(cause));
  }
  const safe = new Error(redact(cause.message)) as Error & { code?: unknown; status?: unknown };
  safe.name = cause.name;
  safe.stack = cause.stack === undefined ? undefined : redact(cause.stack);
  const { code, status } = cause as { code?: unknown; status?: unknown };
  if (typeof code === 'string' || typeof code === 'number') safe.code = code;
  if (typeof status === 'number') safe.status = status;
  if (cause.cause instanceof Error && depth < MAX_REDACTION_DEPTH) {
    safe.cause = sanitizeCause(cause.cause, redact, depth + 1);
  }
  return safe;
}
