import { MAX_JSON_DEPTH, SECRET_PARAMETERS, TOO_DEEP_MARKER, redactValue } from './redaction';
import type { HeaderPair, RecordedExchange } from './exchange';

/**
 * Encodes a value as oauth4webapi 3 does for client_secret_basic credentials
 * (application/x-www-form-urlencoded, RFC 6749 section 2.3.1).
 */
function formUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/[-_.!~*'()]|%20/g, (character) =>
    character === '%20' ? '+' : `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Lists the forms a value takes on the wire and in the texts a server may echo it in. */
function encodedForms(value: string): string[] {
  return [
    value,
    encodeURIComponent(value),
    formUrlEncode(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
  ];
}

/** A marker that redactValue wrote, kept as it is when a text is redacted again. */
const REDACTION_MARKER_SOURCE = '\\[redacted: \\d+ chars, sha256 [A-Za-z0-9_-]{8}\\]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Wraps a value in word boundaries for the pattern, so that a short secret such as `secret` is
 * not found inside `client_secret`. A value that starts or ends with a character that is not a
 * word character needs no boundary on that side.
 */
function boundedPattern(value: string): string {
  const start = /^\w/.test(value) ? '(?<!\\w)' : '';
  const end = /\w$/.test(value) ? '(?!\\w)' : '';
  return `${start}${escapeRegExp(value)}${end}`;
}

/**
 * The secret values that one run or one request sends, in every form they take, so that they can
 * be found and replaced wherever a server echoes them: in response bodies and headers, error
 * descriptions, challenges and messages. This redacts by value, where the rest of the redaction
 * module redacts by member name.
 *
 * NOTE: a value is found only as written in one of its encodedForms. A server that echoes it
 * transformed in another way (inside a base64 JWT payload, say) is not caught.
 */
export class SecretValues {
  /** Each form of each secret, mapped to the marker that replaces it. */
  private readonly markers = new Map<string, string>();
  private pattern: RegExp | undefined;

  constructor(from?: SecretValues) {
    if (from) for (const [form, marker] of from.markers) this.markers.set(form, marker);
  }

  get size(): number {
    return this.markers.size;
  }

  /** Adds a secret in each of its encoded forms, all replaced by the marker of the value itself. */
  add(value: string | undefined): void {
    if (!value) return;
    const marker = redactValue(value);
    for (const form of encodedForms(value)) this.addForm(form, marker);
  }

  /**
   * Adds a client secret with the Basic credentials built from it, with and without
   * oauth4webapi's form encoding. A credential is replaced by the marker of the credential, as
   * the recorded Authorization header shows it.
   */
  addClientSecret(client_id: string, secret: string | undefined): void {
    if (!secret) return;
    this.add(secret);
    for (const pair of [
      `${formUrlEncode(client_id)}:${formUrlEncode(secret)}`,
      `${client_id}:${secret}`,
    ]) {
      const credential = Buffer.from(pair).toString('base64');
      this.addForm(credential, redactValue(credential));
    }
  }

  /**
   * Adds the secrets an outgoing request carries: Basic credentials in `Authorization`, with the
   * password they encode, and the secret parameters of a form body. Bearer and DPoP access tokens
   * are left out, because the inspector shows access tokens.
   */
  addRequest(headers: { get(name: string): string | null }, body: string | undefined): void {
    const authorization = headers.get('authorization');
    const basic = authorization?.match(/^basic\s+(\S+)\s*$/i)?.[1];
    if (basic) {
      this.addForm(basic, redactValue(basic));
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      this.add(password);
      this.add(decodeFormComponent(password));
    }
    if (body === undefined || body.length === 0) return;
    for (const [name, value] of new URLSearchParams(body)) {
      if (SECRET_PARAMETERS.has(name)) this.add(value);
    }
  }

  /** Replaces every known secret in a text by its marker, keeping markers already present. */
  redact(text: string): string {
    if (this.markers.size === 0 || text.length === 0) return text;
    // Most texts contain no secret, so a plain search skips the pattern for them. The result is
    // the same, because the pattern only changes the forms it finds.
    let found = false;
    for (const form of this.markers.keys()) {
      if (text.includes(form)) {
        found = true;
        break;
      }
    }
    if (!found) return text;
    this.pattern ??= this.buildPattern();
    return text.replace(this.pattern, (match, marker: string | undefined) =>
      marker === undefined ? (this.markers.get(match) ?? match) : marker,
    );
  }

  /** Returns a copy of a JSON-like value with every string redacted, to MAX_JSON_DEPTH levels. */
  redactDeep(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_JSON_DEPTH) return TOO_DEEP_MARKER;
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item, depth + 1));
    const output: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value)) {
      output[name] = this.redactDeep(member, depth + 1);
    }
    return output;
  }

  private addForm(form: string, marker: string): void {
    if (form.length === 0 || this.markers.has(form)) return;
    this.markers.set(form, marker);
    this.pattern = undefined;
  }

  /** Builds one pattern for all forms, longest first so a longer form wins over a form inside it. */
  private buildPattern(): RegExp {
    const forms = [...this.markers.keys()].sort((a, b) => b.length - a.length);
    return new RegExp(`(${REDACTION_MARKER_SOURCE})|${forms.map(boundedPattern).join('|')}`, 'g');
  }
}

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Replaces known secrets in a recorded exchange: header values, bodies and the error message.
 * The request's own secret members and headers are already redacted by name when it is recorded.
 */
export function redactExchangeSecrets(exchange: RecordedExchange, secrets: SecretValues): void {
  if (secrets.size === 0) return;
  const redactHeaders = (headers: HeaderPair[]): HeaderPair[] =>
    headers.map(([name, value]) => [name, secrets.redact(value)]);

  exchange.request.headers = redactHeaders(exchange.request.headers);
  if (exchange.request.body)
    exchange.request.body.text = secrets.redact(exchange.request.body.text);
  if (exchange.response) {
    exchange.response.headers = redactHeaders(exchange.response.headers);
    const body = exchange.response.body;
    if (body) body.text = secrets.redact(body.text);
  }
  if (exchange.error) exchange.error.message = secrets.redact(exchange.error.message);
}
