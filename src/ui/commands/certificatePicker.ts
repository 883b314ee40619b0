import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ScannedCertificate } from '../../engine/certificateFile';
import type { CertificateScan } from '../../engine/certificateScan';
import { EXPIRY_WARNING_DAYS } from '../certificateInfo';
import { loadEngine } from '../engineLoader';
import type { ServerStore } from '../serverStore';
import { pickPemFile } from './pickers';

/** Files that the scan reads at most; a workspace with more is scanned in part. */
const MAX_SCANNED_FILES = 2000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and key the user chose, with the key's passphrase when they entered one. */
export interface CertificateChoice {
  certificateFile: string;
  keyFile: string;
  passphrase?: string;
}

type Item = vscode.QuickPickItem & {
  certificate?: ScannedCertificate;
  unlock?: string;
  browse?: boolean;
};

/** Returns a path relative to the workspace folder when the file is inside it. */
export function workspaceRelative(store: ServerStore, file: string): string {
  const folder = store.folder();
  if (folder && file.startsWith(folder.fsPath + path.sep))
    return path.relative(folder.fsPath, file);
  return file;
}

function validityText(certificate: ScannedCertificate): { icon: string; text: string } {
  const date = certificate.validTo.slice(0, 10);
  const daysLeft = Math.floor((Date.parse(certificate.validTo) - Date.now()) / DAY_MS);
  if (certificate.validity === 'expired') return { icon: 'error', text: `expired ${date}` };
  if (certificate.validity === 'notYetValid') {
    return { icon: 'warning', text: `not valid before ${certificate.validFrom.slice(0, 10)}` };
  }
  if (daysLeft <= EXPIRY_WARNING_DAYS) {
    return { icon: 'warning', text: `expires ${date}, in ${daysLeft} days` };
  }
  return { icon: 'verified', text: `valid until ${date}` };
}

function certificateItems(store: ServerStore, scan: CertificateScan): Item[] {
  const items: Item[] = [];
  const candidates = scan.certificates.filter((certificate) => !certificate.ca);
  const paired = candidates.filter((certificate) => certificate.keyId);
  const unpaired = candidates.filter((certificate) => !certificate.keyId);
  const describe = (certificate: ScannedCertificate): Item => {
    const validity = validityText(certificate);
    const key = scan.keys.find((entry) => entry.id === certificate.keyId);
    const block = certificate.blockIndex > 0 ? ` #${certificate.blockIndex}` : '';
    return {
      label: `$(${validity.icon}) ${certificate.subject}`,
      description: `${workspaceRelative(store, certificate.file)}${block}`,
      detail: [
        validity.text,
        `issued by ${certificate.selfSigned ? 'itself' : certificate.issuer}`,
        key ? `key: ${workspaceRelative(store, key.file)}` : 'no matching private key found',
        ...certificate.warnings,
      ].join(' · '),
      certificate,
    };
  };
  if (paired.length > 0) {
    items.push({
      label: 'Certificates with their private key',
      kind: vscode.QuickPickItemKind.Separator,
    });
    items.push(...paired.map(describe));
  }
  if (unpaired.length > 0) {
    items.push({
      label: 'Certificates without a private key',
      kind: vscode.QuickPickItemKind.Separator,
    });
    items.push(...unpaired.map(describe));
  }
  if (scan.encrypted.length > 0) {
    items.push({
      label: 'Encrypted keys and PKCS#12 files',
      kind: vscode.QuickPickItemKind.Separator,
    });
    for (const entry of scan.encrypted) {
      items.push({
        label: `$(lock) Unlock ${workspaceRelative(store, entry.file)}…`,
        description: entry.error ? 'the last passphrase was incorrect' : entry.encryption,
        detail: 'Enter its passphrase to see which certificate its key belongs to.',
        unlock: entry.id,
      });
    }
  }
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(folder-opened) Choose files…', browse: true });
  return items;
}

async function scanWorkspace(signal: AbortSignal): Promise<CertificateScan> {
  const engine = await loadEngine();
  // Passing no exclude pattern applies files.exclude, as the user expects of a workspace search.
  const uris = await vscode.workspace.findFiles(
    engine.CERTIFICATE_FILE_GLOB,
    undefined,
    MAX_SCANNED_FILES,
  );
  return engine.scanCertificateFiles(
    uris.map((uri) => uri.fsPath),
    { signal },
  );
}

async function browse(store: ServerStore): Promise<CertificateChoice | undefined> {
  const certificateFile = await pickPemFile(store, 'Client certificate', 'certificate');
  if (!certificateFile) return undefined;
  const keyFile = await pickPemFile(store, 'Private key of the certificate', 'key');
  return keyFile ? { certificateFile, keyFile } : undefined;
}

/**
 * Scans the workspace for certificates and keys (files.exclude applies), pairs them by public
 * key, and lets the user pick a certificate with its key. Encrypted keys can be unlocked from the
 * list; the passphrase entered is returned so the caller can keep it in SecretStorage.
 */
export async function pickCertificateAndKey(
  store: ServerStore,
  title: string,
): Promise<CertificateChoice | undefined> {
  if (!vscode.workspace.isTrusted) {
    throw new Error(
      'Certificates and keys are not read in an untrusted workspace. Trust the folder first.',
    );
  }
  let scan = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Scanning the workspace for certificates and keys',
      cancellable: true,
    },
    async (_progress, cancellation) => {
      const abort = new AbortController();
      const subscription = cancellation.onCancellationRequested(() => abort.abort());
      try {
        return await scanWorkspace(abort.signal);
      } finally {
        subscription.dispose();
      }
    },
  );
  const passphrases = new Map<string, string>();
  for (;;) {
    const picked = await vscode.window.showQuickPick(certificateItems(store, scan), {
      title,
      placeHolder: `${scan.certificates.length} certificates and ${scan.keys.length} keys in ${scan.counts.files} files`,
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    if (picked.browse) return browse(store);
    if (picked.unlock) {
      scan = await unlock(scan, picked.unlock, passphrases);
      continue;
    }
    const certificate = picked.certificate!;
    const key = scan.keys.find((entry) => entry.id === certificate.keyId);
    if (!key) {
      const keyFile = await pickPemFile(store, `Private key of ${certificate.subject}`, 'key');
      return keyFile
        ? { certificateFile: workspaceRelative(store, certificate.file), keyFile }
        : undefined;
    }
    return {
      certificateFile: workspaceRelative(store, certificate.file),
      keyFile: workspaceRelative(store, key.file),
      passphrase: passphrases.get(key.id) ?? passphrases.get(key.file),
    };
  }
}

async function unlock(
  scan: CertificateScan,
  entryId: string,
  passphrases: Map<string, string>,
): Promise<CertificateScan> {
  const engine = await loadEngine();
  const entry = scan.encrypted.find((candidate) => candidate.id === entryId)!;
  const passphrase = await vscode.window.showInputBox({
    title: `Passphrase of ${entry.file}`,
    prompt: 'Used to read the key now, and kept in VS Code secret storage if you choose this key.',
    password: true,
    ignoreFocusOut: true,
  });
  if (passphrase === undefined) return scan;
  try {
    const unlocked = await engine.unlockEncryptedEntry(scan, entryId, passphrase);
    passphrases.set(entry.id, passphrase);
    passphrases.set(entry.file, passphrase);
    return unlocked;
  } catch (error) {
    void vscode.window.showErrorMessage(engine.describeError(error));
    return scan;
  }
}
