import { createHash } from 'node:crypto';

/**
 * Form and JSON members whose values are credentials. Access and ID tokens are not listed: the
 * inspector exists to show them. A `token` sent for introspection or revocation is listed because
 * it may be a refresh token.
 */
export const SECRET_PARAMETERS: ReadonlySet<string> = new Set([
  'client_secret',
  'client_assertion',
  'refresh_token',
  'code_verifier',
  'password',
  'assertion',
  'subject_token',
  'actor_token',
  'token',
  'registration_access_token',
  'private_key',
  'passphrase',
]);

/** Headers whose values are credentials. `Authorization` keeps its scheme so Basic vs Bearer shows. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

/**
 * Replaces a secret with a marker that gives its length and a short hash, so two requests can be
 * compared (same secret or not) without revealing it.
 */
export function redactValue(value: string): string {
  const digest = createHash('sha256').update(value).digest('base64url').slice(0, 8);
  return `[redacted: ${value.length} chars, sha256 ${digest}]`;
}

export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!SECRET_HEADERS.has(lower)) return value;
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const space = value.indexOf(' ');
    if (space > 0) return `${value.slice(0, space)} ${redactValue(value.slice(space + 1))}`;
  }
  return redactValue(value);
}

export interface RedactedText {
  text: string;
  /** Names of the members whose values were replaced. */
  redacted: string[];
}

/** Redacts secret parameters in an `application/x-www-form-urlencoded` body. */
export function redactFormBody(body: string): RedactedText {
  const params = new URLSearchParams(body);
  const redacted: string[] = [];
  const output = new URLSearchParams();
  for (const [name, value] of params) {
    if (SECRET_PARAMETERS.has(name)) {
      redacted.push(name);
      output.append(name, redactValue(value));
    } else {
      output.append(name, value);
    }
  }
  return { text: output.toString(), redacted };
}

/** Private key members of a JWK (RFC 7518 section 6), redacted wherever a JWK carries them. */
const PRIVATE_JWK_MEMBERS: ReadonlySet<string> = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']);

/**
 * Nesting depth beyond which a JSON value is not inspected. OAuth and OpenID documents nest a few
 * levels. A deeper value is replaced by TOO_DEEP_MARKER, because walking it could overflow the
 * stack.
 */
export const MAX_JSON_DEPTH = 64;

export const TOO_DEEP_MARKER = `[not inspected: nested deeper than ${MAX_JSON_DEPTH} levels]`;

/** Returns the marker for a secret member's value of any JSON type. */
function redactMember(member: unknown): string {
  return redactValue(typeof member === 'string' ? member : (JSON.stringify(member) ?? ''));
}

interface JsonRedaction {
  value: unknown;
  redacted: string[];
  /** Whether a subtree deeper than MAX_JSON_DEPTH was replaced by TOO_DEEP_MARKER. */
  tooDeep: boolean;
}

function redactJsonValue(value: unknown, result: JsonRedaction, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) {
    result.tooDeep = true;
    return TOO_DEEP_MARKER;
  }
  if (Array.isArray(value)) return value.map((item) => redactJsonValue(item, result, depth + 1));
  const isJwk = typeof (value as { kty?: unknown }).kty === 'string';
  const output: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    const secret = SECRET_PARAMETERS.has(name) || (isJwk && PRIVATE_JWK_MEMBERS.has(name));
    if (secret) {
      result.redacted.push(name);
      output[name] = redactMember(member);
    } else {
      output[name] = redactJsonValue(member, result, depth + 1);
    }
  }
  return output;
}

/**
 * Replaces secret members at any depth of a parsed JSON value, whatever the type of their values,
 * and replaces subtrees deeper than MAX_JSON_DEPTH by TOO_DEEP_MARKER.
 */
