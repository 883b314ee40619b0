import * as vscode from 'vscode';
import {
  serverIdFromIssuer,
  validateIssuer,
  type ServerChanges,
  type ServerConfig,
} from '../../config/serverConfig';
import type { SecretStore } from '../secrets';
import type { ServerSessions } from '../serverSessions';
import type { ServerScope, ServerStore, StoredServer } from '../serverStore';
import { promptClient, storeClientSecrets, type ClientArgument } from './clientCommands';
import { withCancellableProgress } from '../progress';
import { pickPemFile } from './pickers';

/** Arguments of the Add Server command when it is run without prompts. */
export interface AddServerArgument {
  issuer: string;
  id?: string;
  label?: string;
  discovery?: ServerConfig['discovery'];
  extraCaFiles?: string[];
  scope?: ServerScope;
  clients?: ClientArgument[];
  /** Load the metadata right after adding the server; on unless set to false. */
  loadMetadata?: boolean;
}

const DISCOVERY_ITEMS = [
  { label: 'Automatic', description: 'OpenID Connect, then RFC 8414', value: 'auto' as const },
  {
    label: 'OpenID Connect Discovery',
    description: '/.well-known/openid-configuration',
    value: 'oidc' as const,
  },
  {
    label: 'RFC 8414',
    description: '/.well-known/oauth-authorization-server',
    value: 'oauth2' as const,
  },
];

async function addFromArgument(
  argument: AddServerArgument,
  store: ServerStore,
  sessions: ServerSessions,
  secrets: SecretStore,
): Promise<string> {
  const problem = validateIssuer(argument.issuer);
  if (problem) throw new Error(`The issuer "${argument.issuer}" is invalid: ${problem}`);
  const id = argument.id ?? serverIdFromIssuer(argument.issuer);
  const clients = [];
  for (const client of argument.clients ?? []) {
    clients.push(await storeClientSecrets(id, client, secrets));
  }
  const config: ServerConfig = {
    id,
    label: argument.label,
    issuer: argument.issuer,
    discovery: argument.discovery ?? 'auto',
    extraCaFiles: argument.extraCaFiles,
    clients,
  };
  await store.addServer(config, argument.scope);
  sessions.forget(id);
  if (argument.loadMetadata !== false)
    await sessions.discover(store.get(id)!).catch(() => undefined);
  return id;
}

async function pickScope(store: ServerStore): Promise<ServerScope | undefined> {
  if (!store.folder() || !vscode.workspace.isTrusted) return 'user';
  const pick = await vscode.window.showQuickPick(
    [
      {
        label: 'Workspace',
        description: '.vscode/oauth-explorer.json, which a team can commit',
        value: 'workspace' as const,
      },
      { label: 'User', description: 'only for you, in every workspace', value: 'user' as const },
    ],
    { title: 'Add Server (3/4): keep the server in', ignoreFocusOut: true },
  );
  return pick?.value;
}

/**
 * Adds a server: from arguments when a script or test passes them, otherwise by asking for the
 * issuer, discovery kind, where to keep it and a first client. The metadata is loaded right away
 * so that the tree shows its endpoints. Returns the server id.
 */
export async function addServer(
  argument: AddServerArgument | undefined,
  store: ServerStore,
  sessions: ServerSessions,
  secrets: SecretStore,
): Promise<string | undefined> {
  if (argument) return addFromArgument(argument, store, sessions, secrets);

  const issuer = await vscode.window.showInputBox({
    title: 'Add Server (1/4): issuer',
    prompt: 'The issuer identifier, exactly as the server publishes it.',
    placeHolder: 'https://login.example.com',
    validateInput: (value) => {
      const problem = validateIssuer(value);
      if (problem) return problem;
      const existing = store.get(serverIdFromIssuer(value.trim()));
      return existing ? `${existing.config.issuer} is configured already.` : undefined;
    },
    ignoreFocusOut: true,
  });
  if (!issuer) return undefined;
  const discoveryPick = await vscode.window.showQuickPick(DISCOVERY_ITEMS, {
    title: 'Add Server (2/4): discovery',
    ignoreFocusOut: true,
  });
  if (!discoveryPick) return undefined;
  const scope = await pickScope(store);
  if (!scope) return undefined;

  const id = serverIdFromIssuer(issuer.trim());
  const config: ServerConfig = {
    id,
    issuer: issuer.trim(),
    discovery: discoveryPick.value,
    clients: [],
  };
  await store.addServer(config, scope);
  sessions.forget(id);
  const stored = store.get(id)!;
  const loaded = await withCancellableProgress(
    `Loading the metadata of ${config.issuer}`,
    undefined,
    (signal) => sessions.discover(stored, signal),
  ).catch((error: Error) => {
    void vscode.window.showWarningMessage(
      `The server was added, but loading its metadata failed: ${error.message} If it uses a CA that this machine does not trust, add the CA with Edit Server.`,
    );
    return undefined;
  });
  const methods = loaded?.metadata.token_endpoint_auth_methods_supported as string[] | undefined;
  const client = await promptClient(store, secrets, store.get(id) ?? stored, methods);
  if (client) await store.saveClient(id, client);
  return id;
}

