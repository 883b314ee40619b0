import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as path from 'node:path';
import { summarizeCertificate, validityProblem, type CertificateSummary } from './credentials';
import { ExplorerError } from './errors';
import type { Pkcs12Contents } from './pkcs12';

// Reads the certificates and private keys of one file: PEM (one or more blocks), DER or
// PKCS#12. Everything returned here is public: subjects, key types and public key hashes, never
// key material, so scan results can go to a webview or a log.

/** Storage format of a file. */
export type CertificateFileFormat = 'pem' | 'der' | 'pkcs12';

/** Encryption of a private key in its file. */
export type KeyEncryption = 'none' | 'pkcs8' | 'pemLegacy' | 'pkcs12';

/** Whether a certificate is inside its validity period at the time of the scan. */
export type CertificateValidity = 'valid' | 'expired' | 'notYetValid';

export interface PublicKeyDescription {
  /** Node's `asymmetricKeyType`: `rsa`, `rsa-pss`, `ec`, `ed25519`, `ed448` or `dsa`. */
  type: string;
  /** Modulus size in bits, for RSA and DSA keys. */
  bits?: number;
  /** Curve of an EC key, by its NIST name where it has one (`P-256`), else OpenSSL's name. */
  curve?: string;
  /** Short text for display, such as `RSA 2048`, `EC P-256` or `Ed25519`. */
  label: string;
}

/** A certificate found in a file. */
export interface ScannedCertificate extends CertificateSummary {
  /** `file#blockIndex`, unique within a scan. */
  id: string;
  file: string;
  /**
   * Position in the file, from 0: the PEM block among all blocks of the file, or 0 for a DER
   * file. A PKCS#12 file numbers its certificates first, then its keys.
   */
  blockIndex: number;
  format: CertificateFileFormat;
  /** Subject alternative names as Node prints them, such as `DNS:localhost`. */
  subjectAltNames: string[];
  validity: CertificateValidity;
  /** Reason the certificate is not valid at the time of the scan, when it is not. */
  validityProblem?: string;
  publicKey: PublicKeyDescription;
  /** Base64url SHA-256 of the public key's SubjectPublicKeyInfo DER, shared with its key. */
  publicKeySha256: string;
  /** True for a CA certificate (basicConstraints cA). */
  ca: boolean;
  /** The PKCS#12 `friendlyName`, when the certificate came from such a file and has one. */
  friendlyName?: string;
  /** Facts the user should know before using the certificate, as sentences. */
  warnings: string[];
  /** Id of the private key whose public key matches, when the scan found one. */
  keyId?: string;
}

/** A private key that was found and, when encrypted, decrypted. */
export interface ScannedKey {
  /** `file#blockIndex`, unique within a scan. */
  id: string;
  file: string;
  /** Position in the file, counted as for {@link ScannedCertificate.blockIndex}. */
  blockIndex: number;
  format: CertificateFileFormat;
  encryption: KeyEncryption;
  publicKey: PublicKeyDescription;
  /** Base64url SHA-256 of the SubjectPublicKeyInfo DER of the key's public key. */
  publicKeySha256: string;
  friendlyName?: string;
  warnings: string[];
  /** Ids of the certificates whose public key matches this key. */
  certificateIds: string[];
}

/** An encrypted private key or PKCS#12 file that waits for its passphrase. */
export interface EncryptedEntry {
  /** `file#blockIndex` for a PEM key, the file path alone for a PKCS#12 file. */
  id: string;
  file: string;
  /** The PEM block, from 0; absent for a PKCS#12 file, which is encrypted as a whole. */
  blockIndex?: number;
  format: 'pem' | 'pkcs12';
  encryption: Exclude<KeyEncryption, 'none'>;
  /** The error from the last passphrase tried, when that passphrase did not open the entry. */
  error?: ExplorerError;
}

/** Kind of failure of a file or block, for counting and display. */
export type ScanProblemKind =
  'tooLarge' | 'unreadable' | 'noCertificate' | 'invalid' | 'passphraseIncorrect';

export interface BlockProblem {
  kind: ScanProblemKind;
  blockIndex?: number;
  error: ExplorerError;
}

/** The certificates, keys and encrypted entries of one file. */
export interface FileContents {
  certificates: ScannedCertificate[];
  keys: ScannedKey[];
  encrypted: EncryptedEntry[];
  problems: BlockProblem[];
  /** Labels of PEM blocks that hold neither a certificate nor a private key. */
  otherLabels: string[];
}

