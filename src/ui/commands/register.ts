import * as vscode from 'vscode';
import type { RunSnapshot } from '../../shared/inspectorProtocol';
import { Commands } from '../constants';
import type { FlowService, RunRequest } from '../flowService';
import { InspectorPanel } from '../inspectorPanel';
import type { Log } from '../log';
import { isCancellationToken, withCancellableProgress } from '../progress';
import type { RunRegistry } from '../runs';
import type { SecretStore } from '../secrets';
import type { ServerSessions } from '../serverSessions';
import type { ServerStore, StoredServer } from '../serverStore';
import type { ServersTreeProvider } from '../tree/serversTree';
import { addServer, editServer, type AddServerArgument } from './addServer';
import { clientArgument, isTreeNode, runArgument, serverArgument } from './arguments';
import { addClient, editClient, selectCertificate } from './clientCommands';
import { actionsFor } from './errors';
import { guarded } from './errors';
import { exportCurl } from './exportCurl';
import { openConfigFile, type ConfigLocation } from './openConfig';
import { copyToken, decodeJwt, tokenRunRequest, type TokenPurpose } from './tokenCommands';

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

function cancellationOf(argument: unknown): vscode.CancellationToken | undefined {
  const value = (argument as { cancellation?: unknown } | undefined)?.cancellation;
  return isCancellationToken(value) ? value : undefined;
}

/** Turns a command argument (a tree node, a request object or nothing) into a run request. */
async function runRequest(
  argument: unknown,
  store: ServerStore,
  action: string,
): Promise<RunRequest | undefined> {
  if (
    argument &&
    typeof argument === 'object' &&
    !isTreeNode(argument) &&
    'serverId' in argument &&
    'client_id' in argument
  ) {
    return argument as RunRequest;
  }
  const target = await clientArgument(argument, store, action);
  return target && { serverId: target.server.config.id, client_id: target.client.client_id };
}

/** Shows a failed run's error with the actions that help for its kind of failure. */
async function reportRun(run: RunSnapshot, services: CommandServices): Promise<void> {
  if (run.status !== 'failed' || !run.error) return;
  const actions = [
    {
      label: 'Open Inspector',
      run: async () =>
        InspectorPanel.show(services.extensionUri, services.runs, services.log, run.id),
    },
    ...actionsFor(run.error.code, { serverId: run.serverId, client_id: run.client_id }),
    { label: 'Show Log', run: async () => services.log.show() },
  ];
  const choice = await vscode.window.showErrorMessage(
    `${run.title} as ${run.client_id} failed: ${run.error.message}${run.error.hint ? ` ${run.error.hint}` : ''}`,
    ...actions.map((action) => action.label),
  );
  await actions.find((action) => action.label === choice)?.run();
}

async function runFlow(
  services: CommandServices,
  argument: unknown,
  action: string,
  start: (request: RunRequest) => Promise<RunSnapshot>,
): Promise<RunSnapshot | undefined> {
  const request = await runRequest(argument, services.store, action);
  if (!request) return undefined;
  return showRun(services, () => start(request));
}

async function showRun(
  services: CommandServices,
  start: () => Promise<RunSnapshot>,
): Promise<RunSnapshot> {
  InspectorPanel.show(services.extensionUri, services.runs, services.log);
  const run = await start();
  InspectorPanel.show(services.extensionUri, services.runs, services.log, run.id);
  void reportRun(run, services);
  return run;
}

async function runWithToken(
  services: CommandServices,
  argument: unknown,
  purpose: TokenPurpose,
  start: (request: RunRequest) => Promise<RunSnapshot>,
): Promise<RunSnapshot | undefined> {
  const { store, runs, secrets } = services;
  const request = await tokenRunRequest(argument, purpose, store, runs, secrets);
  if (!request) return undefined;
  return showRun(services, () => start(request));
}

