import { ExplorerError, type ExplorerErrorCode } from './errors';

/** The request a message names. */
export interface RequestIdentity {
  endpoint: string;
  method: string;
  url: string;
}

/** What the failing request was, so the message can name it. */
export interface FailedRequestContext extends RequestIdentity {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** Subject of the client certificate configured on the connection, if any. */
  clientCertificateSubject?: string;
  /** Set when the configured client certificate is outside its validity period. */
  clientCertificateProblem?: string;
  aborted: boolean;
  /** A TLS alert the socket reported shortly before the failure, when undici lost it. */
  tlsAlert?: string;
}

interface Translation {
  code: ExplorerErrorCode;
  problem: string;
  hint: string;
}

const SERVER_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const CLIENT_CERTIFICATE_ALERTS = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNSUPPORTED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

/** Follows `cause` links to the innermost error that carries a code. */
function innermostCodedError(error: unknown): { code?: string; message: string } {
  let current: unknown = error;
  let found: { code?: string; message: string } = { message: String(error) };
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') found = { code, message: current.message };
    else if (found.code === undefined) found = { message: current.message };
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

/** Finds undici's HTTPParserError, raised when the bytes after the TLS handshake are not HTTP. */
function findParserError(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (current.name === 'HTTPParserError' || (typeof code === 'string' && code.startsWith('HPE_')))
      return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function clientCertificateHint(context: FailedRequestContext): string {
  if (!context.clientCertificateSubject) {
    return 'No client certificate was configured: select a certificate and key for this client.';
  }
  const expiry = context.clientCertificateProblem
    ? ` The certificate ${context.clientCertificateProblem}.`
    : '';
  return `The certificate ${context.clientCertificateSubject} was offered.${expiry} Check that the server trusts its issuer and that it is registered for this client.`;
}

function translateTls(code: string, context: FailedRequestContext): Translation | undefined {
  if (SERVER_UNTRUSTED.has(code)) {
    return {
      code: 'TLS_SERVER_UNTRUSTED',
      problem: `the server's certificate is not trusted (${code})`,
      hint: 'Add the CA certificate that issued it to the extra CA certificates of this server.',
    };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return {
      code: 'TLS_SERVER_CERTIFICATE_EXPIRED',
      problem: `the server's certificate is outside its validity period (${code})`,
      hint: 'Ask the server operator to renew it, or check this machine’s clock.',
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      code: 'TLS_HOSTNAME_MISMATCH',
      problem: `the server's certificate does not name the host ${new URL(context.url).hostname}`,
      hint: 'Use a host name that the certificate lists in its subject alternative names.',
    };
  }
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') {
    return {
      code: 'TLS_CLIENT_CERTIFICATE_REQUIRED',
      problem: 'the server requires a client certificate and none was sent',
      hint: context.clientCertificateSubject
        ? 'A certificate was configured but this endpoint was not given it; check the routing table.'
        : 'Select a client certificate and key for this client.',
    };
  }
  if (CLIENT_CERTIFICATE_ALERTS.has(code)) {
    return {
      code: 'TLS_CLIENT_CERTIFICATE_REJECTED',
      problem: `the server rejected the client certificate during the TLS handshake (${code})`,
      hint: clientCertificateHint(context),
    };
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return {
      code: 'TLS_HANDSHAKE_FAILED',
      problem: `the TLS handshake failed (${code})`,
      hint: 'Check that the URL is an HTTPS endpoint and that client and server share a TLS version.',
    };
  }
  return undefined;
}

function translateSocket(code: string | undefined, context: FailedRequestContext): Translation {
  const connectSeconds = context.connectTimeoutMs / 1000;
  const responseSeconds = context.responseTimeoutMs / 1000;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return {
        code: 'CONNECT_TIMEOUT',
        problem: `no connection was made within ${connectSeconds} s`,
        hint: 'Check that the host is reachable, or raise the connect timeout.',
      };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return {
        code: 'RESPONSE_TIMEOUT',
        problem: `the server did not respond within ${responseSeconds} s`,
        hint: 'Check the server, or raise the response timeout if it is slow.',
      };
    case 'ECONNREFUSED':
      return {
        code: 'CONNECTION_REFUSED',
        problem: 'the connection was refused',
        hint: 'Check that the server is running and that the port is right.',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        code: 'HOST_NOT_FOUND',
        problem: `the host name ${new URL(context.url).hostname} could not be resolved`,
        hint: 'Check the spelling of the host in the issuer URL.',
      };
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return {
        code: 'CONNECTION_RESET',
        problem: 'the server closed the connection before responding',
        // TLS 1.3 servers report a rejected client certificate after the handshake has finished
        // on the client side, which surfaces as a reset instead of an alert.
        hint: context.clientCertificateSubject
          ? `If the server requires mutual TLS, it may have rejected the client certificate. ${clientCertificateHint(context)}`
          : 'If the server requires mutual TLS, select a client certificate for this client.',
      };
    default:
      return {
        code: 'NETWORK_ERROR',
        problem: `the request failed${code ? ` (${code})` : ''}`,
        hint: 'Check the URL and the network, then try again.',
      };
  }
}

/**
 * Turns an error thrown by undici's `request()` or fetch into an ExplorerError that names the
 * endpoint, the URL, the cause in plain words and the next step.
 */
