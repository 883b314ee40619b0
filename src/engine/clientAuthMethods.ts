/**
 * Client authentication methods (RFC 7591 section 2, RFC 8705 section 2). Kept apart from the
 * code that uses them so that configuration parsing can import the list without loading
 * oauth4webapi.
 */
export const CLIENT_AUTH_METHODS = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;

export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

export function isMutualTlsMethod(method: ClientAuthMethod): boolean {
  return method === 'tls_client_auth' || method === 'self_signed_tls_client_auth';
}
