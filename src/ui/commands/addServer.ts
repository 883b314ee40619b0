import * as vscode from 'vscode';
import {
  serverIdFromIssuer,
  type ClientConfig,
  type ServerConfig,
} from '../../config/serverConfig';
import {
  CLIENT_AUTH_METHODS,
  isMutualTlsMethod,
  type ClientAuthMethod,
} from '../../engine/clientAuthMethods';
import type { SecretStore } from '../secrets';
import type { ServerSessions } from '../serverSessions';
import type { ServerScope, ServerStore } from '../serverStore';
import { pickPemFile } from './pickers';

/** A client as given to the Add Server command by a script or test, secrets included. */
export interface ClientArgument extends ClientConfig {
  clientSecret?: string;
  keyPassphrase?: string;
  signingKeyPassphrase?: string;
}

/** Arguments of the Add Server command when it is run without prompts. */
export interface AddServerArgument {
  issuer: string;
  id?: string;
  label?: string;
  discovery?: ServerConfig['discovery'];
  extraCaFiles?: string[];
  scope?: ServerScope;
  clients?: ClientArgument[];
}

function validateIssuer(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'https:') return 'The issuer must be an https URL.';
    if (url.search || url.hash) return 'The issuer has no query or fragment.';
    return undefined;
  } catch {
    return 'Enter a URL such as https://login.example.com.';
  }
}

/** Splits secrets off the arguments into SecretStorage and returns the config to write. */
async function storeSecrets(
  serverId: string,
  clients: ClientArgument[],
  secrets: SecretStore,
): Promise<ClientConfig[]> {
  const configs: ClientConfig[] = [];
  for (const { clientSecret, keyPassphrase, signingKeyPassphrase, ...config } of clients) {
    if (clientSecret) await secrets.set(serverId, config.client_id, 'clientSecret', clientSecret);
    if (keyPassphrase)
      await secrets.set(serverId, config.client_id, 'keyPassphrase', keyPassphrase);
    if (signingKeyPassphrase) {
      await secrets.set(serverId, config.client_id, 'signingKeyPassphrase', signingKeyPassphrase);
    }
    configs.push(config);
  }
  return configs;
}

async function promptClient(
  store: ServerStore,
  secrets: SecretStore,
  serverId: string,
  supportedMethods: string[] | undefined,
): Promise<ClientConfig | undefined> {
  const client_id = await vscode.window.showInputBox({
    title: 'Add Server (3/4): client_id',
    prompt:
      'The client identifier registered at this server. Leave empty to add the server without a client.',
    ignoreFocusOut: true,
  });
  if (!client_id) return undefined;
  const methodPick = await vscode.window.showQuickPick(
    CLIENT_AUTH_METHODS.map((method) => ({
      label: method,
      description: supportedMethods?.includes(method) ? 'supported by the server' : undefined,
    })),
    { title: 'Add Server (4/4): client authentication method', ignoreFocusOut: true },
  );
  if (!methodPick) return undefined;
  const method = methodPick.label as ClientAuthMethod;
  const client: ClientConfig = { client_id, token_endpoint_auth_method: method };

  const wantsCertificate =
    isMutualTlsMethod(method) ||
    (await vscode.window.showQuickPick(['No', 'Yes'], {
      title: 'Use a client certificate (mTLS, certificate-bound tokens)?',
      ignoreFocusOut: true,
    })) === 'Yes';
  if (wantsCertificate) {
    client.certificateFile = await pickPemFile(store, 'Client certificate', 'certificate');
    client.keyFile =
      client.certificateFile && (await pickPemFile(store, 'Private key of the certificate', 'key'));
    client.use_mtls_endpoint_aliases = true;
  }
  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    const secret = await vscode.window.showInputBox({
      title: `Client secret of ${client_id}`,
      prompt: 'Kept in VS Code secret storage, never in the configuration file.',
      password: true,
      ignoreFocusOut: true,
    });
    if (secret) await secrets.set(serverId, client_id, 'clientSecret', secret);
  }
  if (method === 'private_key_jwt') {
    client.signingKeyFile = await pickPemFile(store, 'Signing key for private_key_jwt', 'key');
  }
  return client;
}

/**
 * Adds a server: from arguments when a script or test passes them, otherwise by asking for the
 * issuer, discovery kind and a first client. The metadata is loaded right away so that the tree
 * shows its endpoints. Returns the server id.
 */
export async function addServer(
  argument: AddServerArgument | undefined,
  store: ServerStore,
  sessions: ServerSessions,
  secrets: SecretStore,
): Promise<string | undefined> {
  if (argument) {
    const problem = validateIssuer(argument.issuer);
    if (problem) throw new Error(`The issuer "${argument.issuer}" is invalid: ${problem}`);
    const id = argument.id ?? serverIdFromIssuer(argument.issuer);
    const clients = await storeSecrets(id, argument.clients ?? [], secrets);
    const config: ServerConfig = {
      id,
      label: argument.label,
      issuer: argument.issuer,
      discovery: argument.discovery ?? 'auto',
      extraCaFiles: argument.extraCaFiles,
      clients,
    };
    await store.save(config, argument.scope);
    sessions.forget(id);
    await sessions.discover(store.get(id)!).catch(() => undefined);
    return id;
  }

  const issuer = await vscode.window.showInputBox({
    title: 'Add Server (1/4): issuer',
    prompt: 'The issuer identifier, exactly as the server publishes it.',
    placeHolder: 'https://login.example.com',
    validateInput: validateIssuer,
    ignoreFocusOut: true,
  });
  if (!issuer) return undefined;
  const discoveryPick = await vscode.window.showQuickPick(
    [
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
    ],
    { title: 'Add Server (2/4): discovery', ignoreFocusOut: true },
  );
  if (!discoveryPick) return undefined;
  const extraCa = await vscode.window.showQuickPick(['No', 'Yes'], {
    title: 'Does the server use a CA that this machine does not trust (a test CA)?',
    ignoreFocusOut: true,
  });
  const extraCaFile =
    extraCa === 'Yes' ? await pickPemFile(store, 'CA certificate', 'certificate') : undefined;

  const id = serverIdFromIssuer(issuer.trim());
  const config: ServerConfig = {
    id,
    issuer: issuer.trim(),
    discovery: discoveryPick.value,
    extraCaFiles: extraCaFile ? [extraCaFile] : undefined,
    clients: [],
  };
  await store.save(config);
  sessions.forget(id);
  const loaded = await sessions.discover(store.get(id)!).catch((error: Error) => {
    void vscode.window.showWarningMessage(
      `The server was added, but discovery failed: ${error.message}`,
    );
    return undefined;
  });
  const methods = loaded?.metadata.token_endpoint_auth_methods_supported as string[] | undefined;
  const client = await promptClient(store, secrets, id, methods);
  if (client) await store.save({ ...config, clients: [client] });
  return id;
}
