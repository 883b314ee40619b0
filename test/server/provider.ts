import type { EventEmitter } from 'node:events';
import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import {
  errors,
  Provider,
  type Configuration,
  type JWK,
  type KoaContextWithOIDC,
  type ResourceServer,
} from 'oidc-provider';

import { generateTestCertificates, type TestCertificates } from './certificates';
import { createTestClients, type TestClients } from './clients';
import { createMtlsCallbacks } from './mtls';

export {
  CLIENT_SUBJECT_DN,
  type CertificateFiles,
  type ClientCertificateFiles,
  type TestCertificates,
} from './certificates';
export { REDIRECT_URI, type ClientAuthMethod, type TestClient, type TestClients } from './clients';

/**
 * Resource indicator (RFC 8707) of the test API. Access tokens for it are JWTs. Requests without a
 * `resource` parameter get it too, unless their scope has `openid` and no API scope.
 */
const OUTSIDE_FONT_IMPORT = '@import url(https://fonts.googleapis.com/css?family=Roboto:400,100);';

export const API_RESOURCE = 'https://api.test.example';

/** Scopes of {@link API_RESOURCE}. */
export const API_SCOPES = ['api:read', 'api:write'] as const;

/**
 * Endpoint paths relative to the issuer. They are fixed here because the mTLS aliases in the
 * discovery document repeat them.
 */
const ROUTES = {
  authorization: '/auth',
  token: '/token',
  pushed_authorization_request: '/request',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
  userinfo: '/me',
  jwks: '/jwks',
} as const;

/** Endpoints that can have an mTLS alias, by their metadata name. */
export const MTLS_ALIAS_ENDPOINTS = {
  token_endpoint: ROUTES.token,
  pushed_authorization_request_endpoint: ROUTES.pushed_authorization_request,
  introspection_endpoint: ROUTES.introspection,
  revocation_endpoint: ROUTES.revocation,
  userinfo_endpoint: ROUTES.userinfo,
} as const;

export type MtlsAliasEndpoint = keyof typeof MTLS_ALIAS_ENDPOINTS;

/** oidc-provider events whose listeners receive `(ctx, error)`. */
const ERROR_EVENTS = [
  'authorization.error',
  'grant.error',
  'pushed_authorization_request.error',
  'introspection.error',
  'revocation.error',
  'userinfo.error',
  'discovery.error',
  'jwks.error',
  'end_session.error',
  'end_session_confirm.error',
  'end_session_success.error',
  'server_error',
] as const;

/** An error that oidc-provider reported through one of its error events. */
export interface TestServerEvent {
  /** oidc-provider event name, e.g. `grant.error`, or `error` for an error that Koa caught. */
  event: string;
  /** OAuth error code, e.g. `invalid_client`, or the error's name for a server error. */
  error: string;
  errorDescription?: string;
  /** The server-side reason, which oidc-provider does not send to the client. */
  errorDetail?: string;
  clientId?: string;
  method: string;
  /** Request path as received, including the issuer path. */
  path: string;
  /** Listener that received the request. */
  listener: 'issuer' | 'mtls';
  time: Date;
}

export interface TestServer {
  /** Issuer identifier, e.g. `https://127.0.0.1:PORT` or with the issuer path appended. */
  issuer: string;
  /** Origin of the listener that requests client certificates, e.g. `https://127.0.0.1:MTLSPORT`. */
  mtlsOrigin: string;
  certificates: TestCertificates;
  clients: TestClients;
  /** Every error event of oidc-provider so far, oldest first. */
  serverEvents: TestServerEvent[];
  /** Stops both listeners and removes the certificate folder if the server created it. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Folder for certificates and keys. Default: a fresh temporary folder, removed on close. */
  directory?: string;
  /** Port of the issuer's listener. Default: 0, which picks a free port. */
  port?: number;
  /** Port of the mTLS listener. Default: 0, which picks a free port. */
  mtlsPort?: number;
  /** Path of the issuer, e.g. `/tenant-a`. Default: '' (the issuer has no path). */
  issuerPath?: string;
  /**
   * Endpoints that get an entry in `mtls_endpoint_aliases`, by metadata name (see
   * {@link MTLS_ALIAS_ENDPOINTS}): 'all' (default), or 'none' to omit the member.
   */
  mtlsAliases?: 'all' | 'none' | string[];
  /** Receives one line per server error event, per rejected client certificate, and at start and stop. */
  log?: (line: string) => void;
}