/** One `-----BEGIN LABEL-----` ... `-----END LABEL-----` block of a PEM file. */
export interface PemBlock {
  index: number;
  label: string;
  /** The whole block, from BEGIN to END, as Node's PEM parsers take it. */
  text: string;
  /** True when RFC 1421 headers mark the block as encrypted (`Proc-Type: 4,ENCRYPTED`). */
  legacyEncrypted: boolean;
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/g;
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const PRIVATE_KEY_LABELS = new Set([
  'PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'DSA PRIVATE KEY',
]);
const ENCRYPTED_PKCS8_LABEL = 'ENCRYPTED PRIVATE KEY';

const NIST_CURVES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  secp224r1: 'P-224',
  prime192v1: 'P-192',
};

const KEY_TYPE_LABELS: Record<string, string> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ec: 'EC',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  dsa: 'DSA',
  x25519: 'X25519',
  x448: 'X448',
};

/** Joins a file path and a block index into the id used by scan results. */
export function entryId(file: string, blockIndex: number): string {
  return `${file}#${blockIndex}`;
}

/** Splits PEM text into its blocks; text between blocks is ignored. */
export function splitPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [whole, label, body] = match as unknown as [string, string, string];
    const lines = body.split(/\r?\n/);
    // RFC 1421 headers ("Name: value") come before the base64 lines.
    const headers = lines.filter((line) => line.includes(':'));
    const base64 = lines.filter((line) => !line.includes(':')).join('');
    blocks.push({
      index: blocks.length,
      label,
      text: whole,
      legacyEncrypted: headers.some((line) => /^Proc-Type:\s*4,\s*ENCRYPTED/i.test(line)),
      der: Buffer.from(base64, 'base64'),
    });
  }
  return blocks;
}

/** Describes a public or private key by type and size. */
export function describeKey(key: KeyObject): PublicKeyDescription {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  const name = KEY_TYPE_LABELS[type] ?? type;
  if (details.modulusLength !== undefined) {
    return { type, bits: details.modulusLength, label: `${name} ${details.modulusLength}` };
  }
  if (details.namedCurve !== undefined) {
    const curve = NIST_CURVES[details.namedCurve] ?? details.namedCurve;
    return { type, curve, label: `${name} ${curve}` };
  }
  return { type, label: name };
}

/** Hashes the SubjectPublicKeyInfo DER of a key, so a certificate and its key hash alike. */
export function publicKeySha256(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64url');
}

/**
 * Splits Node's `subjectAltName` text at the commas between names. Node quotes a value that
 * contains a comma or a quote, so commas inside double quotes are kept.
 */
export function splitSubjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const character = text[i]!;
    if (character === '\\' && quoted) {
      current += character + (text[i + 1] ?? '');
      i++;
    } else if (character === '"') {
      quoted = !quoted;
      current += character;
    } else if (character === ',' && !quoted) {
      names.push(current.trim());
      current = '';
    } else {
      current += character;
    }
  }
  if (current.trim()) names.push(current.trim());
  return names;
}

interface EntryPlace {
  file: string;
  blockIndex: number;
  format: CertificateFileFormat;
  friendlyName?: string;
  warnings?: string[];
}

/** Builds the scan entry of a parsed certificate. */
export function describeCertificate(
  certificate: X509Certificate,
  place: EntryPlace,
  now: Date,
): ScannedCertificate {
  const problem = validityProblem(certificate, now);
  let validity: CertificateValidity = 'valid';
  if (problem) validity = now < new Date(certificate.validFrom) ? 'notYetValid' : 'expired';
  return {
    ...summarizeCertificate(certificate),
    id: entryId(place.file, place.blockIndex),
    file: place.file,
    blockIndex: place.blockIndex,
    format: place.format,
    subjectAltNames: splitSubjectAltNames(certificate.subjectAltName),
    validity,
    validityProblem: problem,
    publicKey: describeKey(certificate.publicKey),
    publicKeySha256: publicKeySha256(certificate.publicKey),
    ca: certificate.ca,
    friendlyName: place.friendlyName,
    warnings: place.warnings ?? [],
  };
}

