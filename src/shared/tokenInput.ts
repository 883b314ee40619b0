/**
 * Recognizes what was pasted into the Decode JWT view before anything decodes it, so forms the
 * inspector cannot show are rejected by name. The webview checks as the user types, and the host
 * checks again. No DOM and no Node imports.
 */

/** A form the decode view shows. */
export type TokenForm = 'jws-compact' | 'jws-flattened' | 'jws-general' | 'jwe-compact';

export type TokenInput =
  { accepted: true; form: TokenForm; text: string } | { accepted: false; reason: string };

const BASE64URL_PART = /^[A-Za-z0-9_-]*$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * Removes what people copy along with a token: surrounding whitespace and quotes, and an
 * `Authorization: Bearer` or `DPoP` prefix. Line breaks inside a compact token are dropped too.
 */
export function cleanPastedToken(text: string): string {
  const trimmed = text
    .trim()
    .replace(/^(authorization:\s*)?(bearer|dpop)\s+/i, '')
    .replace(/^["']|["']$/g, '')
    .trim();
  return trimmed.startsWith('{') ? trimmed : trimmed.replace(/\s+/g, '');
}

/** Decodes one base64url part to text, or returns undefined when it is not base64url. */
function decodeBase64Url(part: string): string | undefined {
  if (!BASE64URL_PART.test(part) || part.length % 4 === 1) return undefined;
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  try {
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  const text = decodeBase64Url(part);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** True for a `cty` of `JWT`, which marks a nested JWT (RFC 7519, section 5.2). */
function isNestedContentType(header: Record<string, unknown> | undefined): boolean {
  const cty = header?.cty;
  return typeof cty === 'string' && /^(application\/)?jwt$/i.test(cty);
}

function rejected(reason: string): TokenInput {
  return { accepted: false, reason };
}

function classifyJson(text: string): TokenInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return rejected('Not a token: the text starts with "{" but is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return rejected('Not a token: the JSON is not an object.');
  }
  const object = value as Record<string, unknown>;
  if ('ciphertext' in object) {
    return rejected(
      'JWE JSON serialization is not supported. Only the compact JWE form (five dot-separated parts) can be shown.',
    );
  }
  if (typeof object.payload !== 'string') {
    return rejected('Not a JWS JSON serialization: the object has no "payload" string.');
  }
  if (Array.isArray(object.signatures)) return { accepted: true, form: 'jws-general', text };
  if (typeof object.signature === 'string') return { accepted: true, form: 'jws-flattened', text };
  return rejected('Not a JWS JSON serialization: it has neither "signature" nor "signatures".');
}

function classifyCompact(text: string): TokenInput {
  const parts = text.split('.');
  if (parts.length === 5) {
    const header = decodeJsonObject(parts[0]!);
    if (!header) return rejected('Not a JWE: its first part is not a base64url JSON header.');
    if (isNestedContentType(header)) {
      return rejected(
        'Nested JWT (cty "JWT") is not supported: the inner token is encrypted and cannot be read without the key.',
      );
    }
    return { accepted: true, form: 'jwe-compact', text };
  }
  if (parts.length !== 3) {
    return rejected(
      `Not a JWT: a compact JWS has 3 dot-separated base64url parts and a JWE has 5, but this has ${parts.length}.`,
    );
  }
  if (!COMPACT_JWS.test(text)) {
    return rejected(
      'Not a JWT: it contains characters outside base64url (A-Z, a-z, 0-9, - and _).',
    );
  }
  const header = decodeJsonObject(parts[0]!);
  if (!header) return rejected('Not a JWT: its first part is not a base64url JSON header.');
  const payload = decodeBase64Url(parts[1]!);
  if (isNestedContentType(header) || (payload !== undefined && isCompactToken(payload.trim()))) {
    return rejected(
      'Nested JWT is not supported: the payload is itself a JWT. Paste the inner token to decode it.',
    );
  }
  return { accepted: true, form: 'jws-compact', text };
}

function isCompactToken(text: string): boolean {
  const parts = text.split('.');
  return (
    (parts.length === 3 || parts.length === 5) &&
    parts.every((part) => BASE64URL_PART.test(part)) &&
    decodeJsonObject(parts[0]!) !== undefined
  );
}

/**
 * Classifies pasted text as a JWS (compact, flattened or general JSON) or a compact JWE, after
 * {@link cleanPastedToken}. JWE JSON serialization, nested JWTs, opaque tokens and other text
 * are rejected with a sentence that names the form.
 */
export function classifyTokenInput(input: string): TokenInput {
  const text = cleanPastedToken(input);
  if (text.length === 0) return rejected('Paste a token to decode.');
  if (text.startsWith('{')) return classifyJson(text);
  if (!text.includes('.')) {
    return rejected(
      'Not a JWT: the text has no dots, so it is an opaque token or something else. Only the server can read an opaque token; introspect it instead.',
    );
  }
  return classifyCompact(text);
}
