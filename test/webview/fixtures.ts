/**
 * Run snapshots as the host would send them, built with the engine's own routing, redaction and
 * token inspection, and with JWTs signed by jose at test time.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as jose from 'jose';
import type { CertificateSummary } from '../../src/engine/credentials';
import type { HeaderPair, RecordedCertificate, RecordedExchange } from '../../src/engine/exchange';
import type { FlowStep } from '../../src/engine/flowRun';
import { redactBody, redactHeader } from '../../src/engine/redaction';
import { routeEndpoint, routeEndpoints, type EndpointName } from '../../src/engine/routing';
import { inspectToken, type KeySource } from '../../src/engine/tokens';
import type { RunSnapshot } from '../../src/shared/inspectorProtocol';

/** The raw secrets; tests check that none of them reaches the page's outgoing messages. */
export const SECRETS = {
  client_secret: 'fixture-client-secret-8Qm2vX',
  code_verifier: 'fixture-code-verifier-Zp4kLr9sT1uW7yB3nC6eH0jM5aD8fG2i',
  basicCredentials: Buffer.from('cc-client:fixture-client-secret-8Qm2vX').toString('base64'),
} as const;

const ISSUER = 'https://as.example';
export const JWKS_URI = `${ISSUER}/jwks`;

export const METADATA = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/auth`,
  token_endpoint: `${ISSUER}/token`,
  pushed_authorization_request_endpoint: `${ISSUER}/par`,
  userinfo_endpoint: `${ISSUER}/me`,
  introspection_endpoint: `${ISSUER}/introspect`,
  // No mtls_endpoint_aliases entry, so requests go to this URL even with aliases on.
  revocation_endpoint: `${ISSUER}/revoke`,
  jwks_uri: JWKS_URI,
  mtls_endpoint_aliases: {
    token_endpoint: 'https://mtls.as.example/token',
    pushed_authorization_request_endpoint: 'https://mtls.as.example/par',
    userinfo_endpoint: 'https://mtls.as.example/me',
    introspection_endpoint: 'https://mtls.as.example/introspect',
  },
};

function thumbprint(label: string): string {
  return createHash('sha256').update(label).digest('base64url');
}

export const CLIENT_CERTIFICATE: CertificateSummary = {
  subject: 'CN=fintech-client,O=Example Fintech',
  issuer: 'CN=Example Test CA',
  serialNumber: '4F2A91',
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2027-01-01T00:00:00.000Z',
  x5tS256: thumbprint('client certificate DER'),
  selfSigned: false,
};

/** A certificate the client does not have, for the binding mismatch case. */
export const OTHER_THUMBPRINT = thumbprint('another certificate DER');

const CLIENT_RECORDED: RecordedCertificate = {
  subject: CLIENT_CERTIFICATE.subject,
  issuer: CLIENT_CERTIFICATE.issuer,
  validTo: CLIENT_CERTIFICATE.validTo,
  x5tS256: CLIENT_CERTIFICATE.x5tS256,
};

function serverCertificate(host: string): RecordedCertificate {
  return {
    subject: `CN=${host}`,
    issuer: 'CN=Example Test CA',
    validTo: '2027-06-30T00:00:00.000Z',
    x5tS256: thumbprint(host),
  };
}

/** Signing keys and the local key source the engine verifies against. */
export interface TokenKeys {
  signingKey: CryptoKey;
  /** Has the same kid as the signing key, so tokens signed with it fail verification. */
  rotatedKey: CryptoKey;
  encryptionKey: CryptoKey;
  keySource: KeySource;
}

export async function createKeys(): Promise<TokenKeys> {
  const signing = await jose.generateKeyPair('ES256', { extractable: true });
  const rotated = await jose.generateKeyPair('ES256');
  const encryption = await jose.generateKeyPair('ECDH-ES+A256KW');
  const publicJwk = { ...(await jose.exportJWK(signing.publicKey)), kid: 'as-key-1', alg: 'ES256' };
  return {
    signingKey: signing.privateKey,
    rotatedKey: rotated.privateKey,
    encryptionKey: encryption.publicKey,
    keySource: { getKey: jose.createLocalJWKSet({ keys: [publicJwk] }), name: JWKS_URI },
  };
}

const NOW_SECONDS = (): number => Math.floor(Date.now() / 1000);

function signJwt(claims: jose.JWTPayload, key: CryptoKey, typ = 'JWT'): Promise<string> {
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'as-key-1', typ })
    .sign(key);
}

/** Access token claims; `boundTo` is the x5t#S256 of `cnf`, and no `cnf` is added without it. */
function accessTokenClaims(client_id: string, boundTo?: string): jose.JWTPayload {
  const now = NOW_SECONDS();
  const claims: jose.JWTPayload = {
    iss: ISSUER,
    sub: client_id,
    aud: 'https://api.example',
    client_id,
    scope: 'accounts payments',
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: randomUUID(),
  };
  if (boundTo) claims.cnf = { 'x5t#S256': boundTo };
  return claims;
}

function unsecuredJwt(claims: jose.JWTPayload): string {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${payload}.`;
}

