import { createHash, randomBytes } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { ExplorerError } from './errors';
import type { FlowRun } from './flowRun';
import { redactValue } from './redaction';
import {
  inspectToken,
  checkCertificateBinding,
  type BindingResult,
  type InspectedToken,
} from './tokens';

/** Extra request parameters as ordered name/value rows; a name may repeat. */
export type ParameterRows = [name: string, value: string][];

export interface TokenRequestParameters {
  scope?: string;
  /** RFC 8707 resource indicators. */
  resource?: string[];
  extra?: ParameterRows;
}

/**
 * Parameters of an authorization request. `response_mode` `jwt`, `query.jwt` and `form_post.jwt`
 * ask for JARM; fragment modes cannot reach a loopback redirect URI and are rejected.
 */
export interface AuthorizationParameters extends TokenRequestParameters {
  redirect_uri: string;
  response_mode?: string;
  prompt?: string;
  acr_values?: string;
  claims?: string;
  authorization_details?: string;
  /** PKCE with S256; on unless set to false. */
  pkce?: boolean;
  /** Push the request to the PAR endpoint; on unless set to false. */
  usePar?: boolean;
}

/** What must be kept between sending the user to the authorization endpoint and the callback. */
export interface PendingAuthorization {
  authorizationUrl: string;
  redirect_uri: string;
  state: string;
  nonce?: string;
  codeVerifier?: string;
  response_mode?: string;
  request_uri?: string;
  expires_in?: number;
  requestsIdToken: boolean;
}

/** A token response as shown to the user, with the refresh token kept apart. */
export interface TokenResult {
  /** The response members, with `refresh_token` replaced by a redaction marker. */
  response: Record<string, unknown>;
  /** The refresh token itself, for the caller to keep in secret storage only. */
  refreshToken?: string;
  tokens: InspectedToken[];
}

const FRAGMENT_MODES = new Set(['fragment', 'fragment.jwt']);

export function isJarmResponseMode(responseMode: string | undefined): boolean {
  return responseMode === 'jwt' || (responseMode?.endsWith('.jwt') ?? false);
}

function appendParameters(target: URLSearchParams, parameters: TokenRequestParameters): void {
  if (parameters.scope) target.set('scope', parameters.scope);
  for (const resource of parameters.resource ?? []) target.append('resource', resource);
  for (const [name, value] of parameters.extra ?? []) {
    if (name.length > 0) target.append(name, value);
  }
}

/**
 * Returns 32 random bytes as base64url, the same value oauth4webapi's generateRandomState, Nonce
 * and CodeVerifier make (43 characters, 256 bits), drawn from Node's CSPRNG.
 */
