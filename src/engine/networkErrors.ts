import { ExplorerError, type ExplorerErrorCode } from './errors';

/** What the failing request was, so the message can name it. */
export interface FailedRequestContext {
  endpoint: string;
  method: string;
  url: string;
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
  const translation: Translation = context.aborted
    ? { code: 'ABORTED', problem: 'the request was cancelled', hint: '' }
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
