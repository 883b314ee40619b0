import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as path from 'node:path';
import forge from 'node-forge/lib/forge';
import 'node-forge/lib/pkcs12';
// Registers SHA-384 and SHA-512, which pkcs12 uses for such MACs and PBKDF2 PRFs but does not load.
import 'node-forge/lib/sha512';
import { ExplorerError } from './errors';

// Node's crypto has no PKCS#12 reader, and the OpenSSL 3 inside Node rejects RC2 without its
// legacy provider, so node-forge decrypts the file. Its output is converted to Node's
// X509Certificate and KeyObject at once, so no forge type leaves this file.

/** A certificate or key from a PKCS#12 file, with the name the exporting tool gave it. */
export interface Pkcs12Entry<T> {
  value: T;
  /** The PKCS#12 `friendlyName` attribute, when the file has one. */
  friendlyName?: string;
}

export interface Pkcs12Contents {
  certificates: Pkcs12Entry<X509Certificate>[];
  keys: Pkcs12Entry<KeyObject>[];
  /** Names of the outdated encryption algorithms the file uses, empty for PBES2 with AES. */
  legacyAlgorithms: string[];
  /** Set when a legacy algorithm in the file needs OpenSSL 3's legacy provider (RC2, RC4, DES). */
  rejectedByOpenSsl3: boolean;
}

/** PKCS#12 and PKCS#5 v1.5 password-based encryption algorithms, by OID (RFC 7292 appendix C). */
const LEGACY_ALGORITHMS: { oid: string; name: string; rejectedByOpenSsl3: boolean }[] = [
  { oid: '1.2.840.113549.1.12.1.1', name: 'pbeWithSHAAnd128BitRC4', rejectedByOpenSsl3: true },
  { oid: '1.2.840.113549.1.12.1.2', name: 'pbeWithSHAAnd40BitRC4', rejectedByOpenSsl3: true },
  {
    oid: '1.2.840.113549.1.12.1.3',
    name: 'pbeWithSHAAnd3-KeyTripleDES-CBC',
    rejectedByOpenSsl3: false,
  },
  {
    oid: '1.2.840.113549.1.12.1.4',
    name: 'pbeWithSHAAnd2-KeyTripleDES-CBC',
    rejectedByOpenSsl3: false,
  },
  { oid: '1.2.840.113549.1.12.1.5', name: 'pbeWithSHAAnd128BitRC2-CBC', rejectedByOpenSsl3: true },
  { oid: '1.2.840.113549.1.12.1.6', name: 'pbeWithSHAAnd40BitRC2-CBC', rejectedByOpenSsl3: true },
  { oid: '1.2.840.113549.1.5.3', name: 'pbeWithMD5AndDES-CBC', rejectedByOpenSsl3: true },
  { oid: '1.2.840.113549.1.5.10', name: 'pbeWithSHA1AndDES-CBC', rejectedByOpenSsl3: true },
];

/**
 * Returns the OpenSSL 3 commands that rewrite `file` with PBES2 and AES-256. The first command
 * keeps the private key encrypted in the intermediate PEM file. A pipe from the first command
 * into `openssl pkcs12 -export` fails on OpenSSL 3.0, which reads the key and the certificates
 * from standard input in two passes.
 */
export function pkcs12ReexportCommands(file: string): string {
  const parsed = path.parse(file);
  const pemFile = path.join(parsed.dir, `${parsed.name}.pem`);
  const newFile = path.join(parsed.dir, `${parsed.name}-aes.p12`);
  return (
    `openssl pkcs12 -legacy -in "${file}" -out "${pemFile}" && ` +
    `openssl pkcs12 -export -in "${pemFile}" -out "${newFile}" && rm "${pemFile}"`
  );
}

/** Lists the legacy algorithms by searching the file's bytes for their DER-encoded OIDs. */
function findLegacyAlgorithms(bytes: Buffer): (typeof LEGACY_ALGORITHMS)[number][] {
  // Algorithm identifiers sit outside the encrypted parts of a PKCS#12 file, and the encoded
  // OID (tag, length and value) is specific enough that a byte search finds only them.
  return LEGACY_ALGORITHMS.filter((algorithm) => {
    const encodedOid = forge.asn1.oidToDer(algorithm.oid).getBytes();
    const tagged = Buffer.concat([
      Buffer.from([0x06, encodedOid.length]),
      Buffer.from(encodedOid, 'binary'),
    ]);
    return bytes.includes(tagged);
  });
}

function toBuffer(value: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(value).getBytes(), 'binary');
}

function friendlyNameOf(bag: forge.pkcs12.Bag): string | undefined {
  return bag.attributes['friendlyName']?.[0];
}

function certificateFromBag(bag: forge.pkcs12.Bag): X509Certificate {
  // forge parses RSA certificates into its own object and keeps the others as ASN.1. Writing
  // the parsed object back reuses the original TBSCertificate, so the DER (and so x5t#S256) is
  // the file's own.
  const der = bag.cert ? toBuffer(forge.pki.certificateToAsn1(bag.cert)) : toBuffer(bag.asn1!);
  return new X509Certificate(der);
}

