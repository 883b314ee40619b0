import * as vscode from 'vscode';

/**
 * Reads a text file named in the configuration (certificate, key, CA). Refuses while the
 * workspace is untrusted, because a shared config file could otherwise point the extension at
 * any file on the machine.
 */
export async function readWorkspaceText(file: string, what: string): Promise<string> {
  if (!vscode.workspace.isTrusted) {
    throw new Error(
      `The ${what} ${file} is not read because this workspace is not trusted. Trust the folder to use it.`,
    );
  }
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
  } catch (error) {
    const reason = error instanceof vscode.FileSystemError ? error.code : (error as Error).message;
    throw new Error(
      `The ${what} file ${file} could not be read (${reason}). Check the path in the server's configuration.`,
    );
  }
}
