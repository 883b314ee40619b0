import * as vscode from 'vscode';
import type { RunSnapshot } from '../../shared/inspectorProtocol';
import { Commands } from '../constants';
import type { FlowService, RunRequest } from '../flowService';
import { InspectorPanel } from '../inspectorPanel';
import type { Log } from '../log';
import type { RunRegistry } from '../runs';
import type { SecretStore } from '../secrets';
import type { ServerSessions } from '../serverSessions';
import type { ServerStore } from '../serverStore';
import type { ServerTreeNode } from '../tree/nodes';
import type { ServersTreeProvider } from '../tree/serversTree';
import { addServer, type AddServerArgument } from './addServer';
import { pickClient, pickServer } from './pickers';

export interface CommandServices {
  extensionUri: vscode.Uri;
  store: ServerStore;
  sessions: ServerSessions;
  secrets: SecretStore;
  runs: RunRegistry;
  flows: FlowService;
  tree: ServersTreeProvider;
  log: Log;
}

function isTreeNode(value: unknown): value is ServerTreeNode {
  return value !== null && typeof value === 'object' && 'kind' in value && 'server' in value;
}

/** Turns a command argument (a tree node, a request object or nothing) into a run request. */
async function runRequest(
  argument: unknown,
  store: ServerStore,
  action: string,
): Promise<RunRequest | undefined> {
  if (isTreeNode(argument) && argument.kind === 'client') {
    return { serverId: argument.server.config.id, client_id: argument.client.client_id };
  }
  if (
    argument &&
    typeof argument === 'object' &&
    'serverId' in argument &&
    'client_id' in argument
  ) {
    return argument as RunRequest;
  }
  const server = isTreeNode(argument)
    ? argument.server
    : await pickServer(store, `Server to ${action}`);
  if (!server) return undefined;
  const client = await pickClient(server, `Client to ${action} as`);
  return client && { serverId: server.config.id, client_id: client.client_id };
}

async function serverArgument(argument: unknown, store: ServerStore, action: string) {
  if (isTreeNode(argument)) return argument.server;
  if (typeof argument === 'string') return store.get(argument);
  return pickServer(store, `Server to ${action}`);
}

/** Shows a failed run's error with the actions that help for its kind of failure. */
async function reportRun(run: RunSnapshot, services: CommandServices): Promise<void> {
  if (run.status !== 'failed' || !run.error) return;
  const actions = ['Open Inspector', 'Show Log'];
  const configurable = /^(TLS_|KEY_|CERTIFICATE_|CLIENT_AUTHENTICATION)/.test(run.error.code);
  if (configurable) actions.push('Open Configuration');
  const choice = await vscode.window.showErrorMessage(
    `${run.title} failed: ${run.error.message}${run.error.hint ? ` ${run.error.hint}` : ''}`,
    ...actions,
  );
  if (choice === 'Open Inspector')
    InspectorPanel.show(services.extensionUri, services.runs, services.log, run.id);
  if (choice === 'Show Log') services.log.show();
  if (choice === 'Open Configuration') await vscode.commands.executeCommand(Commands.openConfig);
}

/**
 * Wraps a command so that an error becomes a message naming what failed, with the log one click
 * away, and never an unhandled rejection.
 */
function guarded<T>(
  services: CommandServices,
  name: string,
  handler: (...args: unknown[]) => Promise<T>,
) {
  return async (...args: unknown[]): Promise<T | undefined> => {
    try {
      return await handler(...args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      services.log.error('command', `${name}: ${message}`);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
        if (choice) services.log.show();
      });
      return undefined;
    }
  };
}

async function runFlow(
  services: CommandServices,
  argument: unknown,
  action: string,
  start: (request: RunRequest) => Promise<RunSnapshot>,
): Promise<RunSnapshot | undefined> {
  const request = await runRequest(argument, services.store, action);
  if (!request) return undefined;
  InspectorPanel.show(services.extensionUri, services.runs, services.log);
  const run = await start(request);
  InspectorPanel.show(services.extensionUri, services.runs, services.log, run.id);
  void reportRun(run, services);
  return run;
}

export function registerCommands(services: CommandServices): vscode.Disposable[] {
  const { store, sessions, secrets, runs, flows, log } = services;
  const register = (id: string, handler: (...args: unknown[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, guarded(services, id, handler));

  return [
    register(Commands.addServer, (argument) =>
      addServer(argument as AddServerArgument | undefined, store, sessions, secrets),
    ),
    register(Commands.removeServer, async (argument) => {
      const server = await serverArgument(argument, store, 'remove');
      if (!server) return false;
      // Scripts and tests pass the id and have already decided; people confirm.
      const confirmed =
        typeof argument === 'string' ||
        (await vscode.window.showWarningMessage(
          `Remove ${server.config.issuer} and the secrets of its clients?`,
          { modal: true },
          'Remove',
        )) === 'Remove';
      if (!confirmed) return false;
      for (const client of server.config.clients)
        await secrets.deleteClient(server.config.id, client.client_id);
      await store.remove(server.config.id);
      sessions.forget(server.config.id);
      return true;
    }),
    register(Commands.refreshServer, async (argument) => {
      const server = await serverArgument(argument, store, 'refresh');
      if (!server) return undefined;
      return sessions.discover(server);
    }),
    register(Commands.refreshAll, async () => {
      await store.load();
      await Promise.allSettled(store.all().map((server) => sessions.discover(server)));
    }),
    register(Commands.runClientCredentials, (argument) =>
      runFlow(services, argument, 'run client credentials', (request) =>
        flows.runClientCredentials(request),
      ),
    ),
    register(Commands.runAuthorizationCode, (argument) =>
      runFlow(services, argument, 'run the authorization code flow', (request) =>
        flows.runAuthorizationCode(request),
      ),
    ),
    register(Commands.runRefresh, (argument) =>
      runFlow(services, argument, 'refresh tokens', (request) => flows.runRefresh(request)),
    ),
    register(Commands.rerun, async (runId) => {
      if (typeof runId !== 'string') return undefined;
      const run = await flows.rerun(runId);
      void reportRun(run, services);
      return run;
    }),
    register(Commands.openInspector, async (runId) => {
      InspectorPanel.show(
        services.extensionUri,
        runs,
        log,
        typeof runId === 'string' ? runId : undefined,
      );
    }),
    register(Commands.showLog, async () => log.show()),
    register(Commands.openConfig, async () => {
      const uri = store.configFileUri();
      if (!uri)
        throw new Error(
          'Open a folder first: servers are kept in its .vscode/oauth-explorer.json.',
        );
      const document = await vscode.workspace.openTextDocument(uri).then(undefined, async () => {
        await vscode.workspace.fs.writeFile(
          uri,
          new TextEncoder().encode('{\n  "servers": []\n}\n'),
        );
        return vscode.workspace.openTextDocument(uri);
      });
      const editor = await vscode.window.showTextDocument(document);
      const problem = store.problems()[0];
      if (problem?.line) {
        const position = new vscode.Position(problem.line - 1, 0);
        editor.selection = new vscode.Selection(position, position);
        editor.revealRange(new vscode.Range(position, position));
      }
    }),
  ];
}
