import * as vscode from 'vscode';
import type { ScannedCertificate } from '../engine/certificateFile';
import { loadEngine } from './engineLoader';

/** Days before `validTo` from which a client certificate is shown as expiring. */
export const EXPIRY_WARNING_DAYS = 30;

/** The client certificate of a configured client, as the tree shows it. */
export type CertificateInfo =
  | { status: 'loaded'; certificate: ScannedCertificate; daysLeft: number }
  | { status: 'encrypted' }
  | { status: 'failed'; message: string };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Reads the subject and validity of client certificate files for the tree, with the certificate
 * scanner, and caches them by path and modification time. It reads no file while the workspace is
 * untrusted, and never decrypts anything.
 */
export class CertificateInfoCache {
  private readonly settled = new Map<string, { mtime: number; info: CertificateInfo }>();
  private readonly checking = new Set<string>();

  /**
   * Returns the cached information about a certificate file and checks in the background whether
   * the file changed. `onChanged` runs when that check finds different information.
   */
  get(file: string, onChanged: () => void): CertificateInfo | undefined {
    if (!vscode.workspace.isTrusted) return undefined;
    if (!this.checking.has(file)) {
      this.checking.add(file);
      void this.check(file, onChanged).finally(() => this.checking.delete(file));
    }
    return this.settled.get(file)?.info;
  }

  private async check(file: string, onChanged: () => void): Promise<void> {
    let mtime: number;
    let info: CertificateInfo;
    try {
      mtime = (await vscode.workspace.fs.stat(vscode.Uri.file(file))).mtime;
      if (this.settled.get(file)?.mtime === mtime) return;
      info = await read(file);
    } catch (error) {
      mtime = -1;
      info = {
        status: 'failed',
        message: `${file} could not be read: ${(error as Error).message}`,
      };
    }
    const previous = this.settled.get(file)?.info;
    this.settled.set(file, { mtime, info });
    if (JSON.stringify(previous) !== JSON.stringify(info)) onChanged();
  }

  clear(): void {
    this.settled.clear();
  }
}

async function read(file: string): Promise<CertificateInfo> {
  const engine = await loadEngine();
  const scan = await engine.scanCertificateFiles([file]);
  const certificate = scan.certificates.find((entry) => !entry.ca) ?? scan.certificates[0];
  if (certificate) {
    const daysLeft = Math.floor((Date.parse(certificate.validTo) - Date.now()) / DAY_MS);
    return { status: 'loaded', certificate, daysLeft };
  }
  if (scan.encrypted.length > 0) return { status: 'encrypted' };
  const problem = scan.problems[0];
  return {
    status: 'failed',
    message: problem ? problem.error.message : `${file} contains no certificate.`,
  };
}