/** Asks for the response mode of an authorization code run started from a menu or the palette. */
async function authorizationRequest(
  argument: unknown,
  store: ServerStore,
): Promise<RunRequest | undefined> {
  const request = await runRequest(argument, store, 'run the authorization code flow as');
  if (!request || (argument && typeof argument === 'object' && !isTreeNode(argument))) {
    return request;
  }
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'query', description: 'plain authorization response', mode: 'query' },
      { label: 'jwt', description: 'JARM: the response as a signed JWT', mode: 'jwt' },
      { label: 'form_post.jwt', description: 'JARM posted as a form', mode: 'form_post.jwt' },
      {
        label: 'Client default',
        description: 'the response_mode in the configuration, if any',
        mode: undefined,
      },
    ],
    { title: 'Response mode of the authorization code flow with PAR' },
  );
  return pick && { ...request, response_mode: pick.mode };
}

async function refreshServer(
  server: StoredServer,
  sessions: ServerSessions,
  cancellation?: vscode.CancellationToken,
) {
  return withCancellableProgress(
    `Loading the metadata of ${server.config.label ?? server.config.issuer}`,
    cancellation,
    (signal) => sessions.discover(server, signal),
  );
}

function serverCommands(services: CommandServices) {
  const { store, sessions, secrets } = services;
  return {
    [Commands.addServer]: (argument: unknown) =>
      addServer(argument as AddServerArgument | undefined, store, sessions, secrets),
    [Commands.editServer]: async (argument: unknown) => {
      const server = await serverArgument(argument, store, 'edit');
      return server ? editServer(argument, server, store, sessions) : false;
    },
    [Commands.removeServer]: async (argument: unknown) => {
      const server = await serverArgument(argument, store, 'remove');
      if (!server) return false;
      // Scripts and tests pass the id and have already decided; people confirm.
      const confirmed =
        typeof argument === 'string' ||
        (await vscode.window.showWarningMessage(
          `Remove ${server.config.label ?? server.config.issuer} and the secrets of its ${server.config.clients.length} clients?`,
          { modal: true },
          'Remove',
        )) === 'Remove';
      if (!confirmed) return false;
      await store.removeServer(server.config.id);
      for (const client of server.config.clients) {
        await secrets.deleteClient(server.config.id, client.client_id);
      }
      sessions.forget(server.config.id);
      return true;
    },
    [Commands.refreshServer]: async (argument: unknown) => {
      const server = await serverArgument(argument, store, 'refresh');
      return server && refreshServer(server, sessions, cancellationOf(argument));
    },
    [Commands.refreshAll]: async () => {
      await store.load();
      const results = await Promise.allSettled(
        store.all().map((server) => refreshServer(server, sessions)),
      );
      const failed = results.filter((result) => result.status === 'rejected').length;
      if (failed > 0) {
        void vscode.window.showWarningMessage(
          `Loading the metadata failed for ${failed} of ${results.length} servers. Hover over a server in the Servers view for the reason.`,
        );
      }
    },
  };
}

function clientCommands(services: CommandServices) {
  const { store, sessions, secrets } = services;
  return {
    [Commands.addClient]: async (argument: unknown) => {
      const server = await serverArgument(argument, store, 'add a client to');
      return server && addClient(argument, server, store, sessions, secrets);
    },
    [Commands.editClient]: async (argument: unknown) => {
      const target = await clientArgument(argument, store, 'edit');
      return target && editClient(argument, target.server, target.client, store, sessions, secrets);
    },
    [Commands.removeClient]: async (argument: unknown) => {
      const target = await clientArgument(argument, store, 'remove');
      if (!target) return false;
      const confirmed =
        (argument as { confirmed?: boolean } | undefined)?.confirmed === true ||
        (await vscode.window.showWarningMessage(
          `Remove the client ${target.client.client_id} and its secrets?`,
          { modal: true },
          'Remove',
        )) === 'Remove';
      if (!confirmed) return false;
      await store.removeClient(target.server.config.id, target.client.client_id);
      await secrets.deleteClient(target.server.config.id, target.client.client_id);
      return true;
    },
    [Commands.selectCertificate]: async (argument: unknown) => {
      const target = await clientArgument(argument, store, 'select a certificate for');
      if (!target) return false;
      const files = argument as { certificateFile?: unknown; keyFile?: unknown } | undefined;
      const given =
        typeof files?.certificateFile === 'string' && typeof files.keyFile === 'string'
          ? { certificateFile: files.certificateFile, keyFile: files.keyFile }
          : undefined;
      return selectCertificate(target.server, target.client, store, secrets, given);
    },
    [Commands.showEndpointsFor]: async (argument: unknown) => {
      const target = await clientArgument(argument, store, 'show the endpoints for');
      if (!target) return undefined;
      services.tree.selectClient(target.server.config.id, target.client.client_id);
      return target.client.client_id;
    },
  };
}