/**
 * Edits a server: from `{ serverId, changes }` when a script or test passes it, otherwise by
 * letting the user pick the member to change. The metadata is loaded again afterwards, because
 * the issuer, discovery kind or CA may have changed.
 */
export async function editServer(
  argument: unknown,
  server: StoredServer,
  store: ServerStore,
  sessions: ServerSessions,
): Promise<boolean> {
  const given = (argument as { changes?: ServerChanges } | undefined)?.changes;
  const changes =
    given && typeof given === 'object' ? given : await promptServerChanges(server, store);
  if (!changes) return false;
  if (changes.issuer !== undefined) {
    const problem = validateIssuer(changes.issuer);
    if (problem) throw new Error(`The issuer "${changes.issuer}" is invalid: ${problem}`);
    // The id is derived from the issuer when the entry has none, and secrets are kept under it,
    // so it is written out to stay the same.
    changes.id ??= server.config.id;
  }
  await store.updateServer(server.config.id, changes);
  sessions.forget(server.config.id);
  const updated = store.get(server.config.id);
  if (updated) await sessions.discover(updated).catch(() => undefined);
  return true;
}

async function promptServerChanges(
  server: StoredServer,
  store: ServerStore,
): Promise<ServerChanges | undefined> {
  const config = server.config;
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Label', description: config.label ?? '(the issuer)', member: 'label' as const },
      { label: 'Issuer', description: config.issuer, member: 'issuer' as const },
      { label: 'Discovery', description: config.discovery ?? 'auto', member: 'discovery' as const },
      {
        label: 'Add a CA certificate',
        description: (config.extraCaFiles ?? []).join(', ') || 'none yet',
        member: 'addCa' as const,
      },
      ...(config.extraCaFiles?.length
        ? [{ label: 'Remove the CA certificates', member: 'clearCa' as const }]
        : []),
    ],
    { title: `Edit ${config.label ?? config.issuer}`, ignoreFocusOut: true },
  );
  switch (pick?.member) {
    case undefined:
      return undefined;
    case 'label': {
      const label = await vscode.window.showInputBox({
        title: 'Label shown in the Servers view',
        prompt: 'Leave empty to show the issuer.',
        value: config.label ?? '',
        ignoreFocusOut: true,
      });
      return label === undefined ? undefined : { label: label.trim() || undefined };
    }
    case 'issuer': {
      const issuer = await vscode.window.showInputBox({
        title: 'Issuer',
        value: config.issuer,
        validateInput: validateIssuer,
        ignoreFocusOut: true,
      });
      return issuer ? { issuer: issuer.trim() } : undefined;
    }
    case 'discovery': {
      const discovery = await vscode.window.showQuickPick(DISCOVERY_ITEMS, {
        title: 'Discovery',
        ignoreFocusOut: true,
      });
      return discovery && { discovery: discovery.value };
    }
    case 'addCa': {
      const file = await pickPemFile(
        store,
        'CA certificate trusted for this server',
        'certificate',
      );
      return file ? { extraCaFiles: [...(config.extraCaFiles ?? []), file] } : undefined;
    }
    case 'clearCa':
      return { extraCaFiles: undefined };
  }
}
