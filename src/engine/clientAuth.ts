import { createPrivateKey, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import type { LoadedClientCertificate } from './credentials';
import type { ClientAuthMethod } from './clientAuthMethods';
import { ExplorerError } from './errors';

export { CLIENT_AUTH_METHODS, isMutualTlsMethod, type ClientAuthMethod } from './clientAuthMethods';

/** Everything the engine needs to act as one client of one server. */
export interface ClientProfile {
  client_id: string;
  token_endpoint_auth_method: ClientAuthMethod;
  use_mtls_endpoint_aliases: boolean;
  /** For client_secret_basic and client_secret_post. */
  clientSecret?: string;
  /** For private_key_jwt: a PEM private key (PKCS#8, PKCS#1 or SEC1) or a private JWK as JSON. */
  signingKey?: string;
  signingKeyPassphrase?: string;
  /** `kid` put in the assertion header; defaults to the JWK's own `kid`. */
  signingKeyId?: string;
  /** JWS algorithm for the assertion; derived from the key type when absent. */
  signingAlgorithm?: string;
  clientCertificate?: LoadedClientCertificate;
  /** Expected `alg` of ID tokens and JARM responses; the server's advertised values otherwise. */
  id_token_signed_response_alg?: string;
  authorization_signed_response_alg?: string;
}

/** Picks the JWS algorithm that fits a private key when the user did not choose one. */
export function defaultSigningAlgorithm(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return 'ES384';
      if (curve === 'secp521r1') return 'ES512';
      return 'ES256';
    }
    default:
      throw new ExplorerError(
        'KEY_INVALID',
        `The signing key type ${key.asymmetricKeyType ?? 'unknown'} cannot sign client assertions.`,
        { hint: 'Use an RSA, EC (P-256, P-384, P-521) or Ed25519 private key.' },
      );
  }
}

async function importSigningKey(pkcs8: string, alg: string, clientId: string): Promise<CryptoKey> {
  try {
    return (await jose.importPKCS8(pkcs8, alg)) as CryptoKey;
  } catch (cause) {
    throw new ExplorerError(
      'KEY_INVALID',
      `The private_key_jwt signing key of client ${clientId} cannot sign with ${alg}: ${(cause as Error).message}.`,
      {
        hint: 'Choose an algorithm that fits the key type, for example RS256 for RSA or ES256 for P-256.',
        cause,
      },
    );
  }
}

function parseSigningKey(profile: ClientProfile): { key: KeyObject; kid?: string; alg?: string } {
  const text = profile.signingKey?.trim() ?? '';
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as { kid?: string; alg?: string; d?: string };
      if (!jwk.d) throw new Error('the JWK has no private part ("d")');
      return {
        key: createPrivateKey({ key: jwk as never, format: 'jwk' }),
        kid: jwk.kid,
        alg: jwk.alg,
      };
    }
    return {
      key: createPrivateKey({ key: text, format: 'pem', passphrase: profile.signingKeyPassphrase }),
    };
  } catch (cause) {
    throw new ExplorerError(
      'KEY_INVALID',
      `The private_key_jwt signing key of client ${profile.client_id} could not be read: ${(cause as Error).message}.`,
      { hint: 'Provide a PEM private key or a private JWK.', cause },
    );
  }
}

/**
 * Builds oauth4webapi's client authentication for a profile.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2 (tls_client_auth, self_signed_tls_client_auth)
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export async function createClientAuth(profile: ClientProfile): Promise<oauth.ClientAuth> {
  switch (profile.token_endpoint_auth_method) {
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return oauth.TlsClientAuth();
    case 'client_secret_basic':
    case 'client_secret_post': {
      if (!profile.clientSecret) {
        throw new ExplorerError(
          'INVALID_INPUT',
          `Client ${profile.client_id} uses ${profile.token_endpoint_auth_method} but has no client secret.`,
          { hint: 'Enter the client secret.' },
        );
      }
      return profile.token_endpoint_auth_method === 'client_secret_basic'
        ? oauth.ClientSecretBasic(profile.clientSecret)
        : oauth.ClientSecretPost(profile.clientSecret);
    }
    case 'private_key_jwt': {
      if (!profile.signingKey) {
        throw new ExplorerError(
          'INVALID_INPUT',
          `Client ${profile.client_id} uses private_key_jwt but has no signing key.`,
          { hint: 'Choose the private key whose public key is registered for this client.' },
        );
      }
      const parsed = parseSigningKey(profile);
      const alg = profile.signingAlgorithm ?? parsed.alg ?? defaultSigningAlgorithm(parsed.key);
      // jose imports only unencrypted PKCS#8, so the key Node already decrypted is re-exported.
      const pkcs8 = parsed.key.export({ type: 'pkcs8', format: 'pem' }).toString();
      const cryptoKey = await importSigningKey(pkcs8, alg, profile.client_id);
      return oauth.PrivateKeyJwt({ key: cryptoKey, kid: profile.signingKeyId ?? parsed.kid });
    }
    case 'none':
      return oauth.None();
  }
}

/** The client metadata oauth4webapi reads, including the switch that routes to mTLS aliases. */
export function oauthClient(profile: ClientProfile): oauth.Client {
  const client: oauth.Client = {
    client_id: profile.client_id,
    token_endpoint_auth_method: profile.token_endpoint_auth_method,
    use_mtls_endpoint_aliases: profile.use_mtls_endpoint_aliases,
  };
  if (profile.id_token_signed_response_alg) {
    client.id_token_signed_response_alg = profile.id_token_signed_response_alg;
  }
  if (profile.authorization_signed_response_alg) {
    client.authorization_signed_response_alg = profile.authorization_signed_response_alg;
  }
  return client;
}
