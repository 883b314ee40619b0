import type { AuthorizationServer } from 'oauth4webapi';
import { ALIASABLE_ENDPOINTS } from './routing';

/** Authorization server metadata as served, with unknown members kept. */
export type ServerMetadata = AuthorizationServer;

export interface MetadataProblem {
  severity: 'error' | 'warning';
  /** The member at fault, as a JSON path such as `mtls_endpoint_aliases.token_endpoint`. */
  field: string;
  message: string;
}

/** Metadata members that hold URLs (RFC 8414 section 2, OpenID Connect Discovery section 3). */
const URL_MEMBERS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'registration_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'pushed_authorization_request_endpoint',
  'device_authorization_endpoint',
  'backchannel_authentication_endpoint',
  'end_session_endpoint',
  'check_session_iframe',
  'service_documentation',
  'op_policy_uri',
  'op_tos_uri',
];

/** `*_supported` members that are lists; others, such as `claims_parameter_supported`, are booleans. */
const ARRAY_MEMBER = /^(scopes|claims)_supported$|_(values|methods|types|modes|locales)_supported$/;

/** Nesting levels shown when a value is quoted in a message. Deeper arrays and objects show as `[...]`. */
const MAX_DESCRIBED_DEPTH = 4;
const MAX_DESCRIBED_LENGTH = 80;

/**
 * Writes a JSON preview of `value`, stopping at MAX_DESCRIBED_DEPTH levels and once about `room`
 * characters are written. A server controls these values, so the preview never recurses without a
 * bound: JSON.stringify on deep nesting overflows the stack.
 */
function previewJson(value: unknown, depth: number, room: number): string {
  if (Array.isArray(value)) {
    if (depth >= MAX_DESCRIBED_DEPTH) return '[...]';
    let text = '[';
    for (const item of value) {
      if (text.length > room) break;
      text += `${text.length > 1 ? ',' : ''}${previewJson(item, depth + 1, room - text.length)}`;
    }
    return `${text}]`;
  }
  if (value !== null && typeof value === 'object') {
    if (depth >= MAX_DESCRIBED_DEPTH) return '{...}';
    let text = '{';
    for (const [key, member] of Object.entries(value)) {
      if (text.length > room) break;
      const name = JSON.stringify(key.slice(0, room));
      text += `${text.length > 1 ? ',' : ''}${name}:${previewJson(member, depth + 1, room - text.length)}`;
    }
    return `${text}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value.slice(0, room + 1));
  return JSON.stringify(value) ?? String(value);
}

/** Quotes a metadata value for a message, cut to about 80 characters. */
export function describeValue(value: unknown): string {
  const text = previewJson(value, 0, MAX_DESCRIBED_LENGTH);
  return text.length > MAX_DESCRIBED_LENGTH
    ? `${text.slice(0, MAX_DESCRIBED_LENGTH - 3)}...`
    : text;
}

function checkUrl(field: string, value: unknown, problems: MetadataProblem[]): void {
  if (typeof value !== 'string') {
    problems.push({
      severity: 'error',
      field,
      message: `${field} must be a URL string, but it is ${describeValue(value)}.`,
    });
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push({
      severity: 'error',
      field,
      message: `${field} is not a valid absolute URL: ${describeValue(value)}.`,
    });
    return;
  }
  if (url.protocol !== 'https:') {
    problems.push({
      severity: 'warning',
      field,
      message: `${field} uses ${url.protocol.replace(':', '')} instead of https: ${value}.`,
    });
  }
}

function checkAliases(value: unknown, problems: MetadataProblem[]): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({
      severity: 'error',
      field: 'mtls_endpoint_aliases',
      message: `mtls_endpoint_aliases must be a JSON object of endpoint URLs, but it is ${describeValue(value)}.`,
    });
    return;
  }
  for (const [name, alias] of Object.entries(value)) {
    checkUrl(`mtls_endpoint_aliases.${name}`, alias, problems);
    if (!(ALIASABLE_ENDPOINTS as readonly string[]).includes(name)) {
      problems.push({
        severity: 'warning',
        field: `mtls_endpoint_aliases.${name}`,
        message: `mtls_endpoint_aliases.${name} is not an endpoint that clients route through aliases, so it is never used.`,
      });
    }
  }
}

/**
 * Checks the members the explorer relies on. Errors make the metadata unusable for flows;
 * warnings are shown next to it. Members not listed here are kept and shown as served.
 */
export function validateMetadata(
  metadata: Record<string, unknown>,
  kind: 'oidc' | 'oauth2',
): MetadataProblem[] {
  const problems: MetadataProblem[] = [];
  if (typeof metadata.issuer !== 'string' || metadata.issuer.length === 0) {
    problems.push({
      severity: 'error',
      field: 'issuer',
      message: `issuer must be a non-empty string, but it is ${describeValue(metadata.issuer)}.`,
    });
  }

  for (const field of URL_MEMBERS) {
    if (metadata[field] !== undefined) checkUrl(field, metadata[field], problems);
  }
  if (metadata.mtls_endpoint_aliases !== undefined) {
    checkAliases(metadata.mtls_endpoint_aliases, problems);
  }
  for (const [field, value] of Object.entries(metadata)) {
    if (ARRAY_MEMBER.test(field) && !Array.isArray(value)) {
      problems.push({
        severity: 'error',
        field,
        message: `${field} must be a JSON array, but it is ${describeValue(value)}.`,
      });
    }
  }

  const required =
    kind === 'oidc'
      ? ['authorization_endpoint', 'jwks_uri', 'response_types_supported']
      : ['authorization_endpoint', 'response_types_supported'];
  for (const field of [...required, 'token_endpoint']) {
    if (metadata[field] === undefined) {
      problems.push({ severity: 'warning', field, message: `${field} is missing.` });
    }
  }
  return problems;
}