interface ExchangeInput {
  endpoint: EndpointName | 'discovery';
  method: string;
  url: string;
  aliases: boolean;
  certificate: boolean;
  requestHeaders?: HeaderPair[];
  requestBody?: { contentType: string; text: string };
  status: number;
  statusText: string;
  responseBody?: { contentType: string; text: string };
  durationMs: number;
  startedAt?: string;
}

/** Records one exchange the way the engine's HTTP client does: secrets redacted on the way in. */
export function recordExchange(input: ExchangeInput): RecordedExchange {
  const requestHeaders: HeaderPair[] = (input.requestHeaders ?? []).map(([name, value]) => [
    name,
    redactHeader(name, value),
  ]);
  if (input.requestBody) requestHeaders.push(['content-type', input.requestBody.contentType]);
  const requestBody = input.requestBody && {
    contentType: input.requestBody.contentType,
    ...redactBody(input.requestBody.text, input.requestBody.contentType),
  };
  const responseBody = input.responseBody && {
    contentType: input.responseBody.contentType,
    ...redactBody(input.responseBody.text, input.responseBody.contentType),
  };
  const route =
    input.endpoint === 'discovery'
      ? undefined
      : routeEndpoint(METADATA, input.endpoint, {
          use_mtls_endpoint_aliases: input.aliases,
          hasClientCertificate: input.certificate,
        });
  const host = new URL(input.url).host;
  return {
    id: randomUUID(),
    endpoint: input.endpoint,
    method: input.method,
    url: input.url,
    startedAt: input.startedAt ?? new Date().toISOString(),
    durationMs: input.durationMs,
    route,
    request: { headers: requestHeaders, body: requestBody },
    response: {
      status: input.status,
      statusText: input.statusText,
      headers: [
        ['content-type', input.responseBody?.contentType ?? 'text/plain'],
        ['cache-control', 'no-store'],
      ],
      body: responseBody,
      size: input.responseBody?.text.length ?? 0,
    },
    tls: {
      clientCertificate: route?.presentsCertificate ? CLIENT_RECORDED : undefined,
      serverCertificate: serverCertificate(host),
      protocol: 'TLSv1.3',
    },
  };
}

function discoveryExchange(): RecordedExchange {
  return recordExchange({
    endpoint: 'discovery',
    method: 'GET',
    url: `${ISSUER}/.well-known/openid-configuration`,
    aliases: true,
    certificate: true,
    requestHeaders: [['accept', 'application/json']],
    status: 200,
    statusText: 'OK',
    responseBody: {
      contentType: 'application/json; charset=utf-8',
      text: JSON.stringify(METADATA),
    },
    durationMs: 18,
  });
}

