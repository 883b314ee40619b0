import * as oauth from 'oauth4webapi';
import type { ClientProfile } from './clientAuth';
import { isMutualTlsMethod } from './clientAuthMethods';
import { ExplorerError, sanitizeCause } from './errors';
import type { RecordedExchange } from './exchange';
import { httpsRequiredError } from './networkErrors';
import type { RouteEntry } from './routing';

/** What was being done when oauth4webapi rejected something, so the message can name it. */
export interface ProtocolErrorContext {
  endpoint: string;
  route?: RouteEntry;
  client: ClientProfile;
  /** The exchange whose response was rejected; its id links the error to the raw response. */
  exchange?: RecordedExchange;
  /**
   * Replaces the secrets the request sent wherever the server echoed them. It is applied to every
   * text taken from the response before it goes into a message, hint, detail or cause.
   */
  redact?: (text: string) => string;
}

function redactor(context: ProtocolErrorContext): (text: string) => string {
  return context.redact ?? ((text) => text);
}

/**
 * Explains an `invalid_client` error response. Servers say only "client authentication failed" (as
 * oidc-provider does), so the explanation comes from what the client sent and where.
 */
export function diagnoseClientAuthentication(context: ProtocolErrorContext): string {
  const { client, route } = context;
  const certificate = client.clientCertificate;
  const method = client.token_endpoint_auth_method;

  if (isMutualTlsMethod(method)) {
    if (!certificate) {
      return `Client ${client.client_id} uses ${method}, but no client certificate is configured: select a certificate and key.`;
    }
    if (route && !route.viaAlias && route.aliasUrl) {
      return `The request went to the plain URL ${route.url}, where the server may not ask for a client certificate; turn on mTLS endpoint aliases to use ${route.aliasUrl}.`;
    }
    if (certificate.validityProblem) {
      return `The client certificate ${certificate.summary.subject} ${certificate.validityProblem}.`;
    }
    if (method === 'self_signed_tls_client_auth') {
      return `The server did not accept the self-signed certificate ${certificate.summary.subject} (x5t#S256 ${certificate.summary.x5tS256}): check that the client's registered jwks or jwks_uri holds it.`;
    }
    return `The server did not accept the certificate ${certificate.summary.subject} issued by ${certificate.summary.issuer}: check that the server trusts that issuer and that the client's registered tls_client_auth_subject_dn (or SAN) matches the subject.`;
  }
  if (method === 'private_key_jwt') {
    return `Check that the public key of the signing key is registered for client ${client.client_id} and that the kid and alg match it.`;
  }
  if (method === 'none') {
    return `Client ${client.client_id} sent no credentials (method none); the server may require client authentication for it.`;
  }
  return `Check the client secret of ${client.client_id} and that the server expects ${method}.`;
}

function describeStatus(context: ProtocolErrorContext): string {
  const status = context.exchange?.response?.status;
  return status === undefined ? '' : ` HTTP ${status}`;
}

function fromResponseBodyError(
  error: oauth.ResponseBodyError,
  context: ProtocolErrorContext,
): ExplorerError {
  const redact = redactor(context);
  const errorCode = redact(error.error);
  const errorDescription =
    error.error_description === undefined ? undefined : redact(error.error_description);
  const description = errorDescription ? `: ${errorDescription}` : '';
  const where = `${context.endpoint} at ${context.route?.url ?? context.exchange?.url ?? 'the server'}`;
  const cause = sanitizeCause(error, redact);
  const detail = {
    endpoint: context.endpoint,
    error: errorCode,
    error_description: errorDescription,
    status: error.status,
    exchangeId: context.exchange?.id,
  };
  if (error.error === 'invalid_client') {
    return new ExplorerError(
      'CLIENT_AUTHENTICATION_FAILED',
      `${where} rejected the client authentication (HTTP ${error.status} invalid_client${description}).`,
      { hint: diagnoseClientAuthentication(context), cause, detail },
    );
  }
  return new ExplorerError(
    'OAUTH_ERROR_RESPONSE',
    `${where} answered HTTP ${error.status} ${errorCode}${description}.`,
    { hint: 'The request and the full response are in the inspector.', cause, detail },
  );
}

