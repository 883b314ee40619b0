import * as vscode from 'vscode';
import type { ClientConfig } from '../../config/serverConfig';
import {
  CLIENT_AUTH_METHODS,
  isMutualTlsMethod,
  type ClientAuthMethod,
} from '../../engine/clientAuthMethods';
import type { SecretStore } from '../secrets';
import type { ServerSessions } from '../serverSessions';
import type { ServerStore, StoredServer } from '../serverStore';
import { pickCertificateAndKey } from './certificatePicker';
import { pickPemFile } from './pickers';

/** A client as given to the Add Client and Add Server commands by a script or test, secrets included. */
export interface ClientArgument extends ClientConfig {
  clientSecret?: string;
  keyPassphrase?: string;
  signingKeyPassphrase?: string;
}

/** Splits the secrets off a client argument into SecretStorage and returns the rest to write. */
export async function storeClientSecrets(
  serverId: string,
  argument: ClientArgument,
  secrets: SecretStore,
): Promise<ClientConfig> {
  const { clientSecret, keyPassphrase, signingKeyPassphrase, ...config } = argument;
  const clientId = config.client_id;
  if (clientSecret) await secrets.set(serverId, clientId, 'clientSecret', clientSecret);
  if (keyPassphrase) await secrets.set(serverId, clientId, 'keyPassphrase', keyPassphrase);
  if (signingKeyPassphrase) {
    await secrets.set(serverId, clientId, 'signingKeyPassphrase', signingKeyPassphrase);
  }
  return config;
}

function isClientArgument(value: unknown): value is { serverId: string; client: ClientArgument } {
  if (value === null || typeof value !== 'object') return false;
  const client = (value as { client?: unknown }).client;
  return (
    typeof (value as { serverId?: unknown }).serverId === 'string' &&
    client !== null &&
    typeof client === 'object' &&
    typeof (client as ClientArgument).client_id === 'string'
  );
}

async function promptSecret(
  secrets: SecretStore,
  serverId: string,
  client_id: string,
  replacing: boolean,
): Promise<void> {
  const secret = await vscode.window.showInputBox({
    title: `Client secret of ${client_id}`,
    prompt: replacing
      ? 'Leave empty to keep the stored secret. Kept in VS Code secret storage, never in the configuration file.'
      : 'Kept in VS Code secret storage, never in the configuration file.',
    password: true,
    ignoreFocusOut: true,
  });
  if (secret) await secrets.set(serverId, client_id, 'clientSecret', secret);
}

/** Asks for a certificate and key, and keeps an entered key passphrase in SecretStorage. */
async function promptCertificate(
  store: ServerStore,
  secrets: SecretStore,
  serverId: string,
  client: ClientConfig,
): Promise<boolean> {
  const choice = await pickCertificateAndKey(store, `Client certificate of ${client.client_id}`);
  if (!choice) return false;
  client.certificateFile = choice.certificateFile;
  client.keyFile = choice.keyFile;
  if (choice.passphrase) {
    await secrets.set(serverId, client.client_id, 'keyPassphrase', choice.passphrase);
  } else {
    // A passphrase kept for the previous key would be wrong for this one.
    await secrets.delete(serverId, client.client_id, 'keyPassphrase');
  }
  return true;
}

/**
 * Asks for a client's id, authentication method, certificate and key, secret or signing key,
 * starting from `existing` when editing. Returns undefined when the user cancels.
 */
