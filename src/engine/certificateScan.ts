import * as path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  emptyContents,
  openEncryptedEntry,
  readFileContents,
  type EncryptedEntry,
  type FileContents,
  type ScannedCertificate,
  type ScannedKey,
  type ScanProblemKind,
} from './certificateFile';
import {
  readCertificateFile,
  readWithLimit,
  throwIfAborted,
  type CertificateReadOptions,
} from './certificateRead';
import { ExplorerError, isExplorerError } from './errors';

export type {
  CertificateFileFormat,
  CertificateValidity,
  EncryptedEntry,
  KeyEncryption,
  PublicKeyDescription,
  ScannedCertificate,
  ScannedKey,
  ScanProblemKind,
} from './certificateFile';
export {
  DEFAULT_MAX_CERTIFICATE_FILE_BYTES,
  readFileWithLimit,
  type CertificateFileReader,
  type CertificateReadOptions,
} from './certificateRead';
export {
  clientCertificateInputFor,
  readClientCertificateInput,
  type ClientCertificateFiles,
} from './certificateLoad';
export {
  CERTIFICATE_FILE_EXTENSIONS,
  CERTIFICATE_FILE_GLOB,
  DEFAULT_WALK_EXCLUDE,
  walkForCertificateFiles,
  type CertificateWalkOptions,
} from './certificateWalk';

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_PROBLEMS = 100;

/** The encrypted key or PKCS#12 file that a passphrase is requested for. */
export interface PassphraseRequest {
  /** The {@link EncryptedEntry.id} of the entry. */
  id: string;
  file: string;
  blockIndex?: number;
  encryption: EncryptedEntry['encryption'];
}

export interface CertificateScanOptions extends CertificateReadOptions {
  /**
   * Returns the passphrase of an encrypted key or PKCS#12 file, or undefined to leave it
   * encrypted. It is called once per entry and never twice at the same time. A rejected
   * passphrase is stored in the entry's `error` and reported as a `passphraseIncorrect` problem.
   */
  passphraseFor?: (request: PassphraseRequest) => Promise<string | undefined> | string | undefined;
  /** Number of files read at the same time. Default 4. */
  concurrency?: number;
  /** Number of problems listed in the result; further ones are only counted. Default 100. */
  maxProblems?: number;
  /** The time against which validity is checked. Default: the start of the scan. */
  now?: Date;
  /** Called after each file with the counts so far. */
  onProgress?: (counts: Readonly<CertificateScanCounts>) => void;
}

/** Something wrong with one file or one PEM block. */
export interface ScanProblem {
  kind: ScanProblemKind;
  file: string;
  blockIndex?: number;
  error: ExplorerError;
}

export interface CertificateScanCounts {
  /** Files taken from the input. */
  files: number;
  /** Files with at least one certificate, private key or encrypted entry. */
  filesWithEntries: number;
  /** Problems by kind: one per file, but one per PEM block for `invalid`. */
  problems: Record<ScanProblemKind, number>;
  /** Problems counted in `problems` but left out of the list because of `maxProblems`. */
  problemsNotListed: number;
}

/**
 * The certificates and keys found by a scan, paired by public key. It contains no key material, so
 * it can be shown in a webview or written to a log.
 */
export interface CertificateScan {
  certificates: ScannedCertificate[];
  keys: ScannedKey[];
  /** Encrypted keys and PKCS#12 files whose passphrase has not been given or was wrong. */
  encrypted: EncryptedEntry[];
  /** At most `maxProblems` problems, in the order they were found. */
  problems: ScanProblem[];
  counts: CertificateScanCounts;
  /** The time validity was checked against, as an ISO 8601 string. */
  checkedAt: string;
}

interface ScanState {
  options: CertificateScanOptions;
  maxProblems: number;
  now: Date;
  scan: CertificateScan;
  /** Chains the calls to `passphraseFor`, so that the UI shows one passphrase prompt at a time. */
  passphraseQueue: Promise<unknown>;
}

