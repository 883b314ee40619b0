import * as vscode from 'vscode';
import type { ServerStore } from './serverStore';

/**
 * Shows the problems of `.vscode/oauth-explorer.json` in the Problems panel and as squiggles in
 * the file, at the value at fault, and updates them whenever the store loads the file.
 */
export class ConfigDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('oauth-explorer');
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ServerStore) {
    this.subscription = store.onDidChange(() => this.update());
  }

  private update(): void {
    this.collection.clear();
    const uri = this.store.configFileUri();
    const text = this.store.text();
    if (!uri || text === undefined) return;
    const diagnostics = this.store.problems().map((problem) => {
      const start = positionAt(text, problem.offset ?? 0);
      const end = positionAt(text, (problem.offset ?? 0) + Math.max(problem.length ?? 1, 1));
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(start, end),
        problem.path ? `${problem.path}: ${problem.message}` : problem.message,
        problem.severity === 'error'
          ? vscode.DiagnosticSeverity.Error
          : vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'OAuth Explorer';
      return diagnostic;
    });
    this.collection.set(uri, diagnostics);
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
  }
}

/** Converts an offset into a position without a TextDocument, counting \n as the line break. */
function positionAt(text: string, offset: number): vscode.Position {
  const before = text.slice(0, Math.min(offset, text.length));
  const lines = before.split('\n');
  return new vscode.Position(lines.length - 1, lines[lines.length - 1]!.length);
}