function jwksExchange(aliases: boolean): RecordedExchange {
  return recordExchange({
    endpoint: 'jwks_uri',
    method: 'GET',
    url: JWKS_URI,
    aliases,
    certificate: true,
    requestHeaders: [['accept', 'application/json']],
    status: 200,
    statusText: 'OK',
    responseBody: {
      contentType: 'application/jwk-set+json',
      text: '{"keys":[{"kty":"EC","crv":"P-256","kid":"as-key-1"}]}',
    },
    durationMs: 9,
  });
}

function steps(titles: string[], failedAt?: number): FlowStep[] {
  const start = Date.now() - 5000;
  return titles.map((title, index) => ({
    index,
    title,
    status: index === failedAt ? 'failed' : 'done',
    startedAt: new Date(start + index * 300).toISOString(),
    durationMs: 20 + index * 7,
    detail:
      index === failedAt
        ? `${title} failed: the server rejected the client authentication.`
        : undefined,
  }));
}

function baseRun(overrides: Partial<RunSnapshot> & Pick<RunSnapshot, 'title'>): RunSnapshot {
  const aliases = overrides.use_mtls_endpoint_aliases ?? true;
  return {
    id: randomUUID(),
    serverId: 'example-as',
    serverLabel: 'Example AS',
    issuer: ISSUER,
    client_id: 'cc-client',
    token_endpoint_auth_method: 'client_secret_basic',
    use_mtls_endpoint_aliases: aliases,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    status: 'done',
    clientCertificate: CLIENT_CERTIFICATE,
    routes: routeEndpoints(METADATA, {
      use_mtls_endpoint_aliases: aliases,
      hasClientCertificate: true,
    }),
    steps: [],
    exchanges: [],
    tokens: [],
    ...overrides,
  };
}

/**
 * Client credentials through the mTLS alias of the token endpoint, with a bound access token,
 * then a revocation at the plain URL because the metadata has no alias for that endpoint.
 */
export async function clientCredentialsRun(keys: TokenKeys): Promise<RunSnapshot> {
  const accessToken = await signJwt(
    accessTokenClaims('cc-client', CLIENT_CERTIFICATE.x5tS256),
    keys.signingKey,
    'at+jwt',
  );
  const tokenResponse = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'accounts payments',
  };
  const token = recordExchange({
    endpoint: 'token_endpoint',
    method: 'POST',
    url: METADATA.mtls_endpoint_aliases.token_endpoint,
    aliases: true,
    certificate: true,
    requestHeaders: [
      ['accept', 'application/json'],
      ['authorization', `Basic ${SECRETS.basicCredentials}`],
    ],
    requestBody: {
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      text: 'grant_type=client_credentials&scope=accounts+payments',
    },
    status: 200,
    statusText: 'OK',
    responseBody: {
      contentType: 'application/json; charset=utf-8',
      text: JSON.stringify(tokenResponse),
    },
    durationMs: 42,
  });
  const revocation = recordExchange({
    endpoint: 'revocation_endpoint',
    method: 'POST',
    url: METADATA.revocation_endpoint,
    aliases: true,
    certificate: true,
    requestHeaders: [['authorization', `Basic ${SECRETS.basicCredentials}`]],
    requestBody: {
      contentType: 'application/x-www-form-urlencoded',
      text: new URLSearchParams({ token: accessToken, token_type_hint: 'access_token' }).toString(),
    },
    status: 200,
    statusText: 'OK',
    durationMs: 17,
  });
  return baseRun({
    title: 'Client credentials',
    steps: steps(['Discovery', 'Token request', 'Verify the access token', 'Revoke the token']),
    exchanges: [discoveryExchange(), token, jwksExchange(true), revocation],
    tokens: [
      await inspectToken('access_token', accessToken, keys.keySource, CLIENT_CERTIFICATE.x5tS256),
    ],
    result: tokenResponse,
  });
}

/**
 * PAR and authorization code with a JARM response, with aliases off so every request goes to a
 * plain URL. The access token is bound to a certificate other than the client's.
 */
