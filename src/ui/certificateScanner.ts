/**
 * The host side of the inspector's Certificates view: finds certificate files in the workspace,
 * scans them with the engine (loaded on first use), reports progress, unlocks encrypted entries,
 * and converts the result into the webview's `CertificateScanView`. The engine is imported as
 * types only and the panel passes in the calls that need VS Code, so tests run it in plain Node.
 */
import * as path from 'node:path';
import type * as Engine from '../engine';
import type { CertificateScan, ScanProblem } from '../engine/certificateScan';
import type { ExplorerError } from '../engine/errors';
import type {
  CertificateScanStatus,
  CertificateScanView,
  ErrorView,
} from '../shared/inspectorProtocol';

/** Maximum number of files one scan reads. A larger workspace is scanned in part, marked `truncated`. */
export const MAX_SCANNED_FILES = 5000;

/** Shortest time between two progress messages, so a fast scan does not flood the webview. */
const PROGRESS_INTERVAL_MS = 100;

/** Folders that are never scanned, in addition to the user's `files.exclude`. */
const ALWAYS_EXCLUDED = ['**/node_modules/**', '**/.git/**'];

/** The VS Code calls the scanner makes, passed in so tests can replace them with plain functions. */
export interface ScanEnvironment {
  /** Lists candidate files (absolute paths), at most `maxResults`; stops when `signal` aborts. */
  findFiles(maxResults: number, signal: AbortSignal): Promise<string[]>;
  /** Returns the passphrase kept in SecretStorage for a file, if any. */
  storedPassphrase(file: string): Promise<string | undefined>;
}

/** Expands one level of `{a,b}` in a glob, because the combined exclude glob is itself a group. */
function expandBraces(glob: string): string[] {
  const match = /\{([^{}]*)\}/.exec(glob);
  if (!match) return [glob];
  const before = glob.slice(0, match.index);
  const after = glob.slice(match.index + match[0].length);
  return match[1]!.split(',').flatMap((choice) => expandBraces(`${before}${choice}${after}`));
}

/**
 * Builds the exclude glob for `vscode.workspace.findFiles` from the `files.exclude` setting plus
 * `node_modules` and `.git`. An explicit exclude replaces VS Code's default one, so the enabled
 * `files.exclude` patterns are copied in. Patterns with a `when` condition are left out, because
 * a glob cannot express them.
 */
export function excludeGlob(filesExclude: Record<string, unknown> | undefined): string {
  const patterns = new Set(ALWAYS_EXCLUDED);
  for (const [pattern, enabled] of Object.entries(filesExclude ?? {})) {
    if (enabled !== true) continue;
    for (const expanded of expandBraces(pattern)) patterns.add(expanded.replace(/,/g, '\\,'));
  }
  return `{${[...patterns].join(',')}}`;
}

export function errorView(error: ExplorerError | Error): ErrorView {
  const view: ErrorView = {
    code: 'code' in error && typeof error.code === 'string' ? error.code : 'ERROR',
    message: error.message,
  };
  const hint = (error as { hint?: unknown }).hint;
  if (typeof hint === 'string') view.hint = hint;
  return view;
}

function problemView(problem: ScanProblem): CertificateScanView['problems'][number] {
  const view: CertificateScanView['problems'][number] = {
    kind: problem.kind,
    file: problem.file,
    error: errorView(problem.error),
  };
  if (problem.blockIndex !== undefined) view.blockIndex = problem.blockIndex;
  return view;
}

/**
 * Converts an engine scan to what the webview gets: errors flattened to code, message and hint,
 * because VS Code sends webview messages as JSON, which drops an Error's non-enumerable message.
 * The scan contains no key material, only public facts about keys (type, size, public key hash).
 */
export function toScanView(
  scan: CertificateScan,
  truncated: boolean,
  storedFiles: ReadonlySet<string> = new Set(),
): CertificateScanView {
  return {
    certificates: scan.certificates.map((certificate) => ({ ...certificate })),
    keys: scan.keys.map((key) => ({ ...key })),
    encrypted: scan.encrypted.map(({ error, ...entry }) => ({
      ...entry,
      ...(error ? { error: errorView(error) } : {}),
      ...(storedFiles.has(entry.file) ? { passphraseStored: true } : {}),
    })),
    problems: scan.problems.map(problemView),
    counts: structuredClone(scan.counts),
    checkedAt: scan.checkedAt,
    truncated,
  };
}