function randomValue(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Computes the S256 code challenge, BASE64URL(SHA256(verifier)), as oauth4webapi's
 * calculatePKCECodeChallenge does. Node's synchronous hash took about 2 µs where WebCrypto's
 * digest took about 30 µs and extra event loop turns (Node 20, 2-core Xeon, a loop of 20000).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
function s256CodeChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

/** The thumbprint of the certificate configured for the token endpoint, if one is. */
function tokenCertificateThumbprint(run: FlowRun): string | undefined {
  const route = run.route('token_endpoint');
  return route.presentsCertificate ? run.client.clientCertificate?.summary.x5tS256 : undefined;
}

async function inspectTokenResponse(
  run: FlowRun,
  response: oauth.TokenEndpointResponse,
  idTokenValidated: boolean,
): Promise<TokenResult> {
  const keys = run.keys();
  const tokens: InspectedToken[] = [];
  if (typeof response.access_token === 'string') {
    tokens.push(
      await inspectToken(
        'access_token',
        response.access_token,
        keys,
        tokenCertificateThumbprint(run),
      ),
    );
  }
  if (typeof response.id_token === 'string') {
    const idToken = await inspectToken('id_token', response.id_token, keys);
    idToken.claimsValidation = idTokenValidated
      ? 'iss, aud, azp, exp, iat, nonce and auth_time were checked by oauth4webapi.'
      : 'Claims were not checked.';
    tokens.push(idToken);
  }

  const shown: Record<string, unknown> = { ...response };
  const refreshToken =
    typeof response.refresh_token === 'string' ? response.refresh_token : undefined;
  if (refreshToken) shown.refresh_token = redactValue(refreshToken);
  return { response: shown, refreshToken, tokens };
}

/**
 * Runs the client credentials grant (RFC 6749 section 4.4).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export async function runClientCredentials(
  run: FlowRun,
  parameters: TokenRequestParameters = {},
): Promise<TokenResult> {
  const body = new URLSearchParams();
  appendParameters(body, parameters);
  const clientAuth = await run.clientAuthentication();

  const response = await run.step(
    'Token request (client_credentials)',
    'token_endpoint',
    async () => {
      const raw = await oauth.clientCredentialsGrantRequest(
        run.metadata,
        run.oauthClient,
        clientAuth,
        body,
        run.requestOptions('token_endpoint'),
      );
      return oauth.processClientCredentialsResponse(run.metadata, run.oauthClient, raw);
    },
  );
  return run.step('Inspect tokens', 'jwks_uri', () => inspectTokenResponse(run, response, false));
}

function authorizationRequestParameters(
  parameters: AuthorizationParameters,
  pending: PendingAuthorization,
  codeChallenge: string | undefined,
  clientId: string,
): URLSearchParams {
  const body = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: parameters.redirect_uri,
    state: pending.state,
  });
  if (codeChallenge) {
    body.set('code_challenge', codeChallenge);
    body.set('code_challenge_method', 'S256');
  }
  if (pending.nonce) body.set('nonce', pending.nonce);
  if (parameters.response_mode) body.set('response_mode', parameters.response_mode);
  for (const name of ['prompt', 'acr_values', 'claims', 'authorization_details'] as const) {
    const value = parameters[name];
    if (value) body.set(name, value);
  }
  appendParameters(body, parameters);
  return body;
}

function checkResponseMode(responseMode: string | undefined): void {
  if (responseMode && FRAGMENT_MODES.has(responseMode)) {
    throw new ExplorerError(
      'INVALID_INPUT',
      `response_mode "${responseMode}" returns the result in the URL fragment, which never reaches the loopback redirect listener.`,
      {
        hint: 'Use query, form_post or jwt (JARM) instead.',
        detail: { response_mode: responseMode },
      },
    );
  }
}

/**
 * Starts an authorization code flow: makes state, nonce and a PKCE verifier, pushes the request
 * to the PAR endpoint (RFC 9126) unless `usePar` is false, and returns the URL to open in a browser.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export async function startAuthorization(
  run: FlowRun,
  parameters: AuthorizationParameters,
): Promise<PendingAuthorization> {
  checkResponseMode(parameters.response_mode);
  const requestsIdToken = (parameters.scope ?? '').split(' ').includes('openid');
  const pending: PendingAuthorization = {
    authorizationUrl: '',
    redirect_uri: parameters.redirect_uri,
    state: randomValue(),
    nonce: requestsIdToken ? randomValue() : undefined,
    codeVerifier: parameters.pkce === false ? undefined : randomValue(),
    response_mode: parameters.response_mode,
    requestsIdToken,
  };
  const codeChallenge = pending.codeVerifier ? s256CodeChallenge(pending.codeVerifier) : undefined;
  const body = authorizationRequestParameters(
    parameters,
    pending,
    codeChallenge,
    run.client.client_id,
  );
  const authorizationEndpoint = new URL(run.route('authorization_endpoint').url!);

  if (parameters.usePar === false) {
    for (const [name, value] of body) authorizationEndpoint.searchParams.append(name, value);
    pending.authorizationUrl = authorizationEndpoint.href;
    return pending;
  }

  const clientAuth = await run.clientAuthentication();
  const pushed = await run.step(
    'Pushed authorization request',
    'pushed_authorization_request_endpoint',
    async () => {
      const raw = await oauth.pushedAuthorizationRequest(
        run.metadata,
        run.oauthClient,
        clientAuth,
        body,
        run.requestOptions('pushed_authorization_request_endpoint'),
      );
      return oauth.processPushedAuthorizationResponse(run.metadata, run.oauthClient, raw);
    },
  );
  pending.request_uri = pushed.request_uri;
  pending.expires_in = pushed.expires_in;
  authorizationEndpoint.searchParams.set('client_id', run.client.client_id);
  authorizationEndpoint.searchParams.set('request_uri', pushed.request_uri);
  pending.authorizationUrl = authorizationEndpoint.href;
  return pending;
}

async function validateCallback(
  run: FlowRun,
  pending: PendingAuthorization,
  callback: URLSearchParams,
): Promise<{ parameters: URLSearchParams; jarm?: InspectedToken }> {
  if (!isJarmResponseMode(pending.response_mode)) {
    const parameters = await run.step('Validate authorization response', undefined, async () =>
      oauth.validateAuthResponse(run.metadata, run.oauthClient, callback, pending.state),
    );
    return { parameters };
  }

  const jarmToken = callback.get('response') ?? '';
  const jarm = await inspectToken('authorization_response', jarmToken, run.keys());
  const parameters = await run.step('Validate JARM response', 'jwks_uri', async () =>
    oauth.validateJwtAuthResponse(
      run.metadata,
      run.oauthClient,
      callback,
      pending.state,
      run.requestOptions('jwks_uri'),
    ),
  );
  return { parameters, jarm };
}

/**
 * Validates the authorization response (plain or JARM), exchanges the code at the token endpoint
 * and validates the ID token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://openid.net/specs/oauth-v2-jarm.html
 */
export async function completeAuthorization(
  run: FlowRun,
  pending: PendingAuthorization,
  callback: URLSearchParams,
): Promise<TokenResult> {
  const { parameters, jarm } = await validateCallback(run, pending, callback);
  const clientAuth = await run.clientAuthentication();
  run.addSecret(pending.codeVerifier);

  const response = await run.step(
    'Token request (authorization_code)',
    'token_endpoint',
    async () => {
      const raw = await oauth.authorizationCodeGrantRequest(
        run.metadata,
        run.oauthClient,
        clientAuth,
        parameters,
        pending.redirect_uri,
        pending.codeVerifier ?? oauth.nopkce,
        run.requestOptions('token_endpoint'),
      );
      return oauth.processAuthorizationCodeResponse(run.metadata, run.oauthClient, raw, {
        expectedNonce: pending.nonce ?? oauth.expectNoNonce,
        requireIdToken: pending.requestsIdToken,
      });
    },
  );
  const result = await run.step('Inspect tokens', 'jwks_uri', () =>
    inspectTokenResponse(run, response, response.id_token !== undefined),
  );
  if (jarm) result.tokens.unshift(jarm);
  return result;
}

/**
 * Exchanges a refresh token (RFC 6749 section 6).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export async function runRefresh(
  run: FlowRun,
  refreshToken: string,
  parameters: TokenRequestParameters = {},
): Promise<TokenResult> {
  const additionalParameters = new URLSearchParams();
  appendParameters(additionalParameters, parameters);
  const clientAuth = await run.clientAuthentication();
  run.addSecret(refreshToken);

  const response = await run.step('Token request (refresh_token)', 'token_endpoint', async () => {
    const raw = await oauth.refreshTokenGrantRequest(
      run.metadata,
      run.oauthClient,
      clientAuth,
      refreshToken,
      { ...run.requestOptions('token_endpoint'), additionalParameters },
    );
    return oauth.processRefreshTokenResponse(run.metadata, run.oauthClient, raw);
  });
  return run.step('Inspect tokens', 'jwks_uri', () =>
    inspectTokenResponse(run, response, response.id_token !== undefined),
  );
}

export interface IntrospectionResult {
  response: Record<string, unknown>;
  /** The certificate binding as the server reports it in `cnf`. */
  binding: BindingResult;
}