function keyFromBag(bag: forge.pkcs12.Bag): KeyObject {
  const der = bag.key
    ? toBuffer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)))
    : toBuffer(bag.asn1!);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

// NOTE: forge runs PBKDF2 synchronously in JavaScript, so a file with a very high iteration
// count blocks the event loop while it opens. Non-ASCII passphrases are untested: OpenSSL feeds
// PBES2 the UTF-8 bytes, while forge takes the string's characters as bytes.
function decodePkcs12(bytes: Buffer, passphrase: string): forge.pkcs12.Pkcs12Pfx {
  // Files from Windows and Java are often BER rather than DER, hence the non-strict parsing.
  const value = forge.asn1.fromDer(bytes.toString('binary'), { strict: false });
  return forge.pkcs12.pkcs12FromAsn1(value, false, passphrase);
}

function isPassphraseFailure(message: string): boolean {
  // forge's messages for a failed MAC check and for a failed decryption of a bag.
  return /MAC could not be verified|wrong password|Failed to decrypt/i.test(message);
}

function isUnsupportedAlgorithm(message: string): boolean {
  return /unsupported|Unknown OID/i.test(message);
}

function pkcs12Error(file: string, cause: unknown): ExplorerError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const detail = { source: file, reason: message };
  if (isPassphraseFailure(message)) {
    return new ExplorerError(
      'KEY_PASSPHRASE_INCORRECT',
      `The PKCS#12 file ${file} could not be opened with the passphrase given.`,
      {
        hint: `Enter the passphrase it was exported with. To test a passphrase, run: openssl pkcs12 -in "${file}" -noout`,
        cause,
        detail,
      },
    );
  }
  if (isUnsupportedAlgorithm(message)) {
    return new ExplorerError(
      'CERTIFICATE_INVALID',
      `The PKCS#12 file ${file} uses an algorithm that OAuth Explorer cannot read (${message}).`,
      {
        hint: `Export it again with AES-256 encryption: ${pkcs12ReexportCommands(file)}`,
        cause,
        detail,
      },
    );
  }
  return new ExplorerError(
    'CERTIFICATE_INVALID',
    `The file ${file} could not be read as PKCS#12: ${message}.`,
    { hint: 'Check that it is a .p12 or .pfx file and not a PEM or DER one.', cause, detail },
  );
}

/**
 * Decrypts a PKCS#12 (`.p12`, `.pfx`) file and returns its certificates and private keys, in file
 * order. An empty `passphrase` opens files exported without one (`-passout pass:`).
 *
 * @throws ExplorerError `KEY_PASSPHRASE_INCORRECT` when the passphrase fails the integrity
 *   check or the decryption, `CERTIFICATE_INVALID` for anything else, with a hint to export the
 *   file again when its algorithm is not supported.
 * @see RFC 7292
 */
export function readPkcs12(bytes: Uint8Array, passphrase: string, file: string): Pkcs12Contents {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    pfx = decodePkcs12(buffer, passphrase);
  } catch (cause) {
    throw pkcs12Error(file, cause);
  }

  const contents: Pkcs12Contents = {
    certificates: [],
    keys: [],
    legacyAlgorithms: [],
    rejectedByOpenSsl3: false,
  };
  const bags = pfx.safeContents.flatMap((safe) => safe.safeBags);
  try {
    for (const bag of bags) {
      const friendlyName = friendlyNameOf(bag);
      if (bag.type === forge.pki.oids['certBag']) {
        contents.certificates.push({ value: certificateFromBag(bag), friendlyName });
      } else if (
        bag.type === forge.pki.oids['keyBag'] ||
        bag.type === forge.pki.oids['pkcs8ShroudedKeyBag']
      ) {
        contents.keys.push({ value: keyFromBag(bag), friendlyName });
      }
    }
  } catch (cause) {
    throw pkcs12Error(file, cause);
  }

  const legacy = findLegacyAlgorithms(buffer);
  contents.legacyAlgorithms = legacy.map((algorithm) => algorithm.name);
  contents.rejectedByOpenSsl3 = legacy.some((algorithm) => algorithm.rejectedByOpenSsl3);
  return contents;
}

/** Describes a PKCS#12 file's legacy encryption and how to replace it, or returns undefined. */
export function legacyPkcs12Warning(contents: Pkcs12Contents, file: string): string | undefined {
  if (contents.legacyAlgorithms.length === 0) return undefined;
  const algorithms = contents.legacyAlgorithms.join(', ');
  const consequence = contents.rejectedByOpenSsl3
    ? 'OpenSSL 3, and tools built on it, reject this file unless the legacy provider is loaded.'
    : 'These algorithms are outdated.';
  return (
    `${file} is encrypted with ${algorithms}. ${consequence} ` +
    `To export it again with AES-256, run: ${pkcs12ReexportCommands(file)}`
  );
}
