import type { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { KoaContextWithOIDC, TLSClientAuthProperty } from 'oidc-provider';

/** An attribute type and value of a distinguished name, e.g. `['CN', 'client']`. */
export type AttributeTypeAndValue = [type: string, value: string];

/** The three mTLS callbacks that oidc-provider's `features.mTLS` requires. */
export interface MtlsCallbacks {
  getCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined;
  certificateAuthorized(ctx: KoaContextWithOIDC): boolean;
  certificateSubjectMatches(
    ctx: KoaContextWithOIDC,
    property: TLSClientAuthProperty,
    expected: string,
  ): boolean;
}

const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

/**
 * Parses an RFC 4514 distinguished name into its attribute type/value pairs, in the order written
 * (last RDN of the certificate first). Handles backslash escapes (`\,` and `\2C`) and tolerates
 * unescaped spaces around separators.
 *
 * NOTE: the members of a multi-valued RDN (`CN=a+O=b`) come back as separate pairs, so `CN=a+O=b`
 * and `CN=a,O=b` parse alike. Hex-encoded values (`CN=#04...`) are kept as written.
 */
export function parseDistinguishedName(dn: string): AttributeTypeAndValue[] {
  const pairs: AttributeTypeAndValue[] = [];
  let type = '';
  let value = '';
  // Length of `value` up to its last escaped character, so that trailing spaces that were escaped
  // survive the trim.
  let keptLength = 0;
  let inValue = false;

  const finish = (): void => {
    if (!inValue) {
      throw new Error(`Invalid distinguished name "${dn}": "${type.trim()}" has no "=".`);
    }
    pairs.push([
      type.trim().toUpperCase(),
      value.slice(0, Math.max(keptLength, value.trimEnd().length)),
    ]);
    type = '';
    value = '';
    keptLength = 0;
    inValue = false;
  };

  for (let index = 0; index < dn.length; index += 1) {
    const char = dn[index];
    if (!inValue) {
      if (char === '=') {
        inValue = true;
      } else {
        type += char;
      }
      continue;
    }

    if (char === '\\') {
      const hex = dn.slice(index + 1, index + 3);
      if (HEX_PAIR.test(hex)) {
        // Hex escapes can spell one UTF-8 character across several pairs, so collect the bytes.
        const bytes: number[] = [];
        while (HEX_PAIR.test(dn.slice(index + 1, index + 3)) && dn[index] === '\\') {
          bytes.push(Number.parseInt(dn.slice(index + 1, index + 3), 16));
          index += 3;
        }
        index -= 1;
        value += Buffer.from(bytes).toString('utf8');
      } else if (index + 1 < dn.length) {
        value += dn[index + 1];
        index += 1;
      } else {
        throw new Error(`Invalid distinguished name "${dn}": it ends with a lone backslash.`);
      }
      keptLength = value.length;
    } else if (char === ',' || char === '+') {
      finish();
    } else if (value.length === 0 && char === ' ') {
      // Unescaped leading spaces are not part of the value.
    } else {
      value += char;
    }
  }

  if (type.trim() !== '' || inValue) {
    finish();
  }
  return pairs;
}

/**
 * Converts Node's `X509Certificate.subject` to RFC 4514 order. Node prints one RDN a line in
 * certificate order (first RDN first), already escaped as RFC 2253 requires, so reversing the
 * lines gives the RFC 4514 string.
 */
export function subjectToRfc4514(subject: string): string {
  return subject.split('\n').reverse().join(',');
}

/** Compares two RFC 4514 names attribute by attribute: types ignore case, values are exact. */
export function distinguishedNamesMatch(actual: string, expected: string): boolean {
  const left = parseDistinguishedName(actual);
  const right = parseDistinguishedName(expected);
  if (left.length !== right.length) {
    return false;
  }
  return left.every(
    ([type, value], index) => type === right[index][0] && value === right[index][1],
  );
}

/**
 * Explains why `certificate` is not an authorized client certificate, or returns undefined when
 * it was issued and signed by `ca` and is valid at `now`.
 */
export function certificateProblem(
  certificate: X509Certificate,
  ca: X509Certificate,
  now: Date = new Date(),
): string | undefined {
  if (!certificate.checkIssued(ca)) {
    return `issuer "${subjectToRfc4514(certificate.issuer)}" is not the test CA`;
  }
  if (!certificate.verify(ca.publicKey)) {
    return 'signature does not verify with the test CA key';
  }
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (now < notBefore) {
    return `not valid before ${notBefore.toISOString()}`;
  }
  if (now > notAfter) {
    return `expired on ${notAfter.toISOString()}`;
  }
  return undefined;
}

/**
 * Creates oidc-provider's mTLS callbacks. The client certificate comes from the TLS socket of the
 * request, so only requests to the listener that requests client certificates have one. `log` receives the
 * reason whenever a certificate is rejected, because oidc-provider reports only "client
 * certificate was not verified".
 */
export function createMtlsCallbacks(
  ca: X509Certificate,
  log: (line: string) => void,
): MtlsCallbacks {
  const getCertificate = (ctx: KoaContextWithOIDC): X509Certificate | undefined => {
    const socket = ctx.socket;
    if (!(socket instanceof TLSSocket)) {
      return undefined;
    }
    return socket.getPeerX509Certificate();
  };

  return {
    getCertificate,

    certificateAuthorized(ctx) {
      const certificate = getCertificate(ctx);
      if (certificate === undefined) {
        return false;
      }
      const problem = certificateProblem(certificate, ca);
      if (problem !== undefined) {
        const subject = subjectToRfc4514(certificate.subject);
        log(`client certificate "${subject}" rejected: ${problem}`);
        return false;
      }
      return true;
    },

    certificateSubjectMatches(ctx, property, expected) {
      const certificate = getCertificate(ctx);
      if (certificate === undefined) {
        return false;
      }
      if (property !== 'tls_client_auth_subject_dn') {
        // NOTE: no test client registers a SAN property, so SAN matching is not implemented.
        log(`client metadata ${property} is not supported by the test server`);
        return false;
      }
      const subject = subjectToRfc4514(certificate.subject);
      if (!distinguishedNamesMatch(subject, expected)) {
        log(`client certificate subject "${subject}" does not match "${expected}"`);
        return false;
      }
      return true;
    },
  };
}
