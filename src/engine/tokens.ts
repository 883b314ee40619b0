import * as jose from 'jose';
import { ExplorerError } from './errors';

type JsonObject = Record<string, unknown>;

/** One signature of a JWS, with its headers decoded. */
export interface DecodedSignature {
  protectedHeader: JsonObject;
  /** Unprotected header of the JSON serialization; absent in compact form. */
  header?: JsonObject;
  signature: string;
}

export interface DecodedJws {
  format: 'jws';
  serialization: 'compact' | 'flattened' | 'general';
  /** Header of the first signature, which is the only one in compact form. */
  header: JsonObject;
  signatures: DecodedSignature[];
  /** The payload as a JSON object when it is one (JWT claims). */
  claims?: JsonObject;
  /** The payload as text when it is not a JSON object. */
  payloadText?: string;
  unsecured: boolean;
}

export interface DecodedJwe {
  format: 'jwe';
  /** Only the protected header is readable without the decryption key. */
  header: JsonObject;
}

export interface OpaqueToken {
  format: 'opaque';
  length: number;
}

export type DecodedToken = DecodedJws | DecodedJwe | OpaqueToken;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function malformed(reason: string, hint = 'Check that the whole token was copied.'): ExplorerError {
  return new ExplorerError('MALFORMED_TOKEN', `The token is malformed: ${reason}.`, { hint });
}

function decodePart(part: string, name: string): string {
  if (!BASE64URL.test(part)) throw malformed(`the ${name} contains characters outside base64url`);
  if (part.length % 4 === 1) throw malformed(`the ${name} has an impossible base64url length`);
  return Buffer.from(part, 'base64url').toString('utf8');
}

