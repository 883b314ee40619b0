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

function redactJsonValue(value: unknown, redacted: string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => redactJsonValue(item, redacted));
  if (value === null || typeof value !== 'object') return value;
  const isJwk = typeof (value as { kty?: unknown }).kty === 'string';
  const output: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    const secret = SECRET_PARAMETERS.has(name) || (isJwk && PRIVATE_JWK_MEMBERS.has(name));
    if (secret && typeof member === 'string') {
      redacted.push(name);
      output[name] = redactValue(member);
    } else {
      output[name] = redactJsonValue(member, redacted);
    }
  }
  return output;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Matches where a JSON text may contain a member that redactJsonValue redacts: a secret parameter
 * name or `kty` (a JWK) as a member name, or any `\u` escape, which could spell such a name. An
 * unescaped member name appears as `"name"` followed by optional whitespace and a colon, so a text
 * without a match has nothing to redact. A match may be a false alarm, and then the body is parsed.
 */
const POSSIBLE_SECRET_MEMBER = new RegExp(
  `"(?:${[...SECRET_PARAMETERS, 'kty'].map(escapeRegExp).join('|')})"\\s*:|\\\\u`,
);

/**
 * Redacts secret members at any depth of a JSON body. Text that is not JSON is returned unchanged,
 * because the caller records it as it came. A body without any possible secret member name is
 * returned without parsing, since parsing it would change nothing.
 */
export function redactJsonBody(body: string): RedactedText {
  if (!POSSIBLE_SECRET_MEMBER.test(body)) return { text: body, redacted: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { text: body, redacted: [] };
  }
  const redacted: string[] = [];
  const output = redactJsonValue(parsed, redacted);
  if (redacted.length === 0) return { text: body, redacted };
  return { text: JSON.stringify(output, null, 2), redacted };
}

/** Redacts a body according to its content type. */
export function redactBody(body: string, contentType: string | undefined): RedactedText {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return redactFormBody(body);
  if (type === 'application/json' || type.endsWith('+json')) return redactJsonBody(body);
  return { text: body, redacted: [] };
}
