import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ExplorerError } from './errors';

/** PEM text of a client certificate (optionally followed by its chain) and its private key. */
export interface ClientCertificateInput {
  /** PEM certificate, leaf first; further certificates are sent as the chain. */
  certificatePem: string;
  /** PEM private key: PKCS#8, PKCS#1 or SEC1, encrypted or not. */
  keyPem: string;
  passphrase?: string;
  /** Where the PEM texts came from (file paths), used in messages. */
  certificateSource?: string;
  keySource?: string;
}

/** Facts about one X.509 certificate, for display and for the binding check. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  /** `x5t#S256`: base64url of the SHA-256 of the DER encoding (RFC 8705 section 3.1). */
  x5tS256: string;
  subjectAltName?: string;
  selfSigned: boolean;
}

/** A client certificate and key that were parsed, checked against each other and are ready for TLS. */
export interface LoadedClientCertificate {
  certificatePem: string;
  keyPem: string;
  passphrase?: string;
  certificate: X509Certificate;
  summary: CertificateSummary;
  /** Set when the certificate is outside its validity period now; TLS is still attempted. */
  validityProblem?: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Computes `x5t#S256` of a certificate given as DER bytes. */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/** Converts Node's multi-line distinguished name into RFC 4514 order and separators. */
export function formatDistinguishedName(nodeName: string): string {
  return nodeName
    .split('\n')
    .filter((part) => part.length > 0)
    .reverse()
    .join(',');
}

export function summarizeCertificate(certificate: X509Certificate): CertificateSummary {
  return {
    subject: formatDistinguishedName(certificate.subject),
    issuer: formatDistinguishedName(certificate.issuer),
    serialNumber: certificate.serialNumber,
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: new Date(certificate.validTo).toISOString(),
    x5tS256: certificateThumbprint(certificate.raw),
    subjectAltName: certificate.subjectAltName,
    selfSigned:
      certificate.subject === certificate.issuer && certificate.verify(certificate.publicKey),
  };
}

/** Splits PEM text into its certificates; an empty list when it contains none. */
export function parseCertificates(pem: string, source = 'the certificate text'): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (cause) {
      throw new ExplorerError(
        'CERTIFICATE_INVALID',
        `Certificate ${index + 1} in ${source} could not be parsed: ${(cause as Error).message}.`,
        { hint: 'Check that the file holds PEM certificates.', cause, detail: { source } },
      );
    }
  });
}

/** Describes why a certificate cannot be used at `now`, or returns undefined when it can. */
export function validityProblem(
  certificate: X509Certificate,
  now = new Date(),
): string | undefined {
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  if (now < validFrom) return `is not valid before ${validFrom.toISOString()}`;
  if (now > validTo) return `expired on ${validTo.toISOString()}`;
  return undefined;
}

function loadPrivateKey(input: ClientCertificateInput): KeyObject {
  const source = input.keySource ?? 'the private key';
  const encrypted = /ENCRYPTED/.test(input.keyPem);
  if (encrypted && !input.passphrase) {
    throw new ExplorerError(
      'KEY_PASSPHRASE_REQUIRED',
      `The private key in ${source} is encrypted.`,
      {
        hint: 'Enter its passphrase.',
        detail: { source },
      },
    );
  }
  try {
    return createPrivateKey({ key: input.keyPem, format: 'pem', passphrase: input.passphrase });
  } catch (cause) {
    if (encrypted) {
      throw new ExplorerError(
        'KEY_PASSPHRASE_INCORRECT',
        `The private key in ${source} could not be decrypted with the passphrase given.`,
        { hint: 'Enter the passphrase again.', cause, detail: { source } },
      );
    }
    throw new ExplorerError(
      'KEY_INVALID',
      `The private key in ${source} could not be read: ${(cause as Error).message}.`,
      {
        hint: 'Choose a PEM private key file (PKCS#8, PKCS#1 or SEC1).',
        cause,
        detail: { source },
      },
    );
  }
}

/**
 * Parses a client certificate and its key and checks that they belong together, so that a wrong
 * key is reported before any TLS handshake instead of as an opaque handshake failure.
 */
export function loadClientCertificate(input: ClientCertificateInput): LoadedClientCertificate {
  const certificateSource = input.certificateSource ?? 'the client certificate';
  const [certificate] = parseCertificates(input.certificatePem, certificateSource);
  if (!certificate) {
    throw new ExplorerError(
      'CERTIFICATE_INVALID',
      `${certificateSource} holds no PEM certificate.`,
      {
        hint: 'Choose a file with a -----BEGIN CERTIFICATE----- block.',
        detail: { source: certificateSource },
      },
    );
  }

  const key = loadPrivateKey(input);
  if (!certificate.checkPrivateKey(key)) {
    throw new ExplorerError(
      'KEY_CERTIFICATE_MISMATCH',
      `The private key in ${input.keySource ?? 'the key'} does not match the certificate in ${certificateSource} (subject ${formatDistinguishedName(certificate.subject)}).`,
      {
        hint: 'Choose the key that was generated with this certificate.',
        detail: { certificateSource, keySource: input.keySource },
      },
    );
  }

  return {
    certificatePem: input.certificatePem,
    keyPem: input.keyPem,
    passphrase: input.passphrase,
    certificate,
    summary: summarizeCertificate(certificate),
    validityProblem: validityProblem(certificate),
  };
}
