import * as vscode from 'vscode';
import { ClientProfiles } from './ui/clientProfiles';
import { registerCommands } from './ui/commands/register';
import { ContextKeys, Views } from './ui/constants';
import { FlowService } from './ui/flowService';
import { InspectorPanel } from './ui/inspectorPanel';
import { Log } from './ui/log';
import { RunRegistry } from './ui/runs';
import { SecretStore } from './ui/secrets';
import { ServerSessions } from './ui/serverSessions';
import { ServerStore } from './ui/serverStore';
import { ServersTreeProvider } from './ui/tree/serversTree';

/** What `activate` returns: the services, for the extension's own tests. */
export interface ExplorerApi {
  store: ServerStore;
  sessions: ServerSessions;
  runs: RunRegistry;
  flows: FlowService;
  tree: ServersTreeProvider;
  secrets: SecretStore;
}

export function activate(context: vscode.ExtensionContext): ExplorerApi {
  const log = new Log();
  const store = new ServerStore(context.globalState, log);
  const sessions = new ServerSessions(store, log);
  const secrets = new SecretStore(context.secrets, log);
  const runs = new RunRegistry();
  const profiles = new ClientProfiles(store, secrets, log);
  const flows = new FlowService(store, sessions, profiles, secrets, runs, log);
  const tree = new ServersTreeProvider(store, sessions, runs);
  context.subscriptions.push(log, store, sessions, runs, tree);

  const treeView = vscode.window.createTreeView(Views.servers, {
    treeDataProvider: tree,
    showCollapseAll: true,
  });
  const updateView = () => {
    void vscode.commands.executeCommand(
      'setContext',
      ContextKeys.hasServers,
      store.all().length > 0,
    );
    treeView.message = vscode.workspace.isTrusted
      ? undefined
      : 'This workspace is not trusted, so its .vscode/oauth-explorer.json, certificates and keys are not read. Trust the folder to use them.';
  };
  context.subscriptions.push(
    treeView,
    store.onDidChange(updateView),
    vscode.workspace.onDidGrantWorkspaceTrust(updateView),
    vscode.window.registerWebviewPanelSerializer(Views.inspector, {
      async deserializeWebviewPanel(panel) {
        InspectorPanel.revive(panel, context.extensionUri, runs, log);
      },
    }),
    ...registerCommands({
      extensionUri: context.extensionUri,
      store,
      sessions,
      secrets,
      runs,
      flows,
      tree,
      log,
    }),
  );
  updateView();
  void store.load();
  return { store, sessions, runs, flows, tree, secrets };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
