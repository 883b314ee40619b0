import { open } from 'node:fs/promises';
import { ExplorerError } from './errors';

/** Default size limit for certificate files: 1 MiB, far above any certificate or key. */
export const DEFAULT_MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;

/**
 * Reads a file for a certificate scan. It returns the content, or `{ size }` without reading
 * when the file is larger than `maxBytes`. A reader that returns more than `maxBytes` bytes
 * anyway still gets the file treated as too large.
 */
export type CertificateFileReader = (
  file: string,
  options: { maxBytes: number; signal?: AbortSignal },
) => Promise<Uint8Array | { size: number }>;

/** Options shared by the calls that read certificate files. */
export interface CertificateReadOptions {
  /** Files larger than this many bytes are not read. Default 1 MiB. */
  maxFileBytes?: number;
  /** Aborts the call, which then rejects with an ExplorerError of code `ABORTED`. */
  signal?: AbortSignal;
  /** Reads files; the default uses `node:fs` and checks the size before reading. */
  readFile?: CertificateFileReader;
}

/** Reads a file through `node:fs`, checking its size before reading it. */
export const readFileWithLimit: CertificateFileReader = async (file, { maxBytes, signal }) => {
  const handle = await open(file, 'r');
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error('it is not a regular file');
    if (stats.size > maxBytes) return { size: stats.size };
    return await handle.readFile({ signal });
  } finally {
    await handle.close();
  }
};

/** Throws an ExplorerError of code `ABORTED` when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ExplorerError('ABORTED', 'The certificate scan was cancelled.', {
      cause: signal.reason,
    });
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function fileTooLargeError(file: string, size: number, maxBytes: number): ExplorerError {
  return new ExplorerError(
    'INVALID_INPUT',
    `${file} (${formatBytes(size)}) is larger than the ${formatBytes(maxBytes)} limit for certificate files, so it was not read.`,
    {
      hint: 'Certificate and key files take a few KiB, so this file probably holds something else.',
      detail: { source: file, size, maxBytes },
    },
  );
}

export function fileUnreadableError(file: string, cause: unknown): ExplorerError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ExplorerError('INVALID_INPUT', `${file} could not be read: ${reason}.`, {
    hint: 'Check that the file exists and that its permissions let you read it.',
    cause,
    detail: { source: file },
  });
}

/** The outcome of reading one file: its bytes, or why it was not read. */
export type ReadOutcome =
  { bytes: Buffer } | { tooLarge: ExplorerError } | { unreadable: ExplorerError };

/**
 * Reads a file with the size limit of `options`. Read failures are returned, not thrown, so a
 * scan can count them.
 *
 * @throws ExplorerError `ABORTED` when the signal aborts.
 */
export async function readWithLimit(
  file: string,
  options: CertificateReadOptions,
): Promise<ReadOutcome> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_CERTIFICATE_FILE_BYTES;
  const readFile = options.readFile ?? readFileWithLimit;
  let content: Uint8Array | { size: number };
  try {
    content = await readFile(file, { maxBytes, signal: options.signal });
  } catch (cause) {
    throwIfAborted(options.signal);
    return { unreadable: fileUnreadableError(file, cause) };
  }
  throwIfAborted(options.signal);

  if (!(content instanceof Uint8Array)) {
    return { tooLarge: fileTooLargeError(file, content.size, maxBytes) };
  }
  if (content.byteLength > maxBytes) {
    return { tooLarge: fileTooLargeError(file, content.byteLength, maxBytes) };
  }
  return { bytes: Buffer.from(content.buffer, content.byteOffset, content.byteLength) };
}

/**
 * Reads a file with the size limit of `options` for a call made after a scan.
 *
 * @throws ExplorerError `INVALID_INPUT` when the file cannot be read or is too large, `ABORTED`
 *   when the signal aborts.
 */
export async function readCertificateFile(
  file: string,
  options: CertificateReadOptions,
): Promise<Buffer> {
  const outcome = await readWithLimit(file, options);
  if ('tooLarge' in outcome) throw outcome.tooLarge;
  if ('unreadable' in outcome) throw outcome.unreadable;
  return outcome.bytes;
}
