import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ExplorerApi } from '../../src/extension';
import type { RunSnapshot } from '../../src/shared/inspectorProtocol';
import type { ServerTreeNode } from '../../src/ui/tree/nodes';
import { completeAuthorization } from '../server/interaction';
import {
  api,
  childrenOf,
  groupNode,
  itemOf,
  labelOf,
  readLogChannel,
  serverNode,
  testServer,
  waitFor,
} from './helpers';

const SERVER_ID = 'workflow';

/** Plays the browser for the authorization code flow, through the test server's login pages. */
function headlessBrowser(caFile: string) {
  return async (authorizationUrl: string): Promise<void> => {
    const ca = await readFile(caFile);
    const response = await completeAuthorization(authorizationUrl, { ca });
    if (response.delivery === 'form_post') {
      await fetch(response.url, { method: 'POST', body: new URLSearchParams(response.parameters) });
    } else {
      await fetch(response.url);
    }
  };
}

async function configText(explorer: ExplorerApi): Promise<string> {
  return readFile(explorer.store.configFileUri()!.fsPath, 'utf8');
}

/** Writes the configuration file as a person would, and waits until the store has read it. */
async function handEdit(explorer: ExplorerApi, text: string): Promise<void> {
  const loaded = new Promise<void>((resolve) => {
    const subscription = explorer.store.onDidChange(() => {
      if (explorer.store.text() === text) {
        subscription.dispose();
        resolve();
      }
    });
  });
  await writeFile(explorer.store.configFileUri()!.fsPath, text);
  await Promise.race([
    loaded,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('the file watcher did not reload the file')), 10_000),
    ),
  ]);
}

async function clientNodes(explorer: ExplorerApi): Promise<ServerTreeNode[]> {
  return childrenOf(explorer, await groupNode(explorer, SERVER_ID, 'clients'));
}

function tokenOf(run: RunSnapshot, label: string): string {
  const token = run.tokens.find((entry) => entry.label === label);
  assert.ok(token, `${run.title} returned no ${label}`);
  return token.token;
}