function fromOperationError(
  error: oauth.OperationProcessingError,
  context: ProtocolErrorContext,
): ExplorerError {
  const redact = redactor(context);
  const message = redact(error.message);
  const cause = sanitizeCause(error, redact);
  const detail = {
    endpoint: context.endpoint,
    oauthCode: error.code,
    exchangeId: context.exchange?.id,
  };
  if (error.code === oauth.RESPONSE_IS_NOT_JSON || error.code === oauth.PARSE_ERROR) {
    // The recorded body has its secrets redacted, by name or by pattern when it is not JSON.
    const body = redact(context.exchange?.response?.body?.text ?? '');
    return new ExplorerError(
      'RESPONSE_NOT_JSON',
      `The${describeStatus(context)} response of ${context.endpoint} is not valid JSON: ${message}.`,
      {
        hint: body
          ? `It starts with ${JSON.stringify(body.slice(0, 80))}; the full body is in the inspector.`
          : 'The response body was empty.',
        cause,
        detail,
      },
    );
  }
  return new ExplorerError(
    'PROTOCOL_VIOLATION',
    `The${describeStatus(context)} response of ${context.endpoint} was rejected: ${message}.`,
    { hint: 'The raw response is in the inspector next to this error.', cause, detail },
  );
}

function fromChallengeError(
  error: oauth.WWWAuthenticateChallengeError,
  context: ProtocolErrorContext,
): ExplorerError {
  const redact = redactor(context);
  const challenges = error.cause
    .map((challenge) => redact(`${challenge.scheme} ${JSON.stringify(challenge.parameters)}`))
    .join(', ');
  const cause = sanitizeCause(error, redact);
  const where = `${context.endpoint} at ${context.route?.url ?? context.exchange?.url ?? 'the server'}`;
  const challengeError = error.cause.find((challenge) => challenge.parameters.error)?.parameters
    .error;
  const errorCode = challengeError === undefined ? undefined : redact(challengeError);
  const detail = {
    endpoint: context.endpoint,
    error: errorCode,
    status: error.status,
    exchangeId: context.exchange?.id,
  };
  if (errorCode === 'invalid_client') {
    return new ExplorerError(
      'CLIENT_AUTHENTICATION_FAILED',
      `${where} rejected the client authentication (HTTP ${error.status} with the challenge ${challenges}).`,
      { hint: diagnoseClientAuthentication(context), cause, detail },
    );
  }
  return new ExplorerError(
    'OAUTH_ERROR_RESPONSE',
    `${where} answered HTTP ${error.status} with the challenge ${challenges}.`,
    {
      hint:
        context.endpoint === 'userinfo_endpoint'
          ? 'Check that the access token is valid and, if it is certificate-bound, that the same certificate is used.'
          : 'The request and the full response are in the inspector.',
      cause,
      detail,
    },
  );
}

/**
 * Converts anything oauth4webapi throws into an ExplorerError that names the endpoint. The
 * original error is kept as a sanitized cause (name, message, code, status), because
 * oauth4webapi's errors carry the response body.
 */
export function toExplorerError(error: unknown, context: ProtocolErrorContext): ExplorerError {
  if (error instanceof ExplorerError) return error;
  if (error instanceof oauth.ResponseBodyError) return fromResponseBodyError(error, context);
  const redact = redactor(context);
  const cause = sanitizeCause(error, redact);
  if (error instanceof oauth.AuthorizationResponseError) {
    const errorDescription =
      error.error_description === undefined ? undefined : redact(error.error_description);
    const description = errorDescription ? `: ${errorDescription}` : '';
    return new ExplorerError(
      'AUTHORIZATION_ERROR',
      `The authorization response carries the error ${redact(error.error)}${description}.`,
      {
        hint: 'The authorization server refused the request; the parameters sent are in the inspector.',
        cause,
        detail: { error: redact(error.error), error_description: errorDescription },
      },
    );
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError)
    return fromChallengeError(error, context);
  if (
    error instanceof oauth.OperationProcessingError &&
    error.code === oauth.HTTP_REQUEST_FORBIDDEN
  ) {
    const url = error.cause instanceof URL ? error.cause.href : (context.route?.url ?? '');
    return httpsRequiredError(context.endpoint, url, context.route?.viaAlias ?? false);
  }
  if (error instanceof oauth.OperationProcessingError) return fromOperationError(error, context);
  if (error instanceof oauth.UnsupportedOperationError) {
    return new ExplorerError(
      'PROTOCOL_VIOLATION',
      `${context.endpoint}: ${redact(error.message)}.`,
      {
        cause,
        detail: { endpoint: context.endpoint },
      },
    );
  }
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_')) {
    return new ExplorerError('INVALID_INPUT', `${context.endpoint}: ${redact(error.message)}.`, {
      cause,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ExplorerError(
    'PROTOCOL_VIOLATION',
    `${context.endpoint} failed: ${redact(message)}.`,
    {
      cause,
    },
  );
}
