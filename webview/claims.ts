/** Explanations of registered JWT claims, shown as tooltips in the token view. */

export const CLAIM_EXPLANATIONS: Readonly<Record<string, string>> = {
  iss: 'Issuer: the authorization server that issued the token (RFC 7519).',
  sub: 'Subject: the user, or for client credentials the client, that the token is about (RFC 7519).',
  aud: 'Audience: the recipients the token is meant for; any other recipient must reject it (RFC 7519).',
  exp: 'Expiration time: the token must not be accepted on or after this time (RFC 7519).',
  nbf: 'Not before: the token must not be accepted before this time (RFC 7519).',
  iat: 'Issued at: the time the token was issued (RFC 7519).',
  jti: 'JWT ID: a unique identifier of this token, used to detect replay (RFC 7519).',
  azp: 'Authorized party: the client_id of the client the ID token was issued to (OpenID Connect Core 1.0).',
  nonce:
    'Nonce: the value the client sent in the authorization request, returned so the client can reject a replayed ID token (OpenID Connect Core 1.0).',
  acr: 'Authentication context class reference: the level of assurance of the user authentication (OpenID Connect Core 1.0).',
  amr: 'Authentication methods references: how the user authenticated, such as "pwd" or "mfa" (RFC 8176).',
  auth_time: 'Authentication time: when the user last authenticated (OpenID Connect Core 1.0).',
  cnf: 'Confirmation: the key the token is bound to. x5t#S256 is the SHA-256 thumbprint of the client certificate the token is bound to (RFC 7800, RFC 8705).',
  scope: 'Scope: the space-separated scopes granted to the client (RFC 9068, RFC 8693).',
  client_id: 'Client identifier: the client the token was issued to (RFC 9068, RFC 8693).',
  sid: 'Session ID: the user session at the authorization server, used for logout (OpenID Connect Front-Channel and Back-Channel Logout).',
  at_hash:
    'Access token hash: base64url of the left half of the hash of the access token, which binds the ID token to it (OpenID Connect Core 1.0).',
  c_hash:
    'Code hash: base64url of the left half of the hash of the authorization code, which binds the ID token to it (OpenID Connect Core 1.0).',
  s_hash:
    'State hash: base64url of the left half of the hash of the state value, which binds the ID token to it (FAPI 1.0 Advanced).',
};

/** Claims whose values are NumericDate: seconds since the epoch. */
export const TIME_CLAIMS: ReadonlySet<string> = new Set(['exp', 'iat', 'nbf', 'auth_time']);