function normalizeIssuerPath(issuerPath: string): string {
  const trimmed = issuerPath.replace(/\/+$/, '');
  if (trimmed === '') {
    return '';
  }
  if (!trimmed.startsWith('/') || /[?#\s]/.test(trimmed)) {
    throw new Error(
      `Invalid issuerPath "${issuerPath}": expected a path such as "/tenant-a", without query or fragment.`,
    );
  }
  return trimmed;
}

function selectAliasEndpoints(mtlsAliases: TestServerOptions['mtlsAliases']): MtlsAliasEndpoint[] {
  const all = Object.keys(MTLS_ALIAS_ENDPOINTS) as MtlsAliasEndpoint[];
  if (mtlsAliases === undefined || mtlsAliases === 'all') {
    return all;
  }
  if (mtlsAliases === 'none') {
    return [];
  }
  for (const name of mtlsAliases) {
    if (!all.includes(name as MtlsAliasEndpoint)) {
      throw new Error(`Invalid mtlsAliases entry "${name}": expected one of ${all.join(', ')}.`);
    }
  }
  return mtlsAliases as MtlsAliasEndpoint[];
}

/** Builds `mtls_endpoint_aliases` (RFC 8705 section 5), or returns undefined to omit it. */
function buildMtlsAliases(
  mtlsAliases: TestServerOptions['mtlsAliases'],
  mtlsOrigin: string,
  issuerPath: string,
): Record<string, string> | undefined {
  if (mtlsAliases === 'none') {
    return undefined;
  }
  const aliases: Record<string, string> = {};
  for (const endpoint of selectAliasEndpoints(mtlsAliases)) {
    aliases[endpoint] = `${mtlsOrigin}${issuerPath}${MTLS_ALIAS_ENDPOINTS[endpoint]}`;
  }
  return aliases;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Creates the server's signing keys: RSA (RS256 and PS256) and EC P-256 (ES256). */
async function createSigningKeys(): Promise<JWK[]> {
  const [rsa, ec] = await Promise.all([
    generateKeyPairAsync('rsa', { modulusLength: 2048 }),
    generateKeyPairAsync('ec', { namedCurve: 'P-256' }),
  ]);
  return [
    { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' },
    { ...ec.privateKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' },
  ] as JWK[];
}

function listen(server: https.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(
        new Error(`Failed to listen on 127.0.0.1:${port}: ${error.message}`, { cause: error }),
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

type MountableRequest = IncomingMessage & { originalUrl?: string };

/**
 * Serves oidc-provider under `issuerPath`, as connect's `app.use(path, handler)` would: the
 * provider receives the path without the prefix and reads the prefix back from `originalUrl` when it
 * builds URLs. Also answers RFC 8414's metadata location, where `/.well-known/...` goes before the
 * issuer path.
 */
function createRequestHandler(callback: RequestListener, issuerPath: string): RequestListener {
  if (issuerPath === '') {
    return callback;
  }
  const rfc8414Path = `/.well-known/oauth-authorization-server${issuerPath}`;

  return (request: MountableRequest, response: ServerResponse) => {
    const url = request.url ?? '/';
    const queryStart = url.search(/[?#]/);
    const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
    const query = queryStart === -1 ? '' : url.slice(queryStart);

    const fullUrl =
      pathname === rfc8414Path
        ? `${issuerPath}/.well-known/oauth-authorization-server${query}`
        : url;
    const fullPath =
      pathname === rfc8414Path ? `${issuerPath}/.well-known/oauth-authorization-server` : pathname;

    if (fullPath !== issuerPath && !fullPath.startsWith(`${issuerPath}/`)) {
      response.statusCode = 404;
      response.setHeader('content-type', 'text/plain; charset=utf-8');
      response.end(`Not found: the issuer is at ${issuerPath}.\n`);
      return;
    }
    request.originalUrl = fullUrl;
    request.url = fullUrl.slice(issuerPath.length) || '/';
    callback(request, response);
  };
}

/**
 * Picks the resource of a request that has no `resource` parameter. A request whose scope has
 * `openid` and no API scope gets none, so that its access token stays opaque and works at the
 * userinfo endpoint, which oidc-provider closes to tokens with an audience.
 */
function defaultResource(ctx: KoaContextWithOIDC): string | undefined {
  const scope = ctx.oidc.params?.scope;
  const scopes = typeof scope === 'string' ? scope.split(' ') : [];
  const wantsApi = scopes.some((value) => (API_SCOPES as readonly string[]).includes(value));
  if (scopes.includes('openid') && !wantsApi) {
    return undefined;
  }
  return API_RESOURCE;
}

function getResourceServerInfo(_ctx: KoaContextWithOIDC, indicator: string): ResourceServer {
  if (indicator !== API_RESOURCE) {
    throw new errors.InvalidTarget(
      `resource indicator not found, the only resource is ${API_RESOURCE}`,
    );
  }
  return {
    scope: API_SCOPES.join(' '),
    audience: API_RESOURCE,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'ES256' } },
  };
}

function toServerEvent(
  event: string,
  ctx: KoaContextWithOIDC | undefined,
  error: Error & Partial<errors.OIDCProviderError>,
  mtlsPort: number,
): TestServerEvent {
  return {
    event,
    error: error.error ?? error.name,
    errorDescription: error.error_description ?? (error.error ? undefined : error.message),
    errorDetail: error.error_detail,
    clientId: ctx?.oidc?.client?.clientId,
    method: ctx?.method ?? '',
    path: ((ctx?.req as MountableRequest | undefined)?.originalUrl ?? ctx?.originalUrl ?? '').split(
      '?',
    )[0],
    listener: ctx?.socket.localPort === mtlsPort ? 'mtls' : 'issuer',
    time: new Date(),
  };
}

function formatServerEvent(event: TestServerEvent): string {
  const parts = [`oidc-provider ${event.event}: ${event.error}`];
  if (event.errorDescription) {
    parts.push(`- ${event.errorDescription}`);
  }
  if (event.errorDetail) {
    parts.push(`(detail: ${event.errorDetail})`);
  }
  parts.push(
    `client_id=${event.clientId ?? '-'}`,
    `${event.method} ${event.path}`,
    `on ${event.listener}`,
  );
  return parts.join(' ');
}

/**
 * Starts oidc-provider over HTTPS on 127.0.0.1 with two listeners: the issuer's, which does not
 * request client certificates, and the mTLS listener, which requests them and which the
 * `mtls_endpoint_aliases` of the discovery document point at. Certificates, signing keys, cookie
 * keys and client secrets are made fresh on each start.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const log = options.log ?? (() => {});
  const issuerPath = normalizeIssuerPath(options.issuerPath ?? '');
  // Rejects an invalid alias list before any certificate is made.
  selectAliasEndpoints(options.mtlsAliases);

  const ownsDirectory = options.directory === undefined;
  const directory =
    options.directory !== undefined
      ? path.resolve(options.directory)
      : await mkdtemp(path.join(tmpdir(), 'oauth-explorer-test-server-'));

  const servers: https.Server[] = [];
  try {
    const [certificates, signingKeys] = await Promise.all([
      generateTestCertificates(directory),
      createSigningKeys(),
    ]);
    const { clients, metadata } = await createTestClients(certificates, directory);
    const [serverKey, serverCertificate, caCertificate] = await Promise.all([
      readFile(certificates.server.key),
      readFile(certificates.server.certificate),
      readFile(certificates.ca.certificate),
    ]);

    // The issuer URL contains the ports, so the listeners start before the provider exists and
    // respond with 503 until it does.
    let handler: RequestListener = (_request, response) => {
      response.statusCode = 503;
      response.end();
    };
    const dispatch: RequestListener = (request, response) => handler(request, response);

    const issuerServer = https.createServer({ key: serverKey, cert: serverCertificate }, dispatch);
    const mtlsServer = https.createServer(
      {
        key: serverKey,
        cert: serverCertificate,
        ca: caCertificate,
        requestCert: true,
        // Self-signed and unknown-CA certificates must reach oidc-provider, which decides.
        rejectUnauthorized: false,
      },
      dispatch,
    );
    servers.push(issuerServer, mtlsServer);
    const port = await listen(issuerServer, options.port ?? 0);
    const mtlsPort = await listen(mtlsServer, options.mtlsPort ?? 0);

    const issuer = `https://127.0.0.1:${port}${issuerPath}`;
    const mtlsOrigin = `https://127.0.0.1:${mtlsPort}`;
    const mtlsEndpointAliases = buildMtlsAliases(options.mtlsAliases, mtlsOrigin, issuerPath);

    const mtls = createMtlsCallbacks(new X509Certificate(caCertificate), log);
    const configuration: Configuration = {
      clients: metadata,
      jwks: { keys: signingKeys },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      routes: ROUTES,
      // The mTLS methods are off by default even when features.mTLS enables them.
      clientAuthMethods: [
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'tls_client_auth',
        'self_signed_tls_client_auth',
        'none',
      ],
      discovery:
        mtlsEndpointAliases === undefined ? {} : { mtls_endpoint_aliases: mtlsEndpointAliases },
      claims: { openid: ['sub'], profile: ['name'] },
      // Explicit lifetimes (seconds), because oidc-provider logs a notice for each default it uses.
      ttl: {
        AccessToken: 3600,
        AuthorizationCode: 60,
        ClientCredentials: 3600,
        Grant: 14 * 24 * 3600,
        IdToken: 3600,
        Interaction: 3600,
        RefreshToken: 14 * 24 * 3600,
        Session: 14 * 24 * 3600,
      },
      // Any origin may call the endpoints from a browser, so that a webview can reach the server.
      clientBasedCORS: () => true,
      findAccount: (_ctx, accountId) => ({
        accountId,
        claims: () => ({ sub: accountId, name: accountId }),
      }),
      // Every code flow of a client allowed the refresh_token grant gets a refresh token, without
      // the offline_access scope and its consent prompt.
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      features: {
        devInteractions: { enabled: true },
        clientCredentials: { enabled: true },
        introspection: {
          enabled: true,
          allowedPolicy: (_ctx, client, token) =>
            client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
        },
        revocation: {
          enabled: true,
          allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
        },
        userinfo: { enabled: true },
        pushedAuthorizationRequests: { enabled: true },
        jwtResponseModes: { enabled: true },
        dPoP: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: (ctx, _client, oneOf) => oneOf ?? defaultResource(ctx),
          useGrantedResource: () => true,
          getResourceServerInfo,
        },
        mTLS: {
          enabled: true,
          certificateBoundAccessTokens: true,
          tlsClientAuth: true,
          selfSignedTlsClientAuth: true,
          ...mtls,
        },
      },
    };

    const provider = new Provider(issuer, configuration);
    // oidc-provider's built-in login, consent and logout pages import a web font from
    // fonts.googleapis.com. Dropping that import keeps a browser on these pages on 127.0.0.1.
    provider.use(async (ctx, next) => {
      await next();
      if (typeof ctx.body === 'string' && ctx.body.includes(OUTSIDE_FONT_IMPORT)) {
        ctx.body = ctx.body.replaceAll(OUTSIDE_FONT_IMPORT, '');
      }
    });
    const serverEvents: TestServerEvent[] = [];
    const record = (event: TestServerEvent): void => {
      serverEvents.push(event);
      log(formatServerEvent(event));
    };
    // Provider's typings list one overload per event name, so a loop over names needs the plain
    // EventEmitter signature.
    const emitter: EventEmitter = provider;
    for (const event of ERROR_EVENTS) {
      emitter.on(event, (ctx: KoaContextWithOIDC, error: Error) => {
        record(toServerEvent(event, ctx, error, mtlsPort));
      });
    }
    // Koa emits `error` with the arguments the other way round, for errors no handler caught.
    emitter.on('error', (error: Error, ctx?: KoaContextWithOIDC) => {
      record(toServerEvent('error', ctx, error, mtlsPort));
    });

    handler = createRequestHandler(provider.callback(), issuerPath);
    log(`test server started: issuer ${issuer}, mTLS ${mtlsOrigin}, files in ${directory}`);

    let closed = false;
    return {
      issuer,
      mtlsOrigin,
      certificates,
      clients,
      serverEvents,
      async close() {
        if (closed) {
          return;
        }
        closed = true;
        await Promise.all(servers.map(closeServer));
        if (ownsDirectory) {
          await rm(directory, { recursive: true, force: true });
        }
        log(`test server stopped: issuer ${issuer}`);
      },
    };
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    if (ownsDirectory) {
      await rm(directory, { recursive: true, force: true });
    }
    throw error;
  }
}
