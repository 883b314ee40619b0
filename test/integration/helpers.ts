import { readFile } from 'node:fs/promises';
import { fetch } from 'undici';
import type { ClientProfile } from '../../src/engine/clientAuth';
import { loadClientCertificate, type LoadedClientCertificate } from '../../src/engine/credentials';
import { discover } from '../../src/engine/discovery';
import { FlowRun } from '../../src/engine/flowRun';
import { HttpClient } from '../../src/engine/httpClient';
import type { ServerMetadata } from '../../src/engine/metadata';
import { completeAuthorization } from '../server/interaction';
import type { ClientCertificateFiles, TestServer } from '../server/provider';

/** An HTTP client that trusts the test CA, with short timeouts so failures show quickly. */
export async function testHttpClient(
  server: TestServer,
  settings: Partial<ConstructorParameters<typeof HttpClient>[0]> = {},
) {
  const ca = await readFile(server.certificates.ca.certificate, 'utf8');
  return new HttpClient({
    extraCaPem: [ca],
    connectTimeoutMs: 3000,
    responseTimeoutMs: 3000,
    ...settings,
  });
}

export async function loadCertificate(files: {
  certificate: string;
  key: string;
}): Promise<LoadedClientCertificate> {
  return loadClientCertificate({
    certificatePem: await readFile(files.certificate, 'utf8'),
    keyPem: await readFile(files.key, 'utf8'),
    certificateSource: files.certificate,
    keySource: files.key,
  });
}

export async function discoverMetadata(
  http: HttpClient,
  server: TestServer,
): Promise<ServerMetadata> {
  return (await discover(http, server.issuer, 'oidc')).metadata;
}

/** A client profile for one of the test server's clients, with what its method needs. */
export async function profileFor(
  server: TestServer,
  method: ClientProfile['token_endpoint_auth_method'],
  certificate?: ClientCertificateFiles,
): Promise<ClientProfile> {
  const { clients, certificates } = server;
  switch (method) {
    case 'tls_client_auth':
      return {
        client_id: clients.tlsClientAuth.clientId,
        token_endpoint_auth_method: method,
        use_mtls_endpoint_aliases: true,
        clientCertificate: await loadCertificate(certificate ?? certificates.client),
      };
    case 'self_signed_tls_client_auth':
      return {
        client_id: clients.selfSignedTlsClientAuth.clientId,
        token_endpoint_auth_method: method,
        use_mtls_endpoint_aliases: true,
        clientCertificate: await loadCertificate(certificate ?? certificates.selfSignedClient),
      };
    case 'client_secret_basic':
      return {
        client_id: clients.clientSecretBasic.clientId,
        token_endpoint_auth_method: method,
        use_mtls_endpoint_aliases: false,
        clientSecret: clients.clientSecretBasic.clientSecret,
      };
    case 'client_secret_post':
      return {
        client_id: clients.clientSecretPost.clientId,
        token_endpoint_auth_method: method,
        use_mtls_endpoint_aliases: false,
        clientSecret: clients.clientSecretPost.clientSecret,
      };
    case 'private_key_jwt':
      return {
        client_id: clients.privateKeyJwt.clientId,
        token_endpoint_auth_method: method,
        use_mtls_endpoint_aliases: false,
        signingKey: await readFile(clients.privateKeyJwt.privateJwkFile, 'utf8'),
      };
    case 'none':
      return {
        client_id: clients.none.clientId,
        token_endpoint_auth_method: method,
        use_mtls_endpoint_aliases: false,
      };
  }
}

export function newRun(
  http: HttpClient,
  metadata: ServerMetadata,
  client: ClientProfile,
  title = 'test',
) {
  return new FlowRun({ http, metadata, client, title });
}

/**
 * Plays the browser: logs in and consents through the test server's devInteractions, then
 * delivers the authorization response to the loopback redirect URI as a browser would (a GET for
 * query modes, a form POST for form_post).
 */
export function headlessBrowser(server: TestServer) {
  return async (authorizationUrl: string): Promise<void> => {
    const ca = await readFile(server.certificates.ca.certificate);
    const response = await completeAuthorization(authorizationUrl, { ca });
    if (response.delivery === 'form_post') {
      await fetch(response.url, { method: 'POST', body: new URLSearchParams(response.parameters) });
    } else {
      await fetch(response.url);
    }
  };
}
