import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { ClientConfig } from '../../config/serverConfig';
import type { ClientProfile } from '../../engine/clientAuth';
import type { InspectedToken, KeySource } from '../../engine/tokens';
import type { RunSnapshot } from '../../shared/inspectorProtocol';
import { loadEngine } from '../engineLoader';
import type { TokenRunRequest } from '../flowService';
import type { Log } from '../log';
import type { RunRegistry } from '../runs';
import type { SecretStore } from '../secrets';
import type { ServerSessions } from '../serverSessions';
import type { ServerStore, StoredServer } from '../serverStore';
import { clientArgument, isTreeNode, stringMember } from './arguments';

/** What a token is used for, which decides the tokens offered. */
export type TokenPurpose = 'introspect' | 'revoke' | 'present';

type TokenItem = vscode.QuickPickItem & {
  token?: string;
  hint?: string;
  stored?: boolean;
  paste?: boolean;
};

function preview(token: string): string {
  return token.length > 24 ? `${token.slice(0, 12)}…${token.slice(-8)}` : token;
}

function runTokenItems(
  runs: RunRegistry,
  serverId: string,
  clientId: string,
  purpose: TokenPurpose,
) {
  const items: TokenItem[] = [];
  const labels = purpose === 'present' ? ['access_token'] : ['access_token', 'id_token'];
  for (const run of [...runs.forServer(serverId)].reverse()) {
    if (run.client_id !== clientId) continue;
    for (const token of run.tokens) {
      if (!labels.includes(token.label)) continue;
      items.push({
        label: token.label,
        description: `from ${run.title} at ${new Date(run.startedAt).toLocaleTimeString()}`,
        detail: preview(token.token),
        token: token.token,
        hint: token.label === 'access_token' ? 'access_token' : undefined,
      });
    }
  }
  return items;
}

/**
 * Builds the request of an introspection, revocation or UserInfo run. The token comes from the
 * argument (`token`, or a Recent Runs node, whose access token is used), or the user picks one of
 * the client's tokens from this window's runs, its stored refresh token, or pastes one.
 */