function addProblem(state: ScanState, problem: ScanProblem): void {
  const { scan } = state;
  scan.counts.problems[problem.kind]++;
  if (scan.problems.length < state.maxProblems) scan.problems.push(problem);
  else scan.counts.problemsNotListed++;
}

function noCertificateProblem(file: string, otherLabels: string[]): ScanProblem {
  const found =
    otherLabels.length > 0
      ? ` It contains only ${[...new Set(otherLabels)].join(', ')} blocks.`
      : ' It is neither PEM, DER nor PKCS#12.';
  const error = new ExplorerError(
    'CERTIFICATE_INVALID',
    `${file} contains no certificate or private key.${found}`,
    {
      hint: 'A certificate file has a -----BEGIN CERTIFICATE----- block, or is a DER certificate or a PKCS#12 file.',
      detail: { source: file, labels: otherLabels },
    },
  );
  return { kind: 'noCertificate', file, error };
}

function addContents(target: FileContents, source: FileContents): void {
  target.certificates.push(...source.certificates);
  target.keys.push(...source.keys);
  target.encrypted.push(...source.encrypted);
}

function passphraseRequest(entry: EncryptedEntry): PassphraseRequest {
  return {
    id: entry.id,
    file: entry.file,
    blockIndex: entry.blockIndex,
    encryption: entry.encryption,
  };
}

/** Asks `passphraseFor` for each encrypted entry of a file and opens the entries it can. */
async function unlockWithCallback(
  state: ScanState,
  contents: FileContents,
  bytes: Buffer,
): Promise<void> {
  const { passphraseFor, signal } = state.options;
  if (!passphraseFor || contents.encrypted.length === 0) return;

  const entries = contents.encrypted;
  contents.encrypted = [];
  for (const entry of entries) {
    const asked = state.passphraseQueue.then(() => passphraseFor(passphraseRequest(entry)));
    state.passphraseQueue = asked.catch(() => undefined);
    const passphrase = await asked;
    throwIfAborted(signal);
    if (passphrase === undefined) {
      contents.encrypted.push(entry);
      continue;
    }
    try {
      addContents(contents, await openEncryptedEntry(entry, bytes, passphrase, state.now));
    } catch (error) {
      // The entry stays listed with its error, so the user can try another passphrase later.
      if (!isExplorerError(error)) throw error;
      contents.encrypted.push({ ...entry, error });
      addProblem(state, {
        kind: error.code === 'KEY_PASSPHRASE_INCORRECT' ? 'passphraseIncorrect' : 'invalid',
        file: entry.file,
        blockIndex: entry.blockIndex,
        error,
      });
    }
  }
}

function recordContents(state: ScanState, file: string, contents: FileContents): void {
  const { scan } = state;
  for (const problem of contents.problems) addProblem(state, { ...problem, file });

  const entries = contents.certificates.length + contents.keys.length + contents.encrypted.length;
  if (entries > 0) {
    scan.counts.filesWithEntries++;
    scan.certificates.push(...contents.certificates);
    scan.keys.push(...contents.keys);
    scan.encrypted.push(...contents.encrypted);
  } else if (contents.problems.length === 0) {
    addProblem(state, noCertificateProblem(file, contents.otherLabels));
  }
}

async function scanFile(state: ScanState, file: string): Promise<void> {
  const outcome = await readWithLimit(file, state.options);
  if ('tooLarge' in outcome) {
    addProblem(state, { kind: 'tooLarge', file, error: outcome.tooLarge });
    return;
  }
  if ('unreadable' in outcome) {
    addProblem(state, { kind: 'unreadable', file, error: outcome.unreadable });
    return;
  }

  let contents: FileContents;
  try {
    contents = await readFileContents(file, outcome.bytes, state.now);
  } catch (cause) {
    // Parsers report bad blocks as problems themselves, so this is a failure of a library.
    contents = emptyContents();
    contents.problems.push({
      kind: 'invalid',
      error: new ExplorerError('CERTIFICATE_INVALID', `${file} could not be parsed.`, {
        cause,
        detail: { source: file },
      }),
    });
  }
  await unlockWithCallback(state, contents, outcome.bytes);
  recordContents(state, file, contents);
}

