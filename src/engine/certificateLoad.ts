import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as path from 'node:path';
import { splitPemBlocks, type PemBlock } from './certificateFile';
import { readCertificateFile, type CertificateReadOptions } from './certificateRead';
import type { CertificateScan } from './certificateScan';
import type { ClientCertificateInput } from './credentials';
import { ExplorerError, isExplorerError } from './errors';
import type { Pkcs12Contents } from './pkcs12';

// Turns certificate and key files of any supported format into the PEM texts that
// loadClientCertificate and undici take. Unlike the scan, this reads key material.

/** Locations of a client certificate and its key, as a scan or a configuration names them. */
export interface ClientCertificateFiles {
  certificateFile: string;
  /**
   * The certificate's `blockIndex` (see ScannedCertificate). Default: the first certificate in
   * the file that is not a CA certificate, else the first one.
   */
  certificateIndex?: number;
  /** The key's file; it may be the certificate file itself (PEM bundle or PKCS#12). */
  keyFile: string;
  /** The key's `blockIndex` (see ScannedKey). Default: the key that matches the certificate. */
  keyIndex?: number;
  /** Passphrase of the key: of its encrypted PEM block, or of its PKCS#12 file. */
  passphrase?: string;
  /** Passphrase of a PKCS#12 certificate file, when it differs from `passphrase`. */
  certificatePassphrase?: string;
}

interface IndexedCertificate {
  index: number;
  certificate: X509Certificate;
}

const MAX_CHAIN_LENGTH = 10;

function isPkcs12Extension(file: string): boolean {
  return ['.p12', '.pfx'].includes(path.extname(file).toLowerCase());
}

function isPemText(bytes: Buffer): boolean {
  return bytes.toString('latin1').includes('-----BEGIN ');
}

async function openPkcs12(file: string, bytes: Buffer, passphrase: string | undefined) {
  const { readPkcs12 } = await import('./pkcs12');
  try {
    return readPkcs12(bytes, passphrase ?? '', file);
  } catch (error) {
    // An empty passphrase failed, so the file needs one. The error code is the one
    // loadClientCertificate raises for that case, so callers prompt for a passphrase.
    if (passphrase === undefined && isExplorerError(error, 'KEY_PASSPHRASE_INCORRECT')) {
      throw new ExplorerError('KEY_PASSPHRASE_REQUIRED', `The PKCS#12 file ${file} is encrypted.`, {
        hint: 'Enter its passphrase.',
        cause: error,
        detail: { source: file },
      });
    }
    throw error;
  }
}

function pemCertificates(blocks: PemBlock[]): IndexedCertificate[] {
  return blocks
    .filter((block) => /CERTIFICATE$/.test(block.label))
    .map((block) => ({ index: block.index, certificate: new X509Certificate(block.der) }));
}

async function readCertificates(
  file: string,
  bytes: Buffer,
  passphrase: string | undefined,
): Promise<IndexedCertificate[]> {
  if (isPemText(bytes)) return pemCertificates(splitPemBlocks(bytes.toString('latin1')));
  if (isPkcs12Extension(file)) {
    const pkcs12 = await openPkcs12(file, bytes, passphrase);
    return pkcs12.certificates.map(({ value }, index) => ({ index, certificate: value }));
  }
  return [{ index: 0, certificate: new X509Certificate(bytes) }];
}

function selectCertificate(
  file: string,
  certificates: IndexedCertificate[],
  index: number | undefined,
): IndexedCertificate {
  const selected =
    index === undefined
      ? (certificates.find((entry) => !entry.certificate.ca) ?? certificates[0])
      : certificates.find((entry) => entry.index === index);
  if (!selected) {
    const where = index === undefined ? '' : ` at position ${index}`;
    throw new ExplorerError('CERTIFICATE_INVALID', `${file} has no certificate${where}.`, {
      hint: 'Scan the workspace again and choose a certificate from the list.',
      detail: { source: file, index },
    });
  }
  return selected;
}

