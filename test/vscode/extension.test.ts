import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ExplorerApi } from '../../src/extension';
import type { ServerTreeNode } from '../../src/ui/tree/nodes';
import type { TestServerDescription } from './testServerDescription';

const EXTENSION_ID = 'oauth-explorer.oauth-explorer';

function testServer(): TestServerDescription {
  const text = process.env.OAUTH_EXPLORER_TEST_SERVER;
  assert.ok(
    text,
    'OAUTH_EXPLORER_TEST_SERVER is not set; run the suite through test/vscode/run.ts',
  );
  return JSON.parse(text) as TestServerDescription;
}

async function api(): Promise<ExplorerApi> {
  const extension = vscode.extensions.getExtension<ExplorerApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  return extension.activate();
}

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

async function childrenOf(explorer: ExplorerApi, node?: ServerTreeNode): Promise<ServerTreeNode[]> {
  return (await explorer.tree.getChildren(node)) ?? [];
}

/** Waits until the tree shows loaded endpoints for the first server, or fails after the timeout. */
async function loadedEndpoints(explorer: ExplorerApi): Promise<vscode.TreeItem[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [server] = await childrenOf(explorer);
    assert.ok(server, 'no server in the tree');
    const groups = await childrenOf(explorer, server);
    const endpoints = groups.find((node) => node.kind === 'endpoints')!;
    const children = await childrenOf(explorer, endpoints);
    if (children.every((child) => child.kind === 'endpoint') && children.length > 0) {
      return children.map((child) => explorer.tree.getTreeItem(child) as vscode.TreeItem);
    }
    if (Date.now() > deadline)
      throw new Error(`endpoints never loaded: ${JSON.stringify(children.map((c) => c.kind))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function defineExtensionTests(): void {
  describe('OAuth Explorer in VS Code', () => {
    let explorer: ExplorerApi;
    let serverId: string;

    before(async () => {
      explorer = await api();
    });

    it('contributes its commands', async () => {
      const commands = await vscode.commands.getCommands(true);
      for (const command of [
        'oauthExplorer.addServer',
        'oauthExplorer.runClientCredentials',
        'oauthExplorer.openInspector',
      ]) {
        assert.ok(commands.includes(command), `${command} is missing`);
      }
    });

    it('adds the test server through its command', async () => {
      const server = testServer();
      const id = await vscode.commands.executeCommand<string>('oauthExplorer.addServer', {
        issuer: server.issuer,
        label: 'Test server',
        extraCaFiles: [server.caFile],
        clients: [
          {
            client_id: server.tlsClient.clientId,
            token_endpoint_auth_method: 'tls_client_auth',
            certificateFile: server.tlsClient.certificateFile,
            keyFile: server.tlsClient.keyFile,
            use_mtls_endpoint_aliases: true,
          },
          {
            client_id: server.secretClient.clientId,
            token_endpoint_auth_method: 'client_secret_basic',
            clientSecret: server.secretClient.clientSecret,
          },
        ],
      });
      assert.ok(id);
      serverId = id;
      assert.equal(explorer.store.get(id)?.config.issuer, server.issuer);
    });

    it('writes the configuration file without secrets', async () => {
      const uri = explorer.store.configFileUri();
      assert.ok(uri);
      const text = await readFile(uri.fsPath, 'utf8');
      assert.ok(text.includes(testServer().issuer));
      assert.ok(!text.includes(testServer().secretClient.clientSecret));
    });

    it('shows the endpoints with aliases in the tree', async () => {
      const items = await loadedEndpoints(explorer);
      const token = items.find((item) => labelOf(item) === 'token_endpoint');
      assert.ok(token, 'token_endpoint is not in the tree');
      assert.match(String(token.description), /^alias · /);
      assert.equal(token.contextValue, 'endpoint:alias');
      const authorization = items.find((item) => labelOf(item) === 'authorization_endpoint');
      assert.equal(authorization?.contextValue, 'endpoint:plain');
    });

    it('runs client credentials into a recorded run', async () => {
      const server = testServer();
      const run = await vscode.commands.executeCommand<{
        status: string;
        tokens: { label: string; binding?: { status: string } }[];
        exchanges: { url: string; endpoint: string }[];
      }>('oauthExplorer.runClientCredentials', { serverId, client_id: server.tlsClient.clientId });
      assert.equal(run.status, 'done');
      const token = run.exchanges.find((exchange) => exchange.endpoint === 'token_endpoint');
      assert.ok(token?.url.startsWith(server.mtlsOrigin));
      const accessToken = run.tokens.find((entry) => entry.label === 'access_token');
      assert.equal(accessToken?.binding?.status, 'match');
    });

    it('keeps the client secret out of runs', async () => {
      const server = testServer();
      const run = await vscode.commands.executeCommand<object>(
        'oauthExplorer.runClientCredentials',
        {
          serverId,
          client_id: server.secretClient.clientId,
        },
      );
      assert.ok(!JSON.stringify(run).includes(server.secretClient.clientSecret));
    });
  });
}