/**
 * Returns a function that hands out the input's files one at a time to several workers. Calls
 * to the input iterator are chained, because an arbitrary async iterator need not accept a
 * `next()` call while another is pending.
 */
function fileQueue(files: Iterable<string> | AsyncIterable<string>) {
  const iterator: Iterator<string> | AsyncIterator<string> =
    Symbol.asyncIterator in files ? files[Symbol.asyncIterator]() : files[Symbol.iterator]();
  let chain: Promise<IteratorResult<string>> = Promise.resolve({ done: false, value: '' });
  let finished = false;
  return {
    next(): Promise<string | undefined> {
      chain = chain.then(async (previous) => (previous.done ? previous : iterator.next()));
      return chain.then((result) => {
        if (result.done) finished = true;
        return result.done ? undefined : result.value;
      });
    },
    async close(): Promise<void> {
      // Stops a generator such as walkForCertificateFiles when the scan ends early.
      if (!finished) await iterator.return?.();
    },
  };
}

/** A file's folder and its path without the extension, computed once per file while pairing. */
interface FileParts {
  folder: string;
  stem: string;
}

function filePartsCache(): (file: string) => FileParts {
  const cache = new Map<string, FileParts>();
  return (file) => {
    let parts = cache.get(file);
    if (!parts) {
      const folder = path.dirname(file);
      parts = { folder, stem: path.join(folder, path.parse(file).name) };
      cache.set(file, parts);
    }
    return parts;
  };
}

/**
 * Ranks keys that match a certificate's public key: a key from the same file first, then one
 * with the same name but another extension (`client.crt` and `client.key`), then one from the
 * same folder. File names only break ties, because pairing itself is by public key.
 */
function pairingRank(certificate: FileParts & { file: string }, key: FileParts & { file: string }) {
  if (key.file === certificate.file) return 0;
  if (key.stem === certificate.stem) return 1;
  if (key.folder === certificate.folder) return 2;
  return 3;
}

/**
 * Pairs certificates and private keys whose SubjectPublicKeyInfo hashes are equal. It sets each
 * key's `certificateIds` and each certificate's `keyId`, choosing by {@link pairingRank} when
 * several keys match, and the first of them in `keys` order among equal ranks.
 */
export function pairByPublicKey(certificates: ScannedCertificate[], keys: ScannedKey[]): void {
  const partsOf = filePartsCache();
  const keysByHash = new Map<string, ScannedKey[]>();
  for (const key of keys) {
    key.certificateIds = [];
    const sameHash = keysByHash.get(key.publicKeySha256) ?? [];
    sameHash.push(key);
    keysByHash.set(key.publicKeySha256, sameHash);
  }
  for (const certificate of certificates) {
    const matches = keysByHash.get(certificate.publicKeySha256) ?? [];
    const certificateParts = { file: certificate.file, ...partsOf(certificate.file) };
    let best: { key: ScannedKey; rank: number } | undefined;
    for (const key of matches) {
      key.certificateIds.push(certificate.id);
      const rank = pairingRank(certificateParts, { file: key.file, ...partsOf(key.file) });
      if (!best || rank < best.rank) best = { key, rank };
    }
    certificate.keyId = best?.key.id;
  }
}

function byPosition(
  a: { file: string; blockIndex?: number },
  b: { file: string; blockIndex?: number },
): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.blockIndex ?? 0) - (b.blockIndex ?? 0);
}

/** Sorts the entries by file and position, so results do not depend on read timing. */
function sortScan(scan: CertificateScan): void {
  scan.certificates.sort(byPosition);
  scan.keys.sort(byPosition);
  scan.encrypted.sort(byPosition);
  scan.problems.sort(byPosition);
}