export function defineWorkflowTests(): void {
  describe('Servers view workflow', () => {
    let explorer: ExplorerApi;
    let clientCredentialsRun: RunSnapshot;
    let codeRun: RunSnapshot;
    let refreshToken: string;
    let refreshRun: RunSnapshot;

    before(async () => {
      explorer = await api();
    });

    it('adds a server with two clients', async () => {
      const server = testServer();
      const id = await vscode.commands.executeCommand<string>('oauthExplorer.addServer', {
        id: SERVER_ID,
        issuer: server.issuer,
        label: 'Workflow server',
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
      assert.equal(id, SERVER_ID);
      const file = JSON.parse(await configText(explorer)) as {
        servers: { id?: string; clients: Record<string, unknown>[] }[];
      };
      const entry = file.servers.find((candidate) => candidate.id === SERVER_ID);
      assert.ok(entry, 'the server is not in the file');
      assert.equal(entry.clients.length, 2);
      assert.ok(!('clientSecret' in entry.clients[1]!), 'the client secret was written');
    });

    it('server node shows load state and hints', async () => {
      await waitFor('metadata', () =>
        explorer.sessions.state(SERVER_ID).status === 'loaded' ? true : undefined,
      );
      const item = itemOf(explorer, await serverNode(explorer, SERVER_ID));
      assert.equal(labelOf(item), 'Workflow server');
      assert.match(String(item.description), /^loaded \d/);
      assert.match(String(item.description), /mTLS aliases/);
      assert.equal(item.contextValue, 'server:workspace');
      const state = explorer.sessions.state(SERVER_ID);
      assert.equal(state.status, 'loaded');
      if (
        state.status === 'loaded' &&
        state.result.metadata.tls_client_certificate_bound_access_tokens
      ) {
        assert.match(String(item.description), /bound tokens/);
      }
    });

    it('client node shows certificate subject', async () => {
      const server = testServer();
      const description = await waitFor('the certificate subject', async () => {
        const nodes = await clientNodes(explorer);
        const node = nodes.find(
          (entry) =>
            entry.kind === 'client' && entry.client.client_id === server.tlsClient.clientId,
        )!;
        const text = String(itemOf(explorer, node).description);
        return /CN=/.test(text) ? text : undefined;
      });
      assert.match(description, /^tls_client_auth · /);
      assert.match(description, /until \d{4}-\d{2}-\d{2}/);
      const secret = (await clientNodes(explorer)).find(
        (entry) =>
          entry.kind === 'client' && entry.client.client_id === server.secretClient.clientId,
      )!;
      assert.equal(itemOf(explorer, secret).contextValue, 'client:plain');
    });

    it('endpoint shows plain and alias URLs', async () => {
      const server = testServer();
      const endpoints = await childrenOf(
        explorer,
        await groupNode(explorer, SERVER_ID, 'endpoints'),
      );
      const token = endpoints.find((node) => labelOf(itemOf(explorer, node)) === 'token_endpoint');
      assert.ok(token, 'token_endpoint is missing');
      const urls = await childrenOf(explorer, token);
      const items = urls.map((node) => itemOf(explorer, node));
      assert.deepEqual(items.map(labelOf), ['plain', 'mTLS alias']);
      assert.match(String(items[1]!.description), new RegExp(`^${server.mtlsOrigin}.* · used by `));
      assert.doesNotMatch(String(items[0]!.description), /used/);
    });

    it('show endpoints for another client', async () => {
      const server = testServer();
      await vscode.commands.executeCommand('oauthExplorer.showEndpointsFor', {
        serverId: SERVER_ID,
        client_id: server.secretClient.clientId,
      });
      const group = itemOf(explorer, await groupNode(explorer, SERVER_ID, 'endpoints'));
      assert.equal(group.description, `for ${server.secretClient.clientId}`);
      await vscode.commands.executeCommand('oauthExplorer.showEndpointsFor', {
        serverId: SERVER_ID,
        client_id: server.tlsClient.clientId,
      });
    });

    it('metadata reaches every member', async () => {
      const state = explorer.sessions.state(SERVER_ID);
      assert.equal(state.status, 'loaded');
      const metadata = state.status === 'loaded' ? state.result.metadata : {};
      const top = await childrenOf(explorer, await groupNode(explorer, SERVER_ID, 'metadata'));
      assert.equal(top[0]?.kind === 'metadataField' && top[0].name, 'issuer');
      const names: string[] = [];
      for (const node of top) {
        if (node.kind === 'metadataField') names.push(node.name);
        if (node.kind === 'metadataGroup') names.push(...node.names);
      }
      assert.deepEqual([...names].sort(), Object.keys(metadata).sort());
      const aliases = top.find(
        (node) => node.kind === 'metadataField' && node.name === 'mtls_endpoint_aliases',
      );
      assert.ok(aliases, 'mtls_endpoint_aliases is not among the first members');
      assert.ok((await childrenOf(explorer, aliases)).length > 0, 'the aliases do not expand');
    });

    it('hand edit is picked up', async () => {
      const text = await configText(explorer);
      await handEdit(explorer, text.replace('"Workflow server"', '"Edited by hand"'));
      assert.equal(explorer.store.get(SERVER_ID)?.config.label, 'Edited by hand');
      const item = itemOf(explorer, await serverNode(explorer, SERVER_ID));
      assert.equal(labelOf(item), 'Edited by hand');
    });

    it('edit keeps comments and unknown keys', async () => {
      const text = await configText(explorer);
      const annotated = text.replace(
        `"id": "${SERVER_ID}",`,
        `// Shared with the team.\n      "id": "${SERVER_ID}",\n      "x-team-note": "keep me",`,
      );
      assert.notEqual(annotated, text, 'the test could not annotate the file');
      await handEdit(explorer, annotated);
      await vscode.commands.executeCommand('oauthExplorer.editServer', {
        serverId: SERVER_ID,
        changes: { label: 'Workflow server' },
      });
      const edited = await configText(explorer);
      assert.ok(edited.includes('// Shared with the team.'), 'the comment was lost');
      assert.ok(edited.includes('"x-team-note": "keep me"'), 'the unknown key was lost');
      assert.ok(edited.includes('"label": "Workflow server"'));
      assert.equal(edited, annotated.replace('"Edited by hand"', '"Workflow server"'));
    });

    it('adds, edits and removes a client', async () => {
      await vscode.commands.executeCommand('oauthExplorer.addClient', {
        serverId: SERVER_ID,
        client: { client_id: 'extra-client', token_endpoint_auth_method: 'none' },
      });
      assert.ok((await configText(explorer)).includes('"client_id": "extra-client"'));
      const added = (await clientNodes(explorer)).map((node) => labelOf(itemOf(explorer, node)));
      assert.ok(added.includes('extra-client'), `clients in the tree: ${added.join(', ')}`);

      await vscode.commands.executeCommand('oauthExplorer.editClient', {
        serverId: SERVER_ID,
        client_id: 'extra-client',
        changes: { scope: 'openid profile' },
      });
      const edited = explorer.store
        .get(SERVER_ID)!
        .config.clients.find((c) => c.client_id === 'extra-client');
      assert.equal(edited?.scope, 'openid profile');
      assert.ok((await configText(explorer)).includes('"scope": "openid profile"'));

      const removed = await vscode.commands.executeCommand('oauthExplorer.removeClient', {
        serverId: SERVER_ID,
        client_id: 'extra-client',
        confirmed: true,
      });
      assert.equal(removed, true);
      assert.ok(!(await configText(explorer)).includes('extra-client'));
    });

    it('expired certificate shown as a warning', async () => {
      const { expiredCertificate } = testServer();
      await vscode.commands.executeCommand('oauthExplorer.addClient', {
        serverId: SERVER_ID,
        client: {
          client_id: 'expired-client',
          token_endpoint_auth_method: 'tls_client_auth',
          ...expiredCertificate,
        },
      });
      const item = await waitFor('the expired certificate', async () => {
        const node = (await clientNodes(explorer)).find(
          (entry) => entry.kind === 'client' && entry.client.client_id === 'expired-client',
        );
        const candidate = node && itemOf(explorer, node);
        return candidate && /expired/.test(String(candidate.description)) ? candidate : undefined;
      });
      assert.match(String(item.description), /CN=.* · expired \d{4}-\d{2}-\d{2}$/);
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
      const tooltip = (item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ');
      assert.match(tooltip, /Warning: The client certificate expired on/);
      await vscode.commands.executeCommand('oauthExplorer.removeClient', {
        serverId: SERVER_ID,
        client_id: 'expired-client',
        confirmed: true,
      });
    });

    it('select certificate writes both files', async () => {
      const server = testServer();
      await vscode.commands.executeCommand('oauthExplorer.selectCertificate', {
        serverId: SERVER_ID,
        client_id: server.secretClient.clientId,
        certificateFile: server.tlsClient.certificateFile,
        keyFile: server.tlsClient.keyFile,
      });
      const client = explorer.store
        .get(SERVER_ID)!
        .config.clients.find((entry) => entry.client_id === server.secretClient.clientId);
      assert.equal(client?.certificateFile, server.tlsClient.certificateFile);
      assert.equal(client?.keyFile, server.tlsClient.keyFile);
      await vscode.commands.executeCommand('oauthExplorer.editClient', {
        serverId: SERVER_ID,
        client_id: server.secretClient.clientId,
        changes: { certificateFile: undefined, keyFile: undefined },
      });
      const reverted = explorer.store
        .get(SERVER_ID)!
        .config.clients.find((entry) => entry.client_id === server.secretClient.clientId);
      assert.equal(reverted?.certificateFile, undefined);
    });

    it('client credentials run listed under server', async () => {
      const server = testServer();
      clientCredentialsRun = (await vscode.commands.executeCommand<RunSnapshot>(
        'oauthExplorer.runClientCredentials',
        { serverId: SERVER_ID, client_id: server.tlsClient.clientId },
      ))!;
      assert.equal(clientCredentialsRun.status, 'done');
      const runs = await childrenOf(explorer, await groupNode(explorer, SERVER_ID, 'runs'));
      const item = itemOf(explorer, runs[0]!);
      assert.equal(labelOf(item), 'Client credentials');
      assert.match(String(item.description), new RegExp(`^${server.tlsClient.clientId} · done · `));
      assert.equal(item.command?.command, 'oauthExplorer.openInspector');
      assert.deepEqual(item.command?.arguments, [clientCredentialsRun.id]);
    });

    it('client credentials uses the client scope', async () => {
      const server = testServer();
      const client_id = server.tlsClient.clientId;
      await vscode.commands.executeCommand('oauthExplorer.editClient', {
        serverId: SERVER_ID,
        client_id,
        changes: { scope: 'api:read', resource: ['https://api.test.example'] },
      });
      try {
        const run = (await vscode.commands.executeCommand<RunSnapshot>(
          'oauthExplorer.runClientCredentials',
          { serverId: SERVER_ID, client_id, scope: '' },
        ))!;
        assert.equal(run.status, 'done');
        const token = run.exchanges.find((exchange) => exchange.endpoint === 'token_endpoint');
        const sent = new URLSearchParams(token?.request.body?.text ?? '');
        assert.equal(sent.get('scope'), 'api:read');
        assert.equal(sent.get('resource'), 'https://api.test.example');
      } finally {
        await vscode.commands.executeCommand('oauthExplorer.editClient', {
          serverId: SERVER_ID,
          client_id,
          changes: { scope: undefined, resource: undefined },
        });
      }
    });

    it('authorization code with JARM', async () => {
      const server = testServer();
      codeRun = (await vscode.commands.executeCommand<RunSnapshot>(
        'oauthExplorer.runAuthorizationCode',
        {
          serverId: SERVER_ID,
          client_id: server.tlsClient.clientId,
          scope: 'openid offline_access',
          response_mode: 'jwt',
          openUrl: headlessBrowser(server.caFile),
        },
      ))!;
      assert.equal(codeRun.status, 'done', JSON.stringify(codeRun.error));
      assert.ok(codeRun.tokens.some((token) => token.label === 'id_token'));
      const stored = await explorer.secrets.get(
        SERVER_ID,
        server.tlsClient.clientId,
        'refreshToken',
      );
      assert.ok(stored, 'no refresh token was stored');
      refreshToken = stored;
      assert.ok(!JSON.stringify(codeRun).includes(stored), 'the run contains the refresh token');
    });

    it('refresh uses the stored token', async () => {
      const server = testServer();
      const run = await vscode.commands.executeCommand<RunSnapshot>('oauthExplorer.runRefresh', {
        serverId: SERVER_ID,
        client_id: server.tlsClient.clientId,
      });
      assert.equal(run?.status, 'done', JSON.stringify(run?.error));
      refreshRun = run!;
    });

    it('introspection of an access token', async () => {
      const server = testServer();
      const run = await vscode.commands.executeCommand<RunSnapshot>(
        'oauthExplorer.runIntrospection',
        {
          serverId: SERVER_ID,
          client_id: server.tlsClient.clientId,
          // Opaque access tokens can be introspected; the client credentials token is a JWT.
          token: tokenOf(refreshRun, 'access_token'),
          token_type_hint: 'access_token',
        },
      );
      assert.equal(run?.status, 'done', JSON.stringify(run?.error));
      assert.equal(run?.result?.active, true);
      assert.ok(run?.exchanges.some((exchange) => exchange.endpoint === 'introspection_endpoint'));
    });

    it('userinfo with the access token', async () => {
      const server = testServer();
      const run = await vscode.commands.executeCommand<RunSnapshot>('oauthExplorer.runUserInfo', {
        serverId: SERVER_ID,
        client_id: server.tlsClient.clientId,
        token: tokenOf(codeRun, 'access_token'),
      });
      assert.equal(run?.status, 'done', JSON.stringify(run?.error));
      assert.equal(typeof run?.result?.sub, 'string');
    });

    it('decode JWT into a verified run', async () => {
      const idToken = tokenOf(codeRun, 'id_token');
      const run = await vscode.commands.executeCommand<RunSnapshot>(
        'oauthExplorer.decodeJwt',
        `Bearer ${idToken}\n`,
      );
      assert.equal(run?.title, 'Decoded token');
      assert.equal(run?.issuer, testServer().issuer);
      assert.equal(run?.tokens[0]?.verification.status, 'verified');
      assert.equal(explorer.runs.get(run!.id)?.tokens[0]?.token, idToken);
    });

    it('decode rejects text without a JWT', async () => {
      const run = await vscode.commands.executeCommand('oauthExplorer.decodeJwt', 'not a token');
      assert.equal(run, undefined);
    });

    it('copy token from a run', async () => {
      const label = await vscode.commands.executeCommand('oauthExplorer.copyToken', {
        runId: clientCredentialsRun.id,
        label: 'access_token',
      });
      assert.equal(label, 'access_token');
      assert.equal(
        await vscode.env.clipboard.readText(),
        tokenOf(clientCredentialsRun, 'access_token'),
      );
    });

    it('copy refresh token from storage', async () => {
      const server = testServer();
      const label = await vscode.commands.executeCommand('oauthExplorer.copyToken', {
        serverId: SERVER_ID,
        client_id: server.tlsClient.clientId,
        label: 'refresh_token',
      });
      assert.equal(label, 'refresh_token');
      const stored = await explorer.secrets.get(
        SERVER_ID,
        server.tlsClient.clientId,
        'refreshToken',
      );
      assert.ok(stored, 'no refresh token is stored');
      assert.equal(await vscode.env.clipboard.readText(), stored);
    });

    it('export run as curl script', async () => {
      const server = testServer();
      const script = await vscode.commands.executeCommand<{
        text: string;
        secretVariables: string[];
      }>('oauthExplorer.exportCurl', clientCredentialsRun.id);
      assert.ok(script, 'no script was returned');
      assert.match(script.text, /^#!\/bin\/sh/);
      assert.match(script.text, /--cert "\$\{CLIENT_CERTIFICATE\}" --key "\$\{CLIENT_KEY\}"/);
      assert.ok(script.text.includes(`CLIENT_CERTIFICATE:-${server.tlsClient.certificateFile}`));
      assert.ok(script.text.includes(`CA_FILE:-${server.caFile}`));
      assert.ok(
        script.text.includes(`'${server.mtlsOrigin}`),
        'the token request does not go to the alias',
      );
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.languageId, 'shellscript');
      assert.equal(editor?.document.getText(), script.text);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });

    it('exported secret stays a variable', async () => {
      const server = testServer();
      const run = await vscode.commands.executeCommand<RunSnapshot>(
        'oauthExplorer.runClientCredentials',
        {
          serverId: SERVER_ID,
          client_id: server.secretClient.clientId,
        },
      );
      assert.equal(run?.status, 'done', JSON.stringify(run?.error));
      const script = await vscode.commands.executeCommand<{
        text: string;
        secretVariables: string[];
      }>('oauthExplorer.exportCurl', run!.id);
      assert.ok(!script!.text.includes(server.secretClient.clientSecret));
      assert.deepEqual(script!.secretVariables, ['CLIENT_SECRET']);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });

    it('revocation deletes the stored refresh token', async () => {
      const server = testServer();
      const run = await vscode.commands.executeCommand<RunSnapshot>('oauthExplorer.runRevocation', {
        serverId: SERVER_ID,
        client_id: server.tlsClient.clientId,
        useStoredRefreshToken: true,
      });
      assert.equal(run?.status, 'done', JSON.stringify(run?.error));
      const stored = await explorer.secrets.get(
        SERVER_ID,
        server.tlsClient.clientId,
        'refreshToken',
      );
      assert.equal(stored, undefined);
    });

    it('secrets stay out of file and log', async () => {
      const server = testServer();
      const text = await configText(explorer);
      const log = await waitFor('the log file', async () => {
        const content = await readLogChannel(explorer);
        return content.includes('Client credentials finished') ? content : undefined;
      });
      assert.ok(
        !text.includes(server.secretClient.clientSecret),
        'the client secret is in the file',
      );
      assert.ok(!text.includes(refreshToken), 'the refresh token is in the file');
      assert.ok(!log.includes(server.secretClient.clientSecret), 'the client secret is in the log');
      assert.ok(!log.includes(refreshToken), 'the refresh token is in the log');
      assert.ok(log.includes('[flow]'), 'the log has no flow lines');
    });

    it('open configuration at a client', async () => {
      const server = testServer();
      await vscode.commands.executeCommand('oauthExplorer.openConfig', {
        serverId: SERVER_ID,
        client_id: server.secretClient.clientId,
        member: 'token_endpoint_auth_method',
      });
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.fsPath, explorer.store.configFileUri()!.fsPath);
      assert.equal(editor?.document.getText(editor.selection), '"client_secret_basic"');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('refresh all reloads metadata', async () => {
      const before = explorer.sessions.state(SERVER_ID);
      assert.equal(before.status, 'loaded');
      await vscode.commands.executeCommand('oauthExplorer.refreshAll');
      const after = explorer.sessions.state(SERVER_ID);
      assert.equal(after.status, 'loaded');
      assert.ok(
        after.status === 'loaded' && before.status === 'loaded' && after.loadedAt > before.loadedAt,
        'the metadata was not loaded again',
      );
    });
  });
}
