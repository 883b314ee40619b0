import * as vscode from 'vscode';
import type { CurlScript } from '../../engine/curlScript';
import type { RunSnapshot } from '../../shared/inspectorProtocol';
import { loadEngine } from '../engineLoader';
import type { SecretStore } from '../secrets';
import type { ServerStore } from '../serverStore';
import { extraCaCertificateFiles } from '../settings';

async function keyIsEncrypted(file: string, passphraseStored: boolean): Promise<boolean> {
  if (passphraseStored) return true;
  if (!vscode.workspace.isTrusted) return false;
  try {
    const text = new TextDecoder().decode(
      await vscode.workspace.fs.readFile(vscode.Uri.file(file)),
    );
    return /ENCRYPTED/.test(text);
  } catch {
    return false;
  }
}

/**
 * Builds a shell script of curl commands that repeats a run's requests, and opens it in an
 * untitled editor for the user to save. Certificate, key and CA paths come from the run's client
 * and server as configured now; secrets stay environment variables.
 */
export async function exportCurl(
  run: RunSnapshot,
  store: ServerStore,
  secrets: SecretStore,
): Promise<CurlScript & { document: vscode.TextDocument }> {
  if (run.exchanges.length === 0) {
    throw new Error(`The run ${run.title} sent no HTTP request, so there is nothing to export.`);
  }
  const engine = await loadEngine();
  const server = store.get(run.serverId);
  const client = server?.config.clients.find((entry) => entry.client_id === run.client_id);
  const certificateFile =
    client?.certificateFile && server && store.resolvePath(server, client.certificateFile);
  const keyFile = client?.keyFile && server && store.resolvePath(server, client.keyFile);
  const passphraseStored = Boolean(
    server && (await secrets.get(server.config.id, run.client_id, 'keyPassphrase')),
  );
  const caFiles = [
    ...extraCaCertificateFiles(),
    ...(server?.config.extraCaFiles ?? []).map((file) => store.resolvePath(server!, file)),
  ];
  const script = engine.buildCurlScript(run, {
    certificateFile: certificateFile || undefined,
    keyFile: keyFile || undefined,
    keyEncrypted: keyFile ? await keyIsEncrypted(keyFile, passphraseStored) : false,
    caFiles,
  });
  const document = await vscode.workspace.openTextDocument({
    language: 'shellscript',
    content: script.text,
  });
  await vscode.window.showTextDocument(document, { preview: false });
  return { ...script, document };
}