function createState(options: CertificateScanOptions): ScanState {
  const now = options.now ?? new Date();
  return {
    options,
    maxProblems: options.maxProblems ?? DEFAULT_MAX_PROBLEMS,
    now,
    scan: {
      certificates: [],
      keys: [],
      encrypted: [],
      problems: [],
      counts: {
        files: 0,
        filesWithEntries: 0,
        problems: {
          tooLarge: 0,
          unreadable: 0,
          noCertificate: 0,
          invalid: 0,
          passphraseIncorrect: 0,
        },
        problemsNotListed: 0,
      },
      checkedAt: now.toISOString(),
    },
    passphraseQueue: Promise.resolve(),
  };
}

/**
 * Finds the certificates and private keys in `files` and pairs them by public key. Files are
 * recognized by content: PEM text with any number of blocks, DER, or PKCS#12 for `.p12` and
 * `.pfx`. A few files are read at a time, and the scan yields to the event loop after each
 * file. Skipped files are only counted, and at most `maxProblems` problems are listed, so memory
 * does not grow with the number of files that hold no certificate.
 *
 * @example
 * const scan = await scanCertificateFiles(walkForCertificateFiles(root), { signal });
 * for (const certificate of scan.certificates) console.log(certificate.subject, certificate.keyId);
 * @throws ExplorerError `ABORTED` when `signal` aborts. Errors thrown by the `files` iterator or
 *   by `passphraseFor` are passed on.
 */
export async function scanCertificateFiles(
  files: Iterable<string> | AsyncIterable<string>,
  options: CertificateScanOptions = {},
): Promise<CertificateScan> {
  const { signal } = options;
  throwIfAborted(signal);
  const state = createState(options);
  const queue = fileQueue(files);

  const worker = async (): Promise<void> => {
    for (;;) {
      throwIfAborted(signal);
      const file = await queue.next();
      if (file === undefined) return;
      state.scan.counts.files++;
      await scanFile(state, file);
      options.onProgress?.(state.scan.counts);
      // Parsing and decryption are synchronous, so other work gets a turn between files.
      await yieldToEventLoop();
    }
  };

  try {
    const workers = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    await queue.close();
  }

  sortScan(state.scan);
  pairByPublicKey(state.scan.certificates, state.scan.keys);
  return state.scan;
}

/**
 * Decrypts an encrypted entry of `scan` with `passphrase`, reading its file again, and returns
 * a new scan in which the entry is replaced by the keys and certificates it contained, paired
 * again. `scan` itself is not changed.
 *
 * @throws ExplorerError `KEY_PASSPHRASE_INCORRECT` for a wrong passphrase (its hint gives the
 *   openssl command that tests a passphrase), `INVALID_INPUT` for an unknown entry or a file
 *   that cannot be read.
 */
export async function unlockEncryptedEntry(
  scan: CertificateScan,
  id: string,
  passphrase: string,
  options: CertificateReadOptions = {},
): Promise<CertificateScan> {
  const entry = scan.encrypted.find((candidate) => candidate.id === id);
  if (!entry) {
    throw new ExplorerError('INVALID_INPUT', `The scan has no encrypted entry ${id}.`, {
      hint: 'Scan the workspace again.',
      detail: { id },
    });
  }

  const bytes = await readCertificateFile(entry.file, options);
  const opened = await openEncryptedEntry(entry, bytes, passphrase, new Date(scan.checkedAt));
  const certificates = [...scan.certificates, ...opened.certificates].map((item) => ({ ...item }));
  const keys = [...scan.keys, ...opened.keys].map((item) => ({ ...item }));
  const unlocked = {
    ...scan,
    certificates,
    keys,
    encrypted: scan.encrypted.filter((candidate) => candidate !== entry),
  };
  sortScan(unlocked);
  pairByPublicKey(unlocked.certificates, unlocked.keys);
  return unlocked;
}
