import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  X509Certificate,
  type JsonWebKey,
} from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ClientMetadata } from 'oidc-provider';

import { CLIENT_SUBJECT_DN, type TestCertificates } from './certificates';

/**
 * Redirect URI of every test client. The clients are native, so oidc-provider accepts this URI
 * with any port (RFC 8252 section 7.3).
 */
export const REDIRECT_URI = 'http://127.0.0.1/callback';

export type ClientAuthMethod =
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'none';

export interface TestClient {
  clientId: string;
  authMethod: ClientAuthMethod;
  redirectUri: string;
  grantTypes: string[];
  /** Whether the server binds this client's access tokens to its TLS client certificate. */
  certificateBoundAccessTokens: boolean;
}

export interface TestClients {
  /** Authenticates with the CA-signed client certificate ({@link CLIENT_SUBJECT_DN}). */
  tlsClientAuth: TestClient & { subjectDn: string };
  /** Authenticates with the self-signed client certificate registered in its JWKS as `x5c`. */
  selfSignedTlsClientAuth: TestClient;
  clientSecretBasic: TestClient & { clientSecret: string };
  clientSecretPost: TestClient & { clientSecret: string };
  privateKeyJwt: TestClient & {
    /** Private signing key (ES256) for `client_assertion`, with `kid` and `alg`. */
    privateJwk: JsonWebKey;
    /** Absolute path of a JSON file with `privateJwk`, readable only by its owner. */
    privateJwkFile: string;
  };
  /** Public client; the server requires PKCE for it. */
  none: TestClient;
}

const CONFIDENTIAL_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];
const PUBLIC_GRANT_TYPES = ['authorization_code', 'refresh_token'];

function createSecret(): string {
  return randomBytes(32).toString('base64url');
}

function describeClient(
  clientId: string,
  authMethod: ClientAuthMethod,
  certificateBoundAccessTokens = false,
): TestClient {
  return {
    clientId,
    authMethod,
    redirectUri: REDIRECT_URI,
    grantTypes: authMethod === 'none' ? PUBLIC_GRANT_TYPES : CONFIDENTIAL_GRANT_TYPES,
    certificateBoundAccessTokens,
  };
}

/** Converts a test client to the metadata that oidc-provider registers. */
function toMetadata(client: TestClient, extra: Partial<ClientMetadata> = {}): ClientMetadata {
  return {
    client_id: client.clientId,
    token_endpoint_auth_method: client.authMethod,
    application_type: 'native',
    redirect_uris: [client.redirectUri],
    grant_types: client.grantTypes,
    response_types: ['code'],
    tls_client_certificate_bound_access_tokens: client.certificateBoundAccessTokens,
    ...extra,
  };
}

/**
 * Creates one client per token endpoint authentication method, with fresh secrets and keys, and
 * writes the private_key_jwt client's private JWK into `directory`.
 */
export async function createTestClients(
  certificates: TestCertificates,
  directory: string,
): Promise<{ clients: TestClients; metadata: ClientMetadata[] }> {
  const tlsClientAuth = {
    ...describeClient('tls-client-auth', 'tls_client_auth', true),
    subjectDn: CLIENT_SUBJECT_DN,
  };
  const selfSignedTlsClientAuth = describeClient(
    'self-signed-tls-client-auth',
    'self_signed_tls_client_auth',
    true,
  );
  const clientSecretBasic = {
    ...describeClient('client-secret-basic', 'client_secret_basic'),
    clientSecret: createSecret(),
  };
  const clientSecretPost = {
    ...describeClient('client-secret-post', 'client_secret_post'),
    clientSecret: createSecret(),
  };

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk: JsonWebKey = {
    ...privateKey.export({ format: 'jwk' }),
    kid: 'private-key-jwt-1',
    alg: 'ES256',
    use: 'sig',
  };
  const publicJwk: JsonWebKey = {
    ...createPublicKey(privateKey).export({ format: 'jwk' }),
    kid: privateJwk.kid,
    alg: privateJwk.alg,
    use: 'sig',
  };
  const privateJwkFile = path.join(directory, 'private-key-jwt.private.jwk.json');
  await writeFile(privateJwkFile, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600 });
  // writeFile applies the mode only when it creates the file.
  await chmod(privateJwkFile, 0o600);
  const privateKeyJwt = {
    ...describeClient('private-key-jwt', 'private_key_jwt'),
    privateJwk,
    privateJwkFile,
  };

  const none = describeClient('public', 'none');

  // oidc-provider finds the self-signed certificate by the thumbprint of the first x5c entry.
  const selfSigned = new X509Certificate(await readFile(certificates.selfSignedClient.certificate));
  const selfSignedJwk: JsonWebKey = {
    ...selfSigned.publicKey.export({ format: 'jwk' }),
    kid: 'self-signed-client-1',
    x5c: [selfSigned.raw.toString('base64')],
  };

  const clients: TestClients = {
    tlsClientAuth,
    selfSignedTlsClientAuth,
    clientSecretBasic,
    clientSecretPost,
    privateKeyJwt,
    none,
  };
  const metadata: ClientMetadata[] = [
    toMetadata(tlsClientAuth, { tls_client_auth_subject_dn: tlsClientAuth.subjectDn }),
    toMetadata(selfSignedTlsClientAuth, { jwks: { keys: [selfSignedJwk] } }),
    toMetadata(clientSecretBasic, { client_secret: clientSecretBasic.clientSecret }),
    toMetadata(clientSecretPost, { client_secret: clientSecretPost.clientSecret }),
    toMetadata(privateKeyJwt, {
      jwks: { keys: [publicJwk] },
      token_endpoint_auth_signing_alg: 'ES256',
    }),
    toMetadata(none),
  ];
  return { clients, metadata };
}