export function redactJson(value: unknown): JsonRedaction {
  const result: JsonRedaction = { value: undefined, redacted: [], tooDeep: false };
  result.value = redactJsonValue(value, result, 0);
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Matches where a JSON text may contain a member that redactJson redacts: a secret parameter name
 * or `kty` (a JWK) as a member name, or any `\u` escape, which could spell such a name. An
 * unescaped member name appears as `"name"` followed by optional whitespace and a colon, so a text
 * without a match has nothing to redact. A match may be a false alarm, and then the body is parsed.
 */
const POSSIBLE_SECRET_MEMBER = new RegExp(
  `"(?:${[...SECRET_PARAMETERS, 'kty'].map(escapeRegExp).join('|')})"\\s*:|\\\\u`,
);

/**
 * Returns the text recorded in place of a JSON body that nests too deep to be checked for
 * secrets. A secret member could sit inside the part that was not inspected, so none of it is kept.
 */
export function tooDeepNote(body: string): string {
  return `[body not recorded: its JSON nests deeper than ${MAX_JSON_DEPTH} levels, too deep to check for secrets (${body.length} characters)]`;
}

/** Parses and redacts a JSON text, or returns undefined when the text is not JSON. */
function redactParsedJson(body: string): RedactedText | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const { value, redacted, tooDeep } = redactJson(parsed);
  if (tooDeep) return { text: tooDeepNote(body), redacted: [...redacted, TOO_DEEP_MARKER] };
  if (redacted.length === 0) return { text: body, redacted };
  return { text: JSON.stringify(value, null, 2), redacted };
}

/**
 * Redacts secret members at any depth of a JSON body. Text that is not JSON is returned unchanged,
 * because the caller records it as it came. A body without any possible secret member name is
 * returned without parsing, since parsing it would change nothing.
 */
export function redactJsonBody(body: string): RedactedText {
  if (!POSSIBLE_SECRET_MEMBER.test(body)) return { text: body, redacted: [] };
  return redactParsedJson(body) ?? { text: body, redacted: [] };
}

const SECRET_NAME_PATTERN = [...SECRET_PARAMETERS].map(escapeRegExp).join('|');

/**
 * A secret member with a string value in JSON text: `"name"`, optional whitespace, a colon and a
 * JSON string, which may stop at the end of the text when the body was cut short.
 */
const JSON_SECRET_MEMBER = new RegExp(
  `("(${SECRET_NAME_PATTERN})"\\s*:\\s*)"((?:[^"\\\\]|\\\\[\\s\\S])*)("?)`,
  'g',
);

/**
 * A secret parameter written form style, `name=value`, where the name does not continue a longer
 * name (`access_token=` is not `token=`) and the value runs to `&`, whitespace, a quote or `<`.
 */
const FORM_SECRET_PARAMETER = new RegExp(`(?<!\\w)(${SECRET_NAME_PATTERN})=([^&\\s"'<>]+)`, 'g');

/** FORM_SECRET_PARAMETER without the `g` flag, whose `test` keeps no state between calls. */
const POSSIBLE_FORM_SECRET = new RegExp(FORM_SECRET_PARAMETER.source);

/**
 * Redacts secret members by pattern in a text that could not be parsed: JSON style
 * `"name": "value"` and form style `name=value`. A secret member whose value is not a string, or
 * whose name is escaped, is not found this way.
 */
export function redactSecretPatterns(body: string): RedactedText {
  const redacted: string[] = [];
  const text = body
    .replace(JSON_SECRET_MEMBER, (_match, prefix: string, name: string, value: string, end) => {
      redacted.push(name);
      return `${prefix}"${redactValue(value)}${end as string}`;
    })
    .replace(FORM_SECRET_PARAMETER, (_match, name: string, value: string) => {
      redacted.push(name);
      return `${name}=${redactValue(value)}`;
    });
  return { text, redacted };
}

/** Tests whether a text has the shape of an `application/x-www-form-urlencoded` body. */
function looksLikeForm(body: string): boolean {
  return /^[^\s=&]+=[^\s&]*(?:&[^\s=&]+(?:=[^\s&]*)?)*$/.test(body);
}

/**
 * Returns the first media type of a Content-Type value, lowercased. Headers.get joins a repeated
 * header with commas (`application/json, charset=utf-8`), so only the part before the first comma
 * or semicolon counts.
 */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(/[;,]/)[0]!.trim().toLowerCase();
}

/**
 * Redacts a body by what it contains, whatever its Content-Type: a server may label a token
 * response `text/plain` or not at all. A form-typed body is redacted as a form. Any other body is
 * redacted as JSON when it parses as JSON, else as a form when it has the shape of one, else by
 * pattern. A body with no possible secret member name is returned unparsed.
 */
export function redactBody(body: string, contentType: string | undefined): RedactedText {
  if (mediaType(contentType) === 'application/x-www-form-urlencoded') return redactFormBody(body);
  if (!POSSIBLE_SECRET_MEMBER.test(body) && !POSSIBLE_FORM_SECRET.test(body)) {
    return { text: body, redacted: [] };
  }
  const json = redactParsedJson(body);
  if (json) return json;
  if (looksLikeForm(body)) {
    const form = redactFormBody(body);
    if (form.redacted.length > 0) return form;
  }
  return redactSecretPatterns(body);
}