/** Runs workspace scans one at a time and keeps the last result for unlocking and selection. */
export class CertificateScanner {
  private scan: CertificateScan | undefined;
  private truncated = false;
  private controller: AbortController | undefined;
  /** Files whose stored passphrase was tried during the last scan. */
  private readonly storedFiles = new Set<string>();

  constructor(
    private readonly environment: ScanEnvironment,
    private readonly loadEngine: () => Promise<typeof Engine>,
    private readonly report: (status: CertificateScanStatus) => void,
  ) {}

  /** The last finished scan, if any. */
  get current(): CertificateScan | undefined {
    return this.scan;
  }

  /**
   * Scans the workspace, cancelling a scan that is still running. Reports `scanning` with counts
   * while it runs, then `done` or `failed`. A cancelled scan reports nothing more.
   */
  async rescan(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const { signal } = controller;
    this.report({ state: 'scanning', filesRead: 0 });
    try {
      const files = await this.environment.findFiles(MAX_SCANNED_FILES + 1, signal);
      const truncated = files.length > MAX_SCANNED_FILES;
      const listed = files.slice(0, MAX_SCANNED_FILES);
      const engine = await this.loadEngine();
      let lastReport = 0;
      this.storedFiles.clear();
      const scan = await engine.scanCertificateFiles(listed, {
        signal,
        passphraseFor: (request) => this.storedPassphraseFor(request.file),
        onProgress: (counts) => {
          const now = Date.now();
          if (now - lastReport < PROGRESS_INTERVAL_MS) return;
          lastReport = now;
          this.report({ state: 'scanning', filesFound: listed.length, filesRead: counts.files });
        },
      });
      if (signal.aborted) return;
      this.scan = scan;
      this.truncated = truncated;
      this.report({ state: 'done', scan: this.view() });
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      this.report({ state: 'failed', message: `The certificate scan failed: ${message}` });
    } finally {
      if (this.controller === controller) this.controller = undefined;
    }
  }

  private async storedPassphraseFor(file: string): Promise<string | undefined> {
    const passphrase = await this.environment.storedPassphrase(file);
    if (passphrase !== undefined) this.storedFiles.add(file);
    return passphrase;
  }

  /** Returns the current scan as the webview gets it. */
  view(): CertificateScanView {
    if (!this.scan) throw new Error('No certificate scan has finished yet.');
    return toScanView(this.scan, this.truncated, this.storedFiles);
  }

  /** Stops a running scan; it then reports nothing more. */
  cancel(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  encryptedEntry(entryId: string) {
    return this.scan?.encrypted.find((entry) => entry.id === entryId);
  }

  certificate(certificateId: string) {
    return this.scan?.certificates.find((certificate) => certificate.id === certificateId);
  }

  /** Returns the private key paired with a certificate of the current scan. */
  keyFor(certificateId: string) {
    const keyId = this.certificate(certificateId)?.keyId;
    return keyId === undefined ? undefined : this.scan?.keys.find((key) => key.id === keyId);
  }

  /**
   * Opens an encrypted entry with a passphrase and reports the new scan.
   *
   * @throws ExplorerError `KEY_PASSPHRASE_INCORRECT` for a wrong passphrase, `INVALID_INPUT` when
   *   the entry is not in the current scan or its file cannot be read.
   */
  async unlock(entryId: string, passphrase: string): Promise<void> {
    const scan = this.scan;
    if (!scan) throw new Error('No certificate scan has finished yet. Scan the workspace first.');
    const engine = await this.loadEngine();
    this.scan = await engine.unlockEncryptedEntry(scan, entryId, passphrase);
    this.report({ state: 'done', scan: this.view() });
  }
}

/** Returns a short path for messages: relative to `root` when the file is inside it. */
export function displayPath(file: string, root: string | undefined): string {
  if (root && file.startsWith(root + path.sep)) return path.relative(root, file);
  return file;
}