/** Builds the scan entry of a decrypted private key. */
export function describePrivateKey(
  key: KeyObject,
  place: EntryPlace,
  encryption: KeyEncryption,
): ScannedKey {
  return {
    id: entryId(place.file, place.blockIndex),
    file: place.file,
    blockIndex: place.blockIndex,
    format: place.format,
    encryption,
    publicKey: describeKey(key),
    publicKeySha256: publicKeySha256(key),
    friendlyName: place.friendlyName,
    warnings: place.warnings ?? [],
    certificateIds: [],
  };
}

export function emptyContents(): FileContents {
  return { certificates: [], keys: [], encrypted: [], problems: [], otherLabels: [] };
}

function blockName(file: string, block: PemBlock): string {
  return `PEM block ${block.index + 1} (${block.label}) of ${file}`;
}

function invalidBlock(file: string, block: PemBlock, cause: unknown): BlockProblem {
  const what = CERTIFICATE_LABELS.has(block.label) ? 'certificate' : 'private key';
  return {
    kind: 'invalid',
    blockIndex: block.index,
    error: new ExplorerError(
      CERTIFICATE_LABELS.has(block.label) ? 'CERTIFICATE_INVALID' : 'KEY_INVALID',
      `The ${what} in ${blockName(file, block)} could not be parsed: ${(cause as Error).message}.`,
      {
        hint: 'Check that the block was copied whole, from its BEGIN line to its END line.',
        cause,
        detail: { source: file, blockIndex: block.index },
      },
    ),
  };
}

function readPemBlock(file: string, block: PemBlock, contents: FileContents, now: Date): void {
  const place = { file, blockIndex: block.index, format: 'pem' as const };
  if (CERTIFICATE_LABELS.has(block.label)) {
    contents.certificates.push(describeCertificate(new X509Certificate(block.der), place, now));
  } else if (
    block.label === ENCRYPTED_PKCS8_LABEL ||
    (block.legacyEncrypted && PRIVATE_KEY_LABELS.has(block.label))
  ) {
    contents.encrypted.push({
      id: entryId(file, block.index),
      ...place,
      encryption: block.label === ENCRYPTED_PKCS8_LABEL ? 'pkcs8' : 'pemLegacy',
    });
  } else if (PRIVATE_KEY_LABELS.has(block.label)) {
    const key = createPrivateKey({ key: block.text, format: 'pem' });
    contents.keys.push(describePrivateKey(key, place, 'none'));
  } else {
    contents.otherLabels.push(block.label);
  }
}

/** Reads every PEM block of a file; a block that fails to parse becomes a problem. */
export function readPemFile(file: string, text: string, now: Date): FileContents {
  const contents = emptyContents();
  for (const block of splitPemBlocks(text)) {
    try {
      readPemBlock(file, block, contents, now);
    } catch (cause) {
      contents.problems.push(invalidBlock(file, block, cause));
    }
  }
  return contents;
}

const DER_KEY_TYPES = ['pkcs8', 'pkcs1', 'sec1'] as const;

/** Reads a DER file as a certificate, or else as an unencrypted private key. */
export function readDerFile(file: string, bytes: Buffer, now: Date): FileContents {
  const contents = emptyContents();
  const place = { file, blockIndex: 0, format: 'der' as const };
  try {
    contents.certificates.push(describeCertificate(new X509Certificate(bytes), place, now));
    return contents;
  } catch {
    // Not a certificate: the same bytes may still be a key.
  }
  for (const type of DER_KEY_TYPES) {
    try {
      const key = createPrivateKey({ key: bytes, format: 'der', type });
      contents.keys.push(describePrivateKey(key, place, 'none'));
      return contents;
    } catch {
      // Try the next key encoding.
    }
  }
  // NOTE: an encrypted PKCS#8 key in DER form is not recognized and counts as no certificate.
  return contents;
}

/** Decrypts the PEM key of `block` and returns its scan entry. */
export function unlockPemBlock(file: string, block: PemBlock, passphrase: string): ScannedKey {
  const encryption: KeyEncryption = block.label === ENCRYPTED_PKCS8_LABEL ? 'pkcs8' : 'pemLegacy';
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.text, format: 'pem', passphrase });
  } catch (cause) {
    throw new ExplorerError(
      'KEY_PASSPHRASE_INCORRECT',
      `The private key in ${blockName(file, block)} could not be decrypted with the passphrase given.`,
      {
        hint: `Enter the passphrase it was encrypted with. To test a passphrase, run: openssl pkey -in "${file}" -noout`,
        cause,
        detail: { source: file, blockIndex: block.index },
      },
    );
  }
  return describePrivateKey(key, { file, blockIndex: block.index, format: 'pem' }, encryption);
}