/**
 * Asks the server about a token (RFC 7662).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export async function runIntrospection(
  run: FlowRun,
  token: string,
  token_type_hint?: string,
  extra: ParameterRows = [],
): Promise<IntrospectionResult> {
  const clientAuth = await run.clientAuthentication();
  const additionalParameters = tokenParameters(token_type_hint, extra);
  run.addSecret(token);
  const response = await run.step('Introspection request', 'introspection_endpoint', async () => {
    const raw = await oauth.introspectionRequest(run.metadata, run.oauthClient, clientAuth, token, {
      ...run.requestOptions('introspection_endpoint'),
      additionalParameters,
    });
    return oauth.processIntrospectionResponse(run.metadata, run.oauthClient, raw);
  });
  const route = run.route('introspection_endpoint');
  const thumbprint = route.presentsCertificate
    ? run.client.clientCertificate?.summary.x5tS256
    : undefined;
  return {
    response: { ...response },
    binding: checkCertificateBinding(response as Record<string, unknown>, thumbprint),
  };
}

/** Builds the token_type_hint and extra rows of an introspection or revocation request. */
function tokenParameters(
  token_type_hint: string | undefined,
  extra: ParameterRows,
): URLSearchParams | undefined {
  const parameters = new URLSearchParams();
  if (token_type_hint) parameters.set('token_type_hint', token_type_hint);
  appendParameters(parameters, { extra });
  return parameters.size > 0 ? parameters : undefined;
}

/**
 * Revokes a token (RFC 7009).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function runRevocation(
  run: FlowRun,
  token: string,
  token_type_hint?: string,
  extra: ParameterRows = [],
): Promise<void> {
  const clientAuth = await run.clientAuthentication();
  const additionalParameters = tokenParameters(token_type_hint, extra);
  run.addSecret(token);
  await run.step('Revocation request', 'revocation_endpoint', async () => {
    const raw = await oauth.revocationRequest(run.metadata, run.oauthClient, clientAuth, token, {
      ...run.requestOptions('revocation_endpoint'),
      additionalParameters,
    });
    return oauth.processRevocationResponse(raw);
  });
}

/**
 * Calls the UserInfo endpoint with an access token (OpenID Connect Core section 5.3).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
export async function runUserInfo(
  run: FlowRun,
  accessToken: string,
  expectedSubject?: string,
): Promise<Record<string, unknown>> {
  const response = await run.step('UserInfo request', 'userinfo_endpoint', async () => {
    const raw = await oauth.userInfoRequest(
      run.metadata,
      run.oauthClient,
      accessToken,
      run.requestOptions('userinfo_endpoint'),
    );
    return oauth.processUserInfoResponse(
      run.metadata,
      run.oauthClient,
      expectedSubject ?? oauth.skipSubjectCheck,
      raw,
    );
  });
  return { ...response };
}