function flowCommands(services: CommandServices) {
  const { flows } = services;
  return {
    [Commands.runClientCredentials]: (argument: unknown) =>
      runFlow(services, argument, 'run client credentials as', (request) =>
        flows.runClientCredentials(request),
      ),
    [Commands.runAuthorizationCode]: async (argument: unknown) => {
      const request = await authorizationRequest(argument, services.store);
      return request && showRun(services, () => flows.runAuthorizationCode(request));
    },
    [Commands.runRefresh]: (argument: unknown) =>
      runFlow(services, argument, 'refresh tokens as', (request) => flows.runRefresh(request)),
    [Commands.runIntrospection]: (argument: unknown) =>
      runWithToken(services, argument, 'introspect', (request) => flows.runIntrospection(request)),
    [Commands.runRevocation]: (argument: unknown) =>
      runWithToken(services, argument, 'revoke', (request) => flows.runRevocation(request)),
    [Commands.runUserInfo]: (argument: unknown) =>
      runWithToken(services, argument, 'present', (request) => flows.runUserInfo(request)),
    [Commands.rerun]: async (runId: unknown) => {
      if (typeof runId !== 'string') return undefined;
      const run = await flows.rerun(runId);
      void reportRun(run, services);
      return run;
    },
  };
}

function runCommands(services: CommandServices) {
  const { store, sessions, secrets, runs, log } = services;
  return {
    [Commands.openInspector]: async (argument: unknown) => {
      const run = isTreeNode(argument) && argument.kind === 'run' ? argument.run.id : argument;
      InspectorPanel.show(
        services.extensionUri,
        runs,
        log,
        typeof run === 'string' ? run : undefined,
      );
    },
    [Commands.decodeJwt]: async (argument: unknown) => {
      const run = await decodeJwt(argument, store, sessions, runs, log);
      if (run) InspectorPanel.show(services.extensionUri, runs, log, run.id);
      return run;
    },
    [Commands.copyToken]: (argument: unknown) => copyToken(argument, store, runs, secrets),
    [Commands.exportCurl]: async (argument: unknown) => {
      const run = await runArgument(argument, runs, 'export as curl commands');
      if (!run) return undefined;
      const { text, secretVariables } = await exportCurl(run, store, secrets);
      return { text, secretVariables };
    },
    [Commands.copyValue]: async (argument: unknown) => {
      if (!isTreeNode(argument) || argument.kind !== 'metadataField') return;
      const value = argument.value;
      await vscode.env.clipboard.writeText(
        typeof value === 'string' ? value : JSON.stringify(value, null, 2),
      );
      void vscode.window.setStatusBarMessage(`Copied ${argument.name}.`, 2000);
    },
    [Commands.showLog]: async () => log.show(),
    [Commands.openConfig]: async (argument: unknown) => {
      let location: ConfigLocation | undefined;
      const node = isTreeNode(argument) ? argument : undefined;
      if (node?.kind === 'problem') {
        location = { line: node.problem.line };
      } else if (node) {
        location = {
          serverId: node.server.config.id,
          client_id: node.kind === 'client' ? node.client.client_id : undefined,
        };
      } else if (argument && typeof argument === 'object') {
        location = argument as ConfigLocation;
      }
      await openConfigFile(store, location);
    },
  };
}

export function registerCommands(services: CommandServices): vscode.Disposable[] {
  const handlers: Record<string, (...args: unknown[]) => Promise<unknown>> = {
    ...serverCommands(services),
    ...clientCommands(services),
    ...flowCommands(services),
    ...runCommands(services),
  };
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, guarded(services.log, id, handler)),
  );
}