export function translateNetworkError(
  error: unknown,
  context: FailedRequestContext,
): ExplorerError {
  const reported = innermostCodedError(error);
  const socketClosed = reported.code === 'UND_ERR_SOCKET' || reported.code === 'ECONNRESET';
  const inner =
    socketClosed && context.tlsAlert
      ? { code: context.tlsAlert, message: reported.message }
      : reported;
  const parserError = findParserError(error);
  const translation: Translation = context.aborted
    ? { code: 'ABORTED', problem: 'the request was cancelled', hint: '' }
    : parserError
      ? {
          code: 'NETWORK_ERROR',
          problem: `the response is not valid HTTP/1.1: ${parserError.message}`,
          hint: 'Check that the URL points at an HTTPS web server and not at another service on that port.',
        }
      : (inner.code && translateTls(inner.code, context)) || translateSocket(inner.code, context);

  const message = `${context.method} ${context.endpoint} at ${context.url} failed: ${translation.problem}.`;
  return new ExplorerError(translation.code, message, {
    hint: translation.hint || undefined,
    cause: error,
    detail: {
      endpoint: context.endpoint,
      url: context.url,
      networkCode: inner.code,
      networkMessage: inner.message,
    },
  });
}

function describeRequest(request: RequestIdentity): string {
  return `${request.method} ${request.endpoint} at ${request.url}`;
}

/**
 * Raises RESPONSE_TIMEOUT for a response whose headers arrived but whose body was not complete
 * when the response timeout, counted from sending the request, ran out.
 */
export function bodyTimeoutError(
  request: RequestIdentity,
  receivedBytes: number,
  limitMs: number,
): ExplorerError {
  return new ExplorerError(
    'RESPONSE_TIMEOUT',
    `${describeRequest(request)} failed: the response was not complete within ${limitMs / 1000} s, after ${receivedBytes} bytes of the body.`,
    {
      hint: 'The response timeout covers the headers and the whole body. Check the server, or raise the response timeout if it is slow.',
      detail: { ...request, receivedBytes, responseTimeoutMs: limitMs },
    },
  );
}

/**
 * Explains a response whose connection ended in the middle of the body. `declaredBytes` is the
 * content-length, when the response had one.
 */
export function truncatedBodyError(
  request: RequestIdentity,
  status: number,
  receivedBytes: number,
  declaredBytes: number | undefined,
  cause: unknown,
): ExplorerError {
  const problem =
    declaredBytes === undefined
      ? `the connection closed after ${receivedBytes} bytes of the response body, before the body was complete`
      : `the response body ended after ${receivedBytes} of ${declaredBytes} bytes`;
  const inner = innermostCodedError(cause);
  return new ExplorerError('CONNECTION_RESET', `${describeRequest(request)} failed: ${problem}.`, {
    hint: `The server sent HTTP ${status} and then closed the connection; the status, headers and partial body are in the inspector. Check the server's logs.`,
    cause,
    detail: {
      ...request,
      status,
      receivedBytes,
      declaredBytes,
      networkCode: inner.code,
      networkMessage: inner.message,
    },
  });
}

/**
 * Describes a Location header for a message: resolved against the request URL, with the query and
 * fragment removed because a server may echo request parameters, secrets included, into them.
 */
function describeLocation(location: string | null, requestUrl: string): string {
  if (location === null) return 'no Location header';
  let target: URL;
  try {
    target = new URL(location, requestUrl);
  } catch {
    return 'a Location header that is not a valid URL';
  }
  const stripped = target.search !== '' || target.hash !== '';
  target.search = '';
  target.hash = '';
  return stripped ? `${target.href} (query removed)` : target.href;
}

/**
 * Raises the error for a redirect from a back-channel request. The client does not follow
 * redirects, because that would resend credentials to a URL the metadata does not name.
 */
export function redirectError(
  request: RequestIdentity,
  status: number,
  headers: { get(name: string): string | null },
): ExplorerError {
  const target = describeLocation(headers.get('location'), request.url);
  const discovery = request.endpoint === 'discovery';
  const hint = discovery
    ? 'Check the issuer: metadata must be served at the discovery URL itself. If the server has moved, enter the issuer it now publishes.'
    : `Ask the server operator to publish the URL the server redirects to as ${request.endpoint} in the metadata.`;
  return new ExplorerError(
    discovery ? 'DISCOVERY_FAILED' : 'PROTOCOL_VIOLATION',
    `${describeRequest(request)} answered HTTP ${status}, a redirect to ${target}. Redirects are not followed.`,
    { hint, detail: { ...request, status, location: target } },
  );
}

/**
 * Explains why a request was never sent: oauth4webapi sends only to https URLs, and the metadata
 * named an http URL. `viaAlias` tells whether the URL came from `mtls_endpoint_aliases`.
 */
export function httpsRequiredError(
  endpoint: string,
  url: string,
  viaAlias: boolean,
): ExplorerError {
  const member = viaAlias ? `mtls_endpoint_aliases.${endpoint}` : endpoint;
  return new ExplorerError(
    'INVALID_METADATA',
    `${endpoint} ${url} was not called because it does not use https.`,
    {
      hint: `The metadata member ${member} must be an https URL; ask the server operator to publish one. No request was sent.`,
      detail: { endpoint, url, field: member },
    },
  );
}