/** Orders the leaf's issuers from the same file after it, as TLS sends a chain. */
function buildChain(leaf: X509Certificate, candidates: X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  let current = leaf;
  while (chain.length < MAX_CHAIN_LENGTH) {
    const issuer = candidates.find(
      (candidate) => !chain.includes(candidate) && current.checkIssued(candidate),
    );
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
}

/** Exports a decrypted key as PKCS#8 PEM, encrypted again when a passphrase is known. */
function exportKey(key: KeyObject, passphrase: string | undefined): string {
  if (passphrase) {
    return key
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
      .toString();
  }
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function matchesCertificate(key: KeyObject, certificate: X509Certificate): boolean {
  return certificate.checkPrivateKey(key);
}

/** Picks the PEM key block by index, else the one that opens and matches the certificate. */
function selectPemKey(
  blocks: PemBlock[],
  index: number | undefined,
  certificate: X509Certificate,
  passphrase: string | undefined,
): PemBlock | undefined {
  const keyBlocks = blocks.filter((block) => /PRIVATE KEY$/.test(block.label));
  if (index !== undefined) return keyBlocks.find((block) => block.index === index);
  const matching = keyBlocks.find((block) => {
    try {
      const key = createPrivateKey({ key: block.text, format: 'pem', passphrase });
      return matchesCertificate(key, certificate);
    } catch {
      return false;
    }
  });
  // Without a match, the first key goes on, so loadClientCertificate names the actual problem.
  return matching ?? keyBlocks[0];
}

function pkcs12Key(
  pkcs12: Pkcs12Contents,
  index: number | undefined,
  certificate: X509Certificate,
): KeyObject | undefined {
  // Scan entries number a PKCS#12 file's certificates first, then its keys.
  if (index !== undefined) return pkcs12.keys[index - pkcs12.certificates.length]?.value;
  const keys = pkcs12.keys.map((entry) => entry.value);
  return keys.find((key) => matchesCertificate(key, certificate)) ?? keys[0];
}

function noKeyError(file: string, index: number | undefined): ExplorerError {
  const where = index === undefined ? '' : ` at position ${index}`;
  return new ExplorerError('KEY_INVALID', `${file} has no private key${where}.`, {
    hint: 'Choose the file that holds the private key of the certificate.',
    detail: { source: file, index },
  });
}

async function readKeyPem(
  files: ClientCertificateFiles,
  bytes: Buffer,
  certificate: X509Certificate,
): Promise<string> {
  const { keyFile, keyIndex, passphrase } = files;
  if (isPemText(bytes)) {
    const blocks = splitPemBlocks(bytes.toString('latin1'));
    const block = selectPemKey(blocks, keyIndex, certificate, passphrase);
    if (!block) throw noKeyError(keyFile, keyIndex);
    return block.text;
  }
  if (isPkcs12Extension(keyFile)) {
    const pkcs12 = await openPkcs12(keyFile, bytes, passphrase);
    const key = pkcs12Key(pkcs12, keyIndex, certificate);
    if (!key) throw noKeyError(keyFile, keyIndex);
    return exportKey(key, passphrase);
  }
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return exportKey(createPrivateKey({ key: bytes, format: 'der', type }), undefined);
    } catch {
      // Try the next DER key encoding.
    }
  }
  throw noKeyError(keyFile, keyIndex);
}

/**
 * Reads a client certificate, its chain from the same file, and its private key from files in
 * any format the scan accepts, and returns PEM texts for loadClientCertificate. A key from a
 * PKCS#12 file is exported as PKCS#8 PEM, encrypted with the same passphrase when it has one.
 *
 * @throws ExplorerError `KEY_PASSPHRASE_REQUIRED` for a PKCS#12 file that needs a passphrase
 *   and got none, `KEY_PASSPHRASE_INCORRECT` for a wrong one, `CERTIFICATE_INVALID` or
 *   `KEY_INVALID` when a file lacks the certificate or key, `INVALID_INPUT` when a file cannot
 *   be read.
 */
export async function readClientCertificateInput(
  files: ClientCertificateFiles,
  options: CertificateReadOptions = {},
): Promise<ClientCertificateInput> {
  const certificateBytes = await readCertificateFile(files.certificateFile, options);
  const sameFile = files.keyFile === files.certificateFile;
  const certificatePassphrase =
    files.certificatePassphrase ?? (sameFile ? files.passphrase : undefined);
  const certificates = await readCertificates(
    files.certificateFile,
    certificateBytes,
    certificatePassphrase,
  );
  const leaf = selectCertificate(files.certificateFile, certificates, files.certificateIndex);
  const chain = buildChain(
    leaf.certificate,
    certificates.map((entry) => entry.certificate),
  );

  const keyBytes = sameFile ? certificateBytes : await readCertificateFile(files.keyFile, options);
  const keyPem = await readKeyPem(files, keyBytes, leaf.certificate);
  return {
    certificatePem: chain.map((certificate) => certificate.toString()).join(''),
    keyPem,
    passphrase: files.passphrase,
    certificateSource: files.certificateFile,
    keySource: files.keyFile,
  };
}

/**
 * Reads the certificate `certificateId` of a scan with the private key it was paired with, as
 * {@link readClientCertificateInput} does. Pass the key's passphrase when its entry was
 * encrypted.
 *
 * @throws ExplorerError `INVALID_INPUT` for an unknown id, `KEY_CERTIFICATE_MISMATCH` when the
 *   scan paired no key with the certificate, and the errors of readClientCertificateInput.
 */
export async function clientCertificateInputFor(
  scan: CertificateScan,
  certificateId: string,
  options: CertificateReadOptions &
    Pick<ClientCertificateFiles, 'passphrase' | 'certificatePassphrase'> = {},
): Promise<ClientCertificateInput> {
  const certificate = scan.certificates.find((entry) => entry.id === certificateId);
  if (!certificate) {
    throw new ExplorerError('INVALID_INPUT', `The scan has no certificate ${certificateId}.`, {
      hint: 'Scan the workspace again.',
      detail: { id: certificateId },
    });
  }
  const key = scan.keys.find((entry) => entry.id === certificate.keyId);
  if (!key) {
    const waiting = scan.encrypted.length;
    throw new ExplorerError(
      'KEY_CERTIFICATE_MISMATCH',
      `No private key found by the scan matches the certificate ${certificate.subject} in ${certificate.file}.`,
      {
        hint:
          waiting > 0
            ? `Enter the passphrase of the ${waiting} encrypted key file(s), or add the key's file to the workspace.`
            : "Add the key's file to the workspace and scan again.",
        detail: { source: certificate.file, id: certificateId },
      },
    );
  }

  return readClientCertificateInput(
    {
      certificateFile: certificate.file,
      certificateIndex: certificate.blockIndex,
      keyFile: key.file,
      keyIndex: key.blockIndex,
      passphrase: options.passphrase,
      certificatePassphrase: options.certificatePassphrase,
    },
    options,
  );
}
