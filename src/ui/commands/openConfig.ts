import * as vscode from 'vscode';
import { entryPath, locatePath } from '../../config/serverConfig';
import type { ServerStore } from '../serverStore';

/** The line or entry to select when the configuration file opens. */
export interface ConfigLocation {
  /** One-based line. */
  line?: number;
  /** A server entry, or one of its clients, to reveal instead of a line. */
  serverId?: string;
  client_id?: string;
  /** A member of that entry, such as `certificateFile`. */
  member?: string;
}

const EMPTY_FILE = '{\n  "servers": []\n}\n';

async function openOrCreate(uri: vscode.Uri): Promise<vscode.TextDocument> {
  try {
    return await vscode.workspace.openTextDocument(uri);
  } catch {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(EMPTY_FILE));
    return vscode.workspace.openTextDocument(uri);
  }
}

function rangeOf(
  document: vscode.TextDocument,
  location: ConfigLocation,
): vscode.Range | undefined {
  const text = document.getText();
  if (location.serverId) {
    const path = entryPath(text, location.serverId, location.client_id);
    const target =
      path &&
      ((location.member && locatePath(text, [...path, location.member])) || locatePath(text, path));
    if (target) {
      return new vscode.Range(
        document.positionAt(target.offset),
        document.positionAt(target.offset + (location.member ? target.length : 0)),
      );
    }
  }
  if (location.line && location.line <= document.lineCount) {
    return document.lineAt(location.line - 1).range;
  }
  return undefined;
}

/**
 * Opens `.vscode/oauth-explorer.json`, creating it with an empty server list when it is missing,
 * and selects the given line or entry. Without a location, the first problem found is selected.
 */
export async function openConfigFile(
  store: ServerStore,
  location?: ConfigLocation,
): Promise<vscode.TextEditor> {
  const uri = store.configFileUri();
  if (!uri)
    throw new Error('Open a folder first: servers are kept in its .vscode/oauth-explorer.json.');
  if (!vscode.workspace.isTrusted) {
    throw new Error(
      `${uri.fsPath} is not opened from the extension in an untrusted workspace. Trust the folder first.`,
    );
  }
  const document = await openOrCreate(uri);
  const range = rangeOf(document, location ?? { line: store.problems()[0]?.line });
  // Passing the selection to showTextDocument, rather than setting it afterwards, keeps VS Code
  // from restoring the cursor of an editor closed earlier over it.
  const editor = await vscode.window.showTextDocument(document, { selection: range });
  if (range) editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
