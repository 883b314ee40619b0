import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { renderInspectorHtml } from '../shared/inspectorHtml';
import {
  parseWebviewMessage,
  type HostMessage,
  type WebviewMessage,
} from '../shared/inspectorProtocol';
import { Commands, Views } from './constants';
import { loadEngine } from './engineLoader';
import type { Log } from './log';
import type { RunRegistry } from './runs';

/**
 * The Flow Inspector panel on the host side: one panel per window, a fresh CSP nonce per render,
 * resources only from the bundle and media folders, and every incoming message validated.
 */
export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;
  private ready = false;
  private selectedRunId: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  static show(
    extensionUri: vscode.Uri,
    runs: RunRegistry,
    log: Log,
    runId?: string,
  ): InspectorPanel {
    if (InspectorPanel.current) {
      InspectorPanel.current.panel.reveal(undefined, true);
      if (runId) InspectorPanel.current.select(runId);
      return InspectorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      Views.inspector,
      'Flow Inspector',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      InspectorPanel.options(extensionUri),
    );
    InspectorPanel.current = new InspectorPanel(panel, extensionUri, runs, log, runId);
    return InspectorPanel.current;
  }

  /** Re-attaches a panel VS Code restored after a window reload. */
  static revive(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    runs: RunRegistry,
    log: Log,
  ): void {
    InspectorPanel.current?.dispose();
    panel.webview.options = InspectorPanel.options(extensionUri);
    InspectorPanel.current = new InspectorPanel(panel, extensionUri, runs, log);
  }

  static isOpen(): boolean {
    return InspectorPanel.current !== undefined;
  }

  private static options(
    extensionUri: vscode.Uri,
  ): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(extensionUri, 'dist'),
        vscode.Uri.joinPath(extensionUri, 'media'),
      ],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunRegistry,
    private readonly log: Log,
    runId?: string,
  ) {
    this.selectedRunId = runId;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      runs.onEvent((event) => this.post(event)),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    return renderInspectorHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview
        .asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'))
        .toString(),
      styleUri: webview
        .asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'inspector.css'))
        .toString(),
    });
  }

  select(runId: string): void {
    this.selectedRunId = runId;
    this.post({ type: 'selectRun', runId });
  }

  private post(message: HostMessage): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.log.warn('inspector', 'Ignored a malformed message from the inspector webview.');
      return;
    }
    await this.handle(message);
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post({
          type: 'snapshot',
          runs: [...this.runs.all()],
          selectedRunId: this.selectedRunId,
        });
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        void vscode.window.setStatusBarMessage('Copied to the clipboard.', 2000);
        return;
      case 'decodeToken': {
        const engine = await loadEngine();
        try {
          const inspected = await engine.inspectToken('pasted', message.token, undefined);
          this.post({
            type: 'response',
            requestId: message.requestId,
            ok: true,
            result: inspected,
          });
        } catch (error) {
          this.post({
            type: 'response',
            requestId: message.requestId,
            ok: false,
            error: engine.describeError(error),
          });
        }
        return;
      }
      case 'rerun':
        await vscode.commands.executeCommand(Commands.rerun, message.runId);
        return;
      case 'clearRuns':
        this.runs.clear();
        return;
    }
  }

  dispose(): void {
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
  }
}