/** Builds the scan entries of an opened PKCS#12 file, numbering bags in file order. */
export function describePkcs12(
  file: string,
  pkcs12: Pkcs12Contents,
  warning: string | undefined,
  now: Date,
): FileContents {
  const contents = emptyContents();
  const warnings = warning ? [warning] : [];
  let blockIndex = 0;
  for (const { value, friendlyName } of pkcs12.certificates) {
    const place = { file, blockIndex: blockIndex++, format: 'pkcs12' as const };
    contents.certificates.push(
      describeCertificate(value, { ...place, friendlyName, warnings }, now),
    );
  }
  for (const { value, friendlyName } of pkcs12.keys) {
    const place = { file, blockIndex: blockIndex++, format: 'pkcs12' as const };
    contents.keys.push(describePrivateKey(value, { ...place, friendlyName, warnings }, 'pkcs12'));
  }
  return contents;
}

function isPkcs12File(file: string): boolean {
  const extension = path.extname(file).toLowerCase();
  return extension === '.p12' || extension === '.pfx';
}

/** Opens a PKCS#12 file with an empty passphrase, or lists it as encrypted. */
async function readPkcs12File(file: string, bytes: Buffer, now: Date): Promise<FileContents> {
  // Loaded on first use, because node-forge is large and most workspaces have no PKCS#12 file.
  const { readPkcs12, legacyPkcs12Warning } = await import('./pkcs12');
  try {
    const pkcs12 = readPkcs12(bytes, '', file);
    return describePkcs12(file, pkcs12, legacyPkcs12Warning(pkcs12, file), now);
  } catch (error) {
    if (!(error instanceof ExplorerError)) throw error;
    const contents = emptyContents();
    if (error.code === 'KEY_PASSPHRASE_INCORRECT') {
      contents.encrypted.push({ id: file, file, format: 'pkcs12', encryption: 'pkcs12' });
    } else {
      contents.problems.push({ kind: 'invalid', error });
    }
    return contents;
  }
}

/**
 * Reads the certificates and keys of a file, recognized by content: PEM text, else PKCS#12 for
 * the `.p12` and `.pfx` extensions, else DER. Encrypted keys are listed, not decrypted.
 */
export async function readFileContents(
  file: string,
  bytes: Buffer,
  now: Date,
): Promise<FileContents> {
  // Node's latin1 decoding maps each byte to one character, so binary content decodes too.
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) return readPemFile(file, text, now);
  if (isPkcs12File(file)) return readPkcs12File(file, bytes, now);
  return readDerFile(file, bytes, now);
}

/**
 * Decrypts one encrypted entry of a file with `passphrase` and returns what it contained: one
 * key for a PEM block, every certificate and key for a PKCS#12 file.
 *
 * @throws ExplorerError `KEY_PASSPHRASE_INCORRECT` for a wrong passphrase, `INVALID_INPUT` when
 *   the file no longer has the entry.
 */
export async function openEncryptedEntry(
  entry: EncryptedEntry,
  bytes: Buffer,
  passphrase: string,
  now: Date,
): Promise<FileContents> {
  if (entry.format === 'pkcs12') {
    const { readPkcs12, legacyPkcs12Warning } = await import('./pkcs12');
    const pkcs12 = readPkcs12(bytes, passphrase, entry.file);
    return describePkcs12(entry.file, pkcs12, legacyPkcs12Warning(pkcs12, entry.file), now);
  }

  const block = splitPemBlocks(bytes.toString('latin1'))[entry.blockIndex ?? -1];
  if (!block || !/PRIVATE KEY$/.test(block.label)) {
    throw new ExplorerError(
      'INVALID_INPUT',
      `${entry.file} no longer has an encrypted private key in PEM block ${(entry.blockIndex ?? 0) + 1}.`,
      { hint: 'Scan the workspace again.', detail: { source: entry.file } },
    );
  }
  const contents = emptyContents();
  contents.keys.push(unlockPemBlock(entry.file, block, passphrase));
  return contents;
}