function decodeJsonObject(part: string, name: string): JsonObject {
  const text = decodePart(part, name);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(`the ${name} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(`the ${name} is not a JSON object`);
  }
  return value as JsonObject;
}

function decodePayload(part: string): Pick<DecodedJws, 'claims' | 'payloadText'> {
  const text = decodePart(part, 'payload');
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return { claims: value as JsonObject };
    }
  } catch {
    // A JWS payload may be any octets; only JWTs carry a JSON object.
  }
  return { payloadText: text };
}

function decodeCompact(token: string): DecodedToken {
  const parts = token.split('.');
  if (parts.length === 5) {
    return { format: 'jwe', header: decodeJsonObject(parts[0]!, 'JWE protected header') };
  }
  if (parts.length !== 3) {
    throw malformed(
      `a compact JWS has 3 dot-separated parts and a JWE has 5, but this has ${parts.length}`,
    );
  }
  const header = decodeJsonObject(parts[0]!, 'header');
  decodePart(parts[2]!, 'signature');
  return {
    format: 'jws',
    serialization: 'compact',
    header,
    signatures: [{ protectedHeader: header, signature: parts[2]! }],
    ...decodePayload(parts[1]!),
    unsecured: header.alg === 'none',
  };
}

function decodeJsonSignature(entry: unknown, index: number): DecodedSignature {
  if (entry === null || typeof entry !== 'object')
    throw malformed(`signature ${index + 1} is not an object`);
  const { protected: protectedPart, header, signature } = entry as JsonObject;
  if (typeof signature !== 'string')
    throw malformed(`signature ${index + 1} has no "signature" string`);
  if (protectedPart !== undefined && typeof protectedPart !== 'string') {
    throw malformed(`signature ${index + 1} has a "protected" member that is not a string`);
  }
  if (header !== undefined && (header === null || typeof header !== 'object')) {
    throw malformed(`signature ${index + 1} has a "header" member that is not an object`);
  }
  decodePart(signature, `signature ${index + 1}`);
  return {
    protectedHeader: protectedPart
      ? decodeJsonObject(protectedPart, `protected header ${index + 1}`)
      : {},
    header: header as JsonObject | undefined,
    signature,
  };
}

function decodeJsonSerialization(text: string): DecodedToken {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed('it starts with "{" but is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed('the JSON serialization is not a JSON object');
  }
  const object = value as JsonObject;
  if ('ciphertext' in object) {
    throw malformed(
      'JWE JSON serialization is not supported',
      'Only the compact JWE form (five dot-separated parts) can be shown.',
    );
  }
  if (typeof object.payload !== 'string') throw malformed('the JWS JSON has no "payload" string');
  const general = Array.isArray(object.signatures);
  const entries = general ? (object.signatures as unknown[]) : [object];
  if (entries.length === 0) throw malformed('the JWS JSON has an empty "signatures" array');
  const signatures = entries.map(decodeJsonSignature);
  const first = signatures[0]!;
  const header = { ...first.header, ...first.protectedHeader };
  return {
    format: 'jws',
    serialization: general ? 'general' : 'flattened',
    header,
    signatures,
    ...decodePayload(object.payload),
    unsecured: signatures.every(
      (entry) => ({ ...entry.header, ...entry.protectedHeader }).alg === 'none',
    ),
  };
}

/**
 * Decodes a JWS (compact, flattened or general JSON) or the protected header of a compact JWE,
 * without verifying anything. Text with no dots is treated as an opaque token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7
 */
export function decodeToken(token: string): DecodedToken {
  const text = token.trim();
  if (text.length === 0) throw malformed('it is empty', 'Paste a token.');
  if (text.startsWith('{')) return decodeJsonSerialization(text);
  if (!text.includes('.')) return { format: 'opaque', length: text.length };
  return decodeCompact(text);
}

export type VerificationResult =
  | { status: 'verified'; alg: string; kid?: string; keySource: string }
  | { status: 'failed'; alg?: string; kid?: string; reason: string }
  | { status: 'unsecured'; reason: string }
  | { status: 'encrypted'; reason: string }
  | { status: 'opaque'; reason: string }
  | { status: 'skipped'; reason: string };

/** Where verification keys come from: a JWKS resolver and a name for it (the jwks_uri). */
export interface KeySource {
  getKey: jose.JWTVerifyGetKey;
  name: string;
}

function describeJoseError(error: unknown, header: JsonObject): string {
  if (error instanceof jose.errors.JWKSNoMatchingKey) {
    return `no key in the JWKS matches kid ${JSON.stringify(header.kid)} and alg ${JSON.stringify(header.alg)}`;
  }
  if (error instanceof jose.errors.JWSSignatureVerificationFailed) {
    return 'the signature does not match the signing input';
  }
  // jose raises JOSENotSupported for a `crit` member it cannot process, not only for algorithms.
  if (error instanceof jose.errors.JOSENotSupported && Array.isArray(header.crit)) {
    return `the header's crit member lists ${JSON.stringify(header.crit)}, which the verifier does not process: ${error.message}`;
  }
  if (
    error instanceof jose.errors.JOSEAlgNotAllowed ||
    error instanceof jose.errors.JOSENotSupported
  ) {
    return `the algorithm ${JSON.stringify(header.alg)} is not supported: ${(error as Error).message}`;
  }
  if (error instanceof ExplorerError) return error.fullMessage;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Verifies a JWS signature against the server's keys. Claims are not checked here: which claims
 * matter depends on the token type, and ID token claims are validated by oauth4webapi.
 * `alg: none` is reported as unsecured and never as verified.
 */
export async function verifyToken(
  token: string,
  decoded: DecodedToken,
  keys: KeySource | undefined,
): Promise<VerificationResult> {
  if (decoded.format === 'opaque') {
    return { status: 'opaque', reason: 'The token is not a JWT; only the server can inspect it.' };
  }
  if (decoded.format === 'jwe') {
    return { status: 'encrypted', reason: 'The token is encrypted; only its header is shown.' };
  }
  if (decoded.unsecured) {
    return { status: 'unsecured', reason: 'alg is "none": the token has no signature.' };
  }
  const { alg, kid } = decoded.header as { alg?: string; kid?: string };
  if (!keys) {
    return { status: 'skipped', reason: 'The server metadata has no jwks_uri to verify with.' };
  }
  try {
    const text = token.trim();
    if (decoded.serialization === 'compact') {
      await jose.compactVerify(text, keys.getKey as jose.CompactVerifyGetKey);
    } else if (decoded.serialization === 'flattened') {
      await jose.flattenedVerify(JSON.parse(text), keys.getKey as jose.FlattenedVerifyGetKey);
    } else {
      await jose.generalVerify(JSON.parse(text), keys.getKey as jose.GeneralVerifyGetKey);
    }
    return { status: 'verified', alg: alg ?? 'unknown', kid, keySource: keys.name };
  } catch (error) {
    return { status: 'failed', alg, kid, reason: describeJoseError(error, decoded.header) };
  }
}

export type BindingResult =
  | { status: 'match'; thumbprint: string }
  | { status: 'mismatch'; expected: string; actual: string }
  | { status: 'absent'; reason: string }
  | { status: 'no-certificate'; actual: string };

/**
 * Compares `cnf["x5t#S256"]` of a token (JWT claims or an introspection response) with the
 * thumbprint of the certificate the client used. oauth4webapi 3 checks only `cnf.jkt` (DPoP), so
 * this check is the explorer's own.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function checkCertificateBinding(
  claims: JsonObject | undefined,
  certificateThumbprint: string | undefined,
): BindingResult {
  const cnf = claims?.cnf;
  const actual =
    cnf !== null && typeof cnf === 'object' ? (cnf as JsonObject)['x5t#S256'] : undefined;
  if (typeof actual !== 'string') {
    return {
      status: 'absent',
      reason: 'The token has no cnf["x5t#S256"], so it is not bound to a certificate.',
    };
  }
  if (!certificateThumbprint) return { status: 'no-certificate', actual };
  if (actual === certificateThumbprint) return { status: 'match', thumbprint: actual };
  return { status: 'mismatch', expected: certificateThumbprint, actual };
}

/** A token as the inspector shows it: raw text, decoded parts, signature and binding status. */
export interface InspectedToken {
  /** What the token is: `access_token`, `id_token`, `authorization_response` (JARM), ... */
  label: string;
  token: string;
  decoded?: DecodedToken;
  /** Set instead of `decoded` when the token could not be decoded. */
  decodeError?: string;
  verification: VerificationResult;
  binding?: BindingResult;
  /** Claims validation done elsewhere (for ID tokens, by oauth4webapi), as a sentence. */
  claimsValidation?: string;
}

/** Decodes, verifies and (for access tokens) checks the certificate binding of one token. */
export async function inspectToken(
  label: string,
  token: string,
  keys: KeySource | undefined,
  certificateThumbprint?: string,
): Promise<InspectedToken> {
  let decoded: DecodedToken;
  try {
    decoded = decodeToken(token);
  } catch (error) {
    const reason = error instanceof ExplorerError ? error.message : String(error);
    return {
      label,
      token,
      decodeError: reason,
      verification: { status: 'failed', reason },
    };
  }
  const verification = await verifyToken(token, decoded, keys);
  const inspected: InspectedToken = { label, token, decoded, verification };
  if (label === 'access_token' && decoded.format === 'jws') {
    inspected.binding = checkCertificateBinding(decoded.claims, certificateThumbprint);
  } else if (label === 'access_token' && decoded.format === 'opaque') {
    inspected.binding = {
      status: 'absent',
      reason:
        'The token is opaque: introspect it to see whether the server bound it to a certificate.',
    };
  }
  return inspected;
}