export async function parCodeRun(keys: TokenKeys): Promise<RunSnapshot> {
  const client_id = 'par-client';
  const now = NOW_SECONDS();
  const jarm = await signJwt(
    {
      iss: ISSUER,
      aud: client_id,
      exp: now + 120,
      code: 'SplxlOBeZQQYbYS6WxSbIA',
      state: 'af0ifjsldkj',
    },
    keys.signingKey,
  );
  const idToken = await signJwt(
    {
      iss: ISSUER,
      sub: 'user-4711',
      aud: client_id,
      azp: client_id,
      nonce: 'n-0S6_WzA2Mj',
      iat: now,
      exp: now + 600,
      auth_time: now - 30,
      acr: 'urn:example:loa:2',
      amr: ['pwd', 'otp'],
      sid: 'sess-31',
      at_hash: '77QmUPtjPfzWtF2AnpK9RQ',
      c_hash: 'LDktKdoQak3Pk0cnXxCltA',
      s_hash: 'NKmaWLSAp3c9cpsnNJjMnQ',
    },
    keys.signingKey,
  );
  const accessToken = await signJwt(
    accessTokenClaims(client_id, OTHER_THUMBPRINT),
    keys.signingKey,
    'at+jwt',
  );
  const par = recordExchange({
    endpoint: 'pushed_authorization_request_endpoint',
    method: 'POST',
    url: METADATA.pushed_authorization_request_endpoint,
    aliases: false,
    certificate: true,
    requestHeaders: [['accept', 'application/json']],
    requestBody: {
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      text: new URLSearchParams({
        client_id,
        client_secret: SECRETS.client_secret,
        response_type: 'code',
        response_mode: 'query.jwt',
        redirect_uri: 'http://127.0.0.1:53682/callback',
        scope: 'openid accounts',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 'af0ifjsldkj',
        nonce: 'n-0S6_WzA2Mj',
      }).toString(),
    },
    status: 201,
    statusText: 'Created',
    responseBody: {
      contentType: 'application/json',
      text: '{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}',
    },
    durationMs: 35,
  });
  const tokenResponse = {
    access_token: accessToken,
    id_token: idToken,
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'openid accounts',
  };
  const token = recordExchange({
    endpoint: 'token_endpoint',
    method: 'POST',
    url: METADATA.token_endpoint,
    aliases: false,
    certificate: true,
    requestHeaders: [['accept', 'application/json']],
    requestBody: {
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      text: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'SplxlOBeZQQYbYS6WxSbIA',
        redirect_uri: 'http://127.0.0.1:53682/callback',
        code_verifier: SECRETS.code_verifier,
        client_id,
        client_secret: SECRETS.client_secret,
      }).toString(),
    },
    status: 200,
    statusText: 'OK',
    responseBody: { contentType: 'application/json', text: JSON.stringify(tokenResponse) },
    durationMs: 51,
  });
  return baseRun({
    title: 'Authorization code with PAR and JARM',
    client_id,
    token_endpoint_auth_method: 'client_secret_post',
    use_mtls_endpoint_aliases: false,
    steps: steps([
      'Discovery',
      'Pushed authorization request',
      'Authorization in the browser',
      'Verify the JARM response',
      'Token request',
    ]),
    exchanges: [discoveryExchange(), par, jwksExchange(false), token],
    tokens: [
      await inspectToken('authorization_response', jarm, keys.keySource),
      await inspectToken('id_token', idToken, keys.keySource),
      await inspectToken('access_token', accessToken, keys.keySource, CLIENT_CERTIFICATE.x5tS256),
    ],
    result: { ...tokenResponse, refresh_token: '[redacted: 43 chars, sha256 q1W2e3R4]' },
    authorizationUrl: `${ISSUER}/auth?client_id=${client_id}&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c`,
  });
}

/**
 * Tokens the explorer cannot vouch for: an encrypted ID token, an access token that is bound to no
 * certificate and signed by a key the JWKS no longer has, an unsecured userinfo JWT and a
 * malformed JARM response.
 */
