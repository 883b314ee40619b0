import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import * as vscode from 'vscode';
import type { ExplorerApi } from '../../src/extension';
import { api, childrenOf, itemOf, labelOf, waitFor } from './helpers';

async function writeAndWaitForProblems(explorer: ExplorerApi, text: string): Promise<void> {
  await writeFile(explorer.store.configFileUri()!.fsPath, text);
  await waitFor('the problems of the file', () =>
    explorer.store.text() === text && explorer.store.problems().length > 0 ? true : undefined,
  );
}

export function defineConfigFileTests(): void {
  describe('Invalid configuration file', () => {
    let explorer: ExplorerApi;
    let original: string;

    before(async () => {
      explorer = await api();
      original = await readFile(explorer.store.configFileUri()!.fsPath, 'utf8');
    });

    after(async () => {
      await writeFile(explorer.store.configFileUri()!.fsPath, original);
      await waitFor('the restored file', () =>
        explorer.store.text() === original && explorer.store.problems().length === 0
          ? true
          : undefined,
      );
    });

    it('syntax error shown with its line', async () => {
      const broken = original.replace(/\n\s*\]\n\}\s*$/, '\n  ],,\n}\n');
      assert.notEqual(broken, original, 'the test could not break the file');
      await writeAndWaitForProblems(explorer, broken);
      const problem = explorer.store.problems()[0]!;
      assert.match(problem.message, /^Invalid JSON/);
      assert.equal(problem.line, broken.split('\n').findIndex((line) => line.includes('],,')) + 1);

      const [first] = await childrenOf(explorer);
      assert.equal(first?.kind, 'problem');
      const item = itemOf(explorer, first!);
      assert.equal(item.description, `line ${problem.line}`);
      assert.equal(item.command?.command, 'oauthExplorer.openConfig');
    });

    it('diagnostics point at the line', async () => {
      const problem = explorer.store.problems()[0]!;
      const diagnostics = vscode.languages.getDiagnostics(explorer.store.configFileUri()!);
      assert.equal(diagnostics.length, explorer.store.problems().length);
      assert.equal(diagnostics[0]!.range.start.line, problem.line! - 1);
      assert.equal(diagnostics[0]!.severity, vscode.DiagnosticSeverity.Error);
    });

    it('edit rejected, file untouched', async () => {
      const broken = await readFile(explorer.store.configFileUri()!.fsPath, 'utf8');
      const result = await vscode.commands.executeCommand('oauthExplorer.addServer', {
        id: 'must-not-be-written',
        issuer: 'https://must-not-be-written.example',
        scope: 'workspace',
        loadMetadata: false,
      });
      assert.equal(result, undefined);
      assert.equal(explorer.store.get('must-not-be-written'), undefined);
      assert.equal(await readFile(explorer.store.configFileUri()!.fsPath, 'utf8'), broken);
    });

    it('invalid value shown with its path', async () => {
      const invalid = original.replace('"tls_client_auth"', '"tls_client_authentication"');
      assert.notEqual(invalid, original, 'the test could not change the method');
      await writeAndWaitForProblems(explorer, invalid);
      const problem = explorer.store.problems()[0]!;
      assert.match(problem.path, /^servers\[\d+\]\.clients\[0\]\.token_endpoint_auth_method$/);
      assert.match(problem.message, /"tls_client_authentication" is not one of/);
      const line =
        invalid.split('\n').findIndex((text) => text.includes('tls_client_authentication')) + 1;
      assert.equal(problem.line, line);
      const item = itemOf(explorer, (await childrenOf(explorer))[0]!);
      assert.match(labelOf(item), /token_endpoint_auth_method/);
    });

    it('invalid value blocks UI edits', async () => {
      const invalid = await readFile(explorer.store.configFileUri()!.fsPath, 'utf8');
      const server = explorer.store.all().find((entry) => entry.scope === 'workspace')!;
      await vscode.commands.executeCommand('oauthExplorer.addClient', {
        serverId: server.config.id,
        client: { client_id: 'blocked-client', token_endpoint_auth_method: 'none' },
      });
      assert.equal(await readFile(explorer.store.configFileUri()!.fsPath, 'utf8'), invalid);
    });

    it('open file selects the problem line', async () => {
      const problem = explorer.store.problems()[0]!;
      await vscode.commands.executeCommand('oauthExplorer.openConfig');
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.fsPath, explorer.store.configFileUri()!.fsPath);
      assert.equal(editor?.selection.start.line, problem.line! - 1);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
  });

  describe('Cancelling a hanging request', () => {
    let explorer: ExplorerApi;
    let hanging: Server;
    const sockets: Socket[] = [];
    let issuer: string;

    before(async () => {
      explorer = await api();
      // Accepts TCP connections and never sends a byte, not even the TLS handshake.
      hanging = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      const address = hanging.address();
      assert.ok(address && typeof address === 'object');
      issuer = `https://127.0.0.1:${address.port}`;
      await vscode.commands.executeCommand('oauthExplorer.addServer', {
        id: 'hanging',
        issuer,
        scope: 'user',
        loadMetadata: false,
        clients: [{ client_id: 'hanging-client', token_endpoint_auth_method: 'none' }],
      });
    });

    after(async () => {
      await vscode.commands.executeCommand('oauthExplorer.removeServer', 'hanging');
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hanging.close(resolve));
    });

    it('cancel aborts metadata loading', async () => {
      const cancellation = new vscode.CancellationTokenSource();
      const connected = sockets.length;
      const started = Date.now();
      const result = vscode.commands.executeCommand('oauthExplorer.refreshServer', {
        serverId: 'hanging',
        cancellation: cancellation.token,
      });
      await waitFor('the connection', () => (sockets.length > connected ? true : undefined));
      cancellation.cancel();
      assert.equal(await result, undefined);
      assert.ok(Date.now() - started < 5_000, `cancelling took ${Date.now() - started} ms`);
      const state = explorer.sessions.state('hanging');
      assert.equal(state.status, 'failed');
      assert.match(state.status === 'failed' ? state.message : '', /cancelled/);
    });

    it('cancel aborts a flow', async () => {
      const cancellation = new vscode.CancellationTokenSource();
      const connected = sockets.length;
      const started = Date.now();
      const result = vscode.commands.executeCommand('oauthExplorer.runClientCredentials', {
        serverId: 'hanging',
        client_id: 'hanging-client',
        cancellation: cancellation.token,
      });
      await waitFor('the connection', () => (sockets.length > connected ? true : undefined));
      cancellation.cancel();
      assert.equal(await result, undefined);
      assert.ok(Date.now() - started < 5_000, `cancelling took ${Date.now() - started} ms`);
    });

    it('server node shows the failure', async () => {
      const roots = await childrenOf(explorer);
      const node = roots.find(
        (root) => root.kind === 'server' && root.server.config.id === 'hanging',
      );
      assert.ok(node, 'the hanging server is not in the tree');
      const item = itemOf(explorer, node);
      assert.match(String(item.description), /^failed/);
      assert.equal(item.contextValue, 'server:user');
      const tooltip = item.tooltip as vscode.MarkdownString;
      const text = tooltip.value.replace(/&nbsp;/g, ' ');
      assert.match(text, /Loading the metadata failed at .*cancelled/);
    });
  });
}