export async function tokenRunRequest(
  argument: unknown,
  purpose: TokenPurpose,
  store: ServerStore,
  runs: RunRegistry,
  secrets: SecretStore,
): Promise<TokenRunRequest | undefined> {
  if (isTreeNode(argument) && argument.kind === 'run') {
    const token = argument.run.tokens.find((entry) => entry.label === 'access_token');
    if (!token) throw new Error(`The run ${argument.run.title} returned no access token.`);
    return {
      serverId: argument.run.serverId,
      client_id: argument.run.client_id,
      token: token.token,
      token_type_hint: 'access_token',
    };
  }
  const target = await clientArgument(argument, store, 'use');
  if (!target) return undefined;
  const argumentRequest = argument as TokenRunRequest | undefined;
  const base = {
    serverId: target.server.config.id,
    client_id: target.client.client_id,
    cancellation: argumentRequest?.cancellation,
    extra: argumentRequest?.extra,
    use_mtls_endpoint_aliases: argumentRequest?.use_mtls_endpoint_aliases,
  };
  const given = stringMember(argument, 'token');
  if (given)
    return { ...base, token: given, token_type_hint: stringMember(argument, 'token_type_hint') };
  if ((argument as { useStoredRefreshToken?: boolean } | undefined)?.useStoredRefreshToken) {
    return base;
  }

  const items = runTokenItems(runs, base.serverId, base.client_id, purpose);
  const refresh = await secrets.get(base.serverId, base.client_id, 'refreshToken');
  if (refresh && purpose !== 'present') {
    items.push({ label: 'refresh_token', description: 'kept in secret storage', stored: true });
  }
  items.push({ label: '$(clippy) Paste a token…', paste: true });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Token to ${purpose === 'present' ? 'send to UserInfo' : purpose}`,
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  if (picked.stored) return base;
  if (picked.paste) {
    const token = await vscode.window.showInputBox({
      title: 'Token',
      password: true,
      ignoreFocusOut: true,
    });
    return token ? { ...base, token: token.trim() } : undefined;
  }
  return { ...base, token: picked.token, token_type_hint: picked.hint };
}

/** Strips what people copy along with a token: quotes, whitespace, a `Bearer ` prefix. */
export function cleanTokenText(text: string): string {
  return text
    .trim()
    .replace(/^(authorization:\s*)?(bearer|dpop)\s+/i, '')
    .replace(/^["']|["']$/g, '')
    .replace(/\s+/g, '');
}

async function keysFor(
  server: StoredServer | undefined,
  sessions: ServerSessions,
  log: Log,
): Promise<KeySource | undefined> {
  if (!server) return undefined;
  const state = sessions.state(server.config.id);
  if (state.status !== 'loaded') return undefined;
  const engine = await loadEngine();
  // A client with no authentication is enough to fetch the jwks_uri over the server's HTTP client.
  const client: ClientProfile = {
    client_id: 'oauth-explorer-decoder',
    token_endpoint_auth_method: 'none',
    use_mtls_endpoint_aliases: false,
  };
  const run = new engine.FlowRun({
    http: await sessions.httpClient(server),
    metadata: state.result.metadata,
    client,
    title: 'Decode',
    jwksCache: sessions.jwksCache(server.config.id),
  });
  log.debug('decode', `Verifying against the keys of ${server.config.issuer}.`);
  return run.keys();
}

/**
 * Decodes a JWT from the argument, the editor selection or the clipboard and records it as a run,
 * so the inspector shows it. When its `iss` is a configured server with loaded metadata, the
 * signature is verified against that server's `jwks_uri`.
 */
export async function decodeJwt(
  argument: unknown,
  store: ServerStore,
  sessions: ServerSessions,
  runs: RunRegistry,
  log: Log,
): Promise<RunSnapshot | undefined> {
  const editor = vscode.window.activeTextEditor;
  const selection =
    editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  const source =
    typeof argument === 'string' ? argument : selection || (await vscode.env.clipboard.readText());
  const text = cleanTokenText(source);
  if (!/^[\w-]+\.[\w-]*\.[\w-]*(\.[\w-]*\.[\w-]*)?$/.test(text)) {
    throw new Error(
      'No JWT found in the selection or the clipboard. Select a token (header.payload.signature) or copy it, then run Decode JWT again.',
    );
  }
  const engine = await loadEngine();
  const decoded = engine.decodeToken(text);
  const claims = decoded.format === 'jws' ? decoded.claims : undefined;
  const issuer = typeof claims?.iss === 'string' ? claims.iss : undefined;
  const server = store.all().find((entry) => entry.config.issuer === issuer);
  const keys = await keysFor(server, sessions, log).catch(() => undefined);
  const inspected: InspectedToken = await engine.inspectToken('decoded', text, keys);
  const snapshot: RunSnapshot = {
    id: `decoded-${randomUUID()}`,
    title: 'Decoded token',
    serverId: server?.config.id ?? '',
    serverLabel: server?.config.label ?? issuer ?? 'No configured server',
    issuer: issuer ?? '',
    client_id: typeof claims?.client_id === 'string' ? claims.client_id : '',
    token_endpoint_auth_method: '',
    use_mtls_endpoint_aliases: false,
    startedAt: new Date().toISOString(),
    status: 'done',
    routes: [],
    steps: [],
    exchanges: [],
    tokens: [inspected],
  };
  runs.start(snapshot);
  runs.finish(snapshot.id, {});
  return snapshot;
}

type ClientTarget = { server: StoredServer; client: ClientConfig };

/** Lists the tokens of the given runs, newest run first, with only `label` when it is given. */
function runTokenChoices(candidates: RunSnapshot[], wanted: string | undefined): TokenItem[] {
  const items: TokenItem[] = [];
  for (const run of candidates) {
    for (const token of run.tokens) {
      if (wanted && token.label !== wanted) continue;
      items.push({
        label: token.label,
        description: `${run.title} · ${run.client_id} · ${new Date(run.startedAt).toLocaleTimeString()}`,
        detail: preview(token.token),
        token: token.token,
      });
    }
  }
  return items;
}

/** Lists the refresh tokens kept in SecretStorage for the given clients, without reading them out. */
async function storedRefreshChoices(targets: ClientTarget[], secrets: SecretStore) {
  const items: TokenItem[] = [];
  for (const { server, client } of targets) {
    if (!(await secrets.get(server.config.id, client.client_id, 'refreshToken'))) continue;
    items.push({
      label: 'refresh_token',
      description: `${client.client_id} at ${server.config.label ?? server.config.issuer}, from secret storage`,
      stored: true,
      hint: `${server.config.id}\n${client.client_id}`,
    });
  }
  return items;
}

/**
 * Copies a token to the clipboard: one of a run's tokens, or a client's refresh token from
 * SecretStorage. The argument narrows the choice: a run (node or `runId`), a client (node or
 * `serverId` and `client_id`), and a token `label`. Returns the label of the token copied.
 */
export async function copyToken(
  argument: unknown,
  store: ServerStore,
  runs: RunRegistry,
  secrets: SecretStore,
): Promise<string | undefined> {
  const runId =
    isTreeNode(argument) && argument.kind === 'run'
      ? argument.run.id
      : stringMember(argument, 'runId');
  const clientNode = isTreeNode(argument) && argument.kind === 'client' ? argument : undefined;
  const named =
    !runId && stringMember(argument, 'client_id')
      ? await clientArgument(argument, store, 'copy a token of')
      : undefined;
  const single: ClientTarget | undefined = clientNode ?? named;
  const wanted = stringMember(argument, 'label');

  const candidates = runId
    ? [runs.get(runId)].filter((run) => run !== undefined)
    : [...runs.all()]
        .reverse()
        .filter(
          (run) =>
            !single ||
            (run.serverId === single.server.config.id && run.client_id === single.client.client_id),
        );
  const targets: ClientTarget[] = single
    ? [single]
    : runId
      ? []
      : store
          .all()
          .flatMap((server) => server.config.clients.map((client) => ({ server, client })));
  const items = runTokenChoices(candidates, wanted);
  if (!wanted || wanted === 'refresh_token')
    items.push(...(await storedRefreshChoices(targets, secrets)));
  if (items.length === 0)
    throw new Error('No token to copy: run a flow that returns tokens first.');

  const picked =
    items.length === 1 && (runId || single || wanted)
      ? items[0]!
      : await vscode.window.showQuickPick(items, { title: 'Token to copy' });
  if (!picked) return undefined;
  let token = picked.token;
  if (picked.stored) {
    const [serverId, clientId] = picked.hint!.split('\n') as [string, string];
    token = await secrets.get(serverId, clientId, 'refreshToken');
  }
  if (!token) return undefined;
  await vscode.env.clipboard.writeText(token);
  void vscode.window.setStatusBarMessage(`Copied the ${picked.label} to the clipboard.`, 3000);
  return picked.label;
}