export async function promptClient(
  store: ServerStore,
  secrets: SecretStore,
  server: StoredServer,
  supportedMethods: string[] | undefined,
  existing?: ClientConfig,
): Promise<ClientConfig | undefined> {
  const serverId = server.config.id;
  const client_id = await vscode.window.showInputBox({
    title: `${existing ? 'Edit' : 'Add'} Client: client_id`,
    prompt: 'The client identifier registered at this server.',
    value: existing?.client_id,
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (value.trim().length === 0) return 'Enter the client_id.';
      const taken = server.config.clients.some(
        (entry) => entry.client_id === value.trim() && entry !== existing,
      );
      return taken ? `${server.config.issuer} already has a client ${value.trim()}.` : undefined;
    },
  });
  if (!client_id) return undefined;
  const methodPick = await vscode.window.showQuickPick(
    CLIENT_AUTH_METHODS.map((method) => ({
      label: method,
      description: [
        supportedMethods?.includes(method) ? 'supported by the server' : undefined,
        method === existing?.token_endpoint_auth_method ? 'current' : undefined,
      ]
        .filter(Boolean)
        .join(' · '),
    })),
    { title: `Client authentication method of ${client_id.trim()}`, ignoreFocusOut: true },
  );
  if (!methodPick) return undefined;
  const method = methodPick.label as ClientAuthMethod;
  const client: ClientConfig = {
    ...existing,
    client_id: client_id.trim(),
    token_endpoint_auth_method: method,
  };

  const certificateChoice = isMutualTlsMethod(method)
    ? existing?.certificateFile
      ? await keepOrChange(`Certificate: ${existing.certificateFile}`)
      : 'change'
    : await vscode.window
        .showQuickPick(
          [
            { label: 'No client certificate', value: 'none' as const },
            ...(existing?.certificateFile
              ? [{ label: `Keep ${existing.certificateFile}`, value: 'keep' as const }]
              : []),
            {
              label: 'Use a client certificate (certificate-bound tokens)',
              value: 'change' as const,
            },
          ],
          { title: `Client certificate of ${client.client_id}`, ignoreFocusOut: true },
        )
        .then((pick) => pick?.value);
  if (certificateChoice === undefined) return undefined;
  if (certificateChoice === 'none') {
    client.certificateFile = undefined;
    client.keyFile = undefined;
  }
  if (certificateChoice === 'change') {
    if (!(await promptCertificate(store, secrets, serverId, client))) return undefined;
    client.use_mtls_endpoint_aliases ??= true;
  }

  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    const stored = await secrets.get(serverId, client.client_id, 'clientSecret');
    await promptSecret(secrets, serverId, client.client_id, stored !== undefined);
  }
  if (method === 'private_key_jwt') {
    const signingKeyFile = await pickPemFile(store, 'Signing key for private_key_jwt', 'key');
    if (signingKeyFile) client.signingKeyFile = signingKeyFile;
  }
  return client;
}

async function keepOrChange(current: string): Promise<'keep' | 'change' | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: `Keep ${current}`, value: 'keep' as const },
      { label: 'Choose another certificate and key', value: 'change' as const },
    ],
    { title: 'Client certificate', ignoreFocusOut: true },
  );
  return pick?.value;
}

function supportedMethods(sessions: ServerSessions, server: StoredServer): string[] | undefined {
  const state = sessions.state(server.config.id);
  if (state.status !== 'loaded') return undefined;
  const methods = state.result.metadata.token_endpoint_auth_methods_supported;
  return Array.isArray(methods) ? (methods as string[]) : undefined;
}

/**
 * Adds a client to a server: from `{ serverId, client }` when a script or test passes it (its
 * secrets go to SecretStorage), otherwise by asking. Returns the client_id.
 */
export async function addClient(
  argument: unknown,
  server: StoredServer,
  store: ServerStore,
  sessions: ServerSessions,
  secrets: SecretStore,
): Promise<string | undefined> {
  if (isClientArgument(argument)) {
    const config = await storeClientSecrets(server.config.id, argument.client, secrets);
    if (server.config.clients.some((entry) => entry.client_id === config.client_id)) {
      throw new Error(`${server.config.issuer} already has a client ${config.client_id}.`);
    }
    await store.saveClient(server.config.id, config);
    return config.client_id;
  }
  const client = await promptClient(store, secrets, server, supportedMethods(sessions, server));
  if (!client) return undefined;
  await store.saveClient(server.config.id, client);
  return client.client_id;
}

/**
 * Edits a client: from `{ serverId, client_id, changes }` when a script or test passes it,
 * otherwise by asking. Secrets kept under the old client_id move with a renamed client.
 */
export async function editClient(
  argument: unknown,
  server: StoredServer,
  existing: ClientConfig,
  store: ServerStore,
  sessions: ServerSessions,
  secrets: SecretStore,
): Promise<string | undefined> {
  const changes = (argument as { changes?: Partial<ClientArgument> } | undefined)?.changes;
  let client: ClientConfig | undefined;
  if (changes && typeof changes === 'object') {
    const merged = { ...existing, ...changes, client_id: changes.client_id ?? existing.client_id };
    client = await storeClientSecrets(server.config.id, merged, secrets);
  } else {
    client = await promptClient(
      store,
      secrets,
      server,
      supportedMethods(sessions, server),
      existing,
    );
  }
  if (!client) return undefined;
  if (client.client_id !== existing.client_id) {
    await secrets.moveClient(server.config.id, existing.client_id, client.client_id);
  }
  await store.saveClient(server.config.id, client, existing.client_id);
  return client.client_id;
}

/** Lets the user pick a certificate and key for a client, and writes them to its entry. */
export async function selectCertificate(
  server: StoredServer,
  existing: ClientConfig,
  store: ServerStore,
  secrets: SecretStore,
  files?: { certificateFile: string; keyFile: string },
): Promise<boolean> {
  const client: ClientConfig = { ...existing };
  if (files) {
    client.certificateFile = files.certificateFile;
    client.keyFile = files.keyFile;
  } else if (!(await promptCertificate(store, secrets, server.config.id, client))) {
    return false;
  }
  await store.saveClient(server.config.id, client);
  return true;
}
