import { X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClientConfig } from '../../config/serverConfig';
import type { RunSnapshot } from '../../shared/inspectorProtocol';
import type { RunRegistry } from '../runs';
import type { ServerStore, StoredServer } from '../serverStore';

/** Files larger than this are not offered as certificates or keys. */
const MAX_PEM_BYTES = 256 * 1024;

export async function pickServer(
  store: ServerStore,
  placeHolder: string,
): Promise<StoredServer | undefined> {
  const servers = store.all();
  if (servers.length === 0) {
    void vscode.window.showInformationMessage('No server is configured yet. Add one first.');
    return undefined;
  }
  if (servers.length === 1) return servers[0];
  const picked = await vscode.window.showQuickPick(
    servers.map((server) => ({
      label: server.config.label ?? server.config.issuer,
      description: server.config.label ? server.config.issuer : undefined,
      server,
    })),
    { placeHolder },
  );
  return picked?.server;
}

export async function pickClient(
  server: StoredServer,
  placeHolder: string,
): Promise<ClientConfig | undefined> {
  const clients = server.config.clients;
  if (clients.length === 0) {
    void vscode.window.showInformationMessage(
      `${server.config.issuer} has no client yet. Add one first.`,
    );
    return undefined;
  }
  if (clients.length === 1) return clients[0];
  const picked = await vscode.window.showQuickPick(
    clients.map((client) => ({
      label: client.client_id,
      description: client.token_endpoint_auth_method,
      client,
    })),
    { placeHolder },
  );
  return picked?.client;
}

/** Lets the user pick one of this window's runs, newest first. */
export async function pickRun(
  runs: RunRegistry,
  placeHolder: string,
): Promise<RunSnapshot | undefined> {
  const all = [...runs.all()].reverse();
  if (all.length === 0) {
    void vscode.window.showInformationMessage(
      'No run is recorded in this window yet. Run a flow first.',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    all.map((run) => ({
      label: run.title,
      description: `${run.client_id} · ${run.status} · ${new Date(run.startedAt).toLocaleTimeString()}`,
      detail: run.issuer,
      run,
    })),
    { placeHolder },
  );
  return picked?.run;
}

function describeCertificate(text: string): string | undefined {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  if (!block) return undefined;
  try {
    const certificate = new X509Certificate(block);
    const subject = certificate.subject.split('\n').reverse().join(',');
    const expired = new Date(certificate.validTo) < new Date();
    return `${subject} · ${expired ? 'expired' : 'valid until'} ${new Date(certificate.validTo).toISOString().slice(0, 10)}`;
  } catch {
    return undefined;
  }
}

/**
 * Lets the user pick a PEM file from the workspace (certificates show subject and validity) or
 * browse for one. Returns a workspace-relative path when the file is inside the folder.
 */
export async function pickPemFile(
  store: ServerStore,
  title: string,
  kind: 'certificate' | 'key',
): Promise<string | undefined> {
  const folder = store.folder();
  const pattern = kind === 'certificate' ? '**/*.{pem,crt,cer}' : '**/*.{pem,key}';
  const uris =
    folder && vscode.workspace.isTrusted
      ? await vscode.workspace.findFiles(pattern, undefined, 500)
      : [];
  const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = [];
  for (const uri of uris) {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > MAX_PEM_BYTES) continue;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const isKey = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
    const certificate = describeCertificate(text);
    if (kind === 'key' ? !isKey : !certificate) continue;
    items.push({
      label: vscode.workspace.asRelativePath(uri),
      description:
        kind === 'certificate' ? certificate : /ENCRYPTED/.test(text) ? 'encrypted' : undefined,
      uri,
    });
  }
  items.push({ label: '$(folder-opened) Browse…' });
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: `Choose the ${kind} file`,
  });
  if (!picked) return undefined;
  let uri = picked.uri;
  if (!uri) {
    const chosen = await vscode.window.showOpenDialog({
      title,
      canSelectMany: false,
      defaultUri: folder,
    });
    uri = chosen?.[0];
  }
  if (!uri) return undefined;
  if (folder && uri.fsPath.startsWith(folder.fsPath + path.sep)) {
    return path.relative(folder.fsPath, uri.fsPath);
  }
  return uri.fsPath;
}
