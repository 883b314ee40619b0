import * as vscode from 'vscode';
import { ClientProfiles } from './ui/clientProfiles';
import { registerCommands } from './ui/commands/register';
import { ConfigDiagnostics } from './ui/configDiagnostics';
import { ContextKeys, Views } from './ui/constants';
import { FlowService } from './ui/flowService';
import { InspectorPanel } from './ui/inspectorPanel';
import { Log } from './ui/log';
import { RunRegistry } from './ui/runs';
import { SecretStore } from './ui/secrets';
import { ServerSessions } from './ui/serverSessions';
import { ServerStore } from './ui/serverStore';
import { ServersTreeProvider } from './ui/tree/serversTree';

/** The services, returned by `activate` for the extension's own tests. */
export interface ExplorerApi {
  store: ServerStore;
  sessions: ServerSessions;
  runs: RunRegistry;
  flows: FlowService;
  tree: ServersTreeProvider;
  secrets: SecretStore;
  log: Log;
  treeView: vscode.TreeView<unknown>;
  /** The extension's log folder, which contains the log channel's file. */
  logUri: vscode.Uri;
}

const UNTRUSTED_MESSAGE =
  'This workspace is not trusted, so its .vscode/oauth-explorer.json, certificates and keys are not read. Trust the folder to use them.';

function setContext(key: string, value: boolean): void {
  void vscode.commands.executeCommand('setContext', key, value);
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
  const diagnostics = new ConfigDiagnostics(store);
  context.subscriptions.push(
    log,
    store,
    sessions,
    runs,
    tree,
    diagnostics,
    InspectorPanel.attachServices({ store, sessions, secrets, secretStorage: context.secrets }),
  );

  const treeView = vscode.window.createTreeView(Views.servers, {
    treeDataProvider: tree,
    showCollapseAll: true,
  });
  const updateView = () => {
    const servers = store.all();
    setContext(ContextKeys.hasServers, servers.length > 0 || store.problems().length > 0);
    setContext(
      ContextKeys.hasClients,
      servers.some((server) => server.config.clients.length > 0),
    );
    setContext(ContextKeys.hasConfigProblems, store.problems().length > 0);
    // With no servers the untrusted welcome view says this, with buttons; a message would hide it.
    treeView.message =
      vscode.workspace.isTrusted || servers.length === 0 ? undefined : UNTRUSTED_MESSAGE;
  };
  context.subscriptions.push(
    treeView,
    store.onDidChange(updateView),
    runs.onEvent(() => setContext(ContextKeys.hasRuns, runs.all().length > 0)),
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
  // The log channel has its own level, set with "Developer: Set Log Level…" like any other.
  log.info(
    'extension',
    'Activated. The log level of this channel is set with the command "Developer: Set Log Level…" (choose OAuth Explorer).',
  );
  updateView();
  void store.load();
  return { store, sessions, runs, flows, tree, secrets, log, treeView, logUri: context.logUri };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