export async function tokenEdgeCasesRun(keys: TokenKeys): Promise<RunSnapshot> {
  const now = NOW_SECONDS();
  const encrypted = await new jose.CompactEncrypt(new TextEncoder().encode('{"sub":"user-4711"}'))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'client-enc-1', cty: 'JWT' })
    .encrypt(keys.encryptionKey);
  const rotated = await signJwt(accessTokenClaims('cc-client'), keys.rotatedKey, 'at+jwt');
  const unsecured = unsecuredJwt({
    iss: ISSUER,
    sub: 'user-4711',
    aud: 'cc-client',
    iat: now - 7200,
    exp: now - 3600,
  });
  return baseRun({
    title: 'Userinfo with unusual tokens',
    steps: steps(['Discovery', 'Token request', 'Userinfo request']),
    exchanges: [discoveryExchange(), jwksExchange(true)],
    tokens: [
      await inspectToken('id_token', encrypted, keys.keySource),
      await inspectToken('access_token', rotated, keys.keySource, CLIENT_CERTIFICATE.x5tS256),
      await inspectToken('userinfo', unsecured, keys.keySource),
      await inspectToken(
        'authorization_response',
        'eyJhbGciOiJFUzI1NiJ9.bm90LWpzb24',
        keys.keySource,
      ),
    ],
  });
}

/** tls_client_auth with aliases off: the plain token endpoint asks for no certificate, so 401. */
export function failedRun(): RunSnapshot {
  const token = recordExchange({
    endpoint: 'token_endpoint',
    method: 'POST',
    url: METADATA.token_endpoint,
    aliases: false,
    certificate: true,
    requestHeaders: [['accept', 'application/json']],
    requestBody: {
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      text: 'grant_type=client_credentials&client_id=mtls-client&scope=accounts',
    },
    status: 401,
    statusText: 'Unauthorized',
    responseBody: {
      contentType: 'application/json',
      text: '{"error":"invalid_client","error_description":"client authentication failed"}',
    },
    durationMs: 23,
  });
  return baseRun({
    title: 'Client credentials (tls_client_auth)',
    client_id: 'mtls-client',
    token_endpoint_auth_method: 'tls_client_auth',
    use_mtls_endpoint_aliases: false,
    status: 'failed',
    error: {
      code: 'CLIENT_AUTHENTICATION_FAILED',
      message: `token_endpoint at ${METADATA.token_endpoint} rejected the client authentication (HTTP 401 invalid_client: client authentication failed).`,
      hint: `The request went to the plain URL ${METADATA.token_endpoint}, where the server may not ask for a client certificate; turn on mTLS endpoint aliases to use ${METADATA.mtls_endpoint_aliases.token_endpoint}.`,
    },
    steps: steps(['Discovery', 'Token request'], 1),
    exchanges: [discoveryExchange(), token],
  });
}

/** A run with `count` token requests through the mTLS alias, for the windowing measurement. */
export function largeRun(count: number): RunSnapshot {
  const template = recordExchange({
    endpoint: 'token_endpoint',
    method: 'POST',
    url: METADATA.mtls_endpoint_aliases.token_endpoint,
    aliases: true,
    certificate: true,
    requestHeaders: [['accept', 'application/json']],
    requestBody: {
      contentType: 'application/x-www-form-urlencoded',
      text: 'grant_type=client_credentials&client_id=load-client',
    },
    status: 200,
    statusText: 'OK',
    responseBody: {
      contentType: 'application/json',
      text: '{"access_token":"opaque-token","token_type":"Bearer","expires_in":300}',
    },
    durationMs: 12,
  });
  const exchanges = Array.from({ length: count }, (_, index) => ({
    ...template,
    id: `exchange-${index}`,
    durationMs: 10 + (index % 17),
    response:
      index % 50 === 49
        ? { ...template.response!, status: 503, statusText: 'Service Unavailable' }
        : template.response,
  }));
  return baseRun({
    title: `Load: ${count} token requests`,
    client_id: 'load-client',
    exchanges,
    steps: steps(['Token requests']),
  });
}
