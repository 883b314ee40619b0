import type { ClientConfig } from '../../config/serverConfig';
import type { RunSnapshot } from '../../shared/inspectorProtocol';
import type { RunRegistry } from '../runs';
import type { ServerStore, StoredServer } from '../serverStore';
import type { ServerTreeNode } from '../tree/nodes';
import { pickClient, pickRun, pickServer } from './pickers';

/**
 * Command arguments come from three places: a tree node (menus), an object or an id (scripts,
 * tests and other commands), or nothing (the command palette), when the user is asked.
 */
export function isTreeNode(value: unknown): value is ServerTreeNode {
  return (
    value !== null &&
    typeof value === 'object' &&
    'kind' in value &&
    ('server' in value || (value as { kind: unknown }).kind === 'problem')
  );
}

function member(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object'
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** Returns the server a command acts on, asking the user when the argument names none. */
export async function serverArgument(
  argument: unknown,
  store: ServerStore,
  action: string,
): Promise<StoredServer | undefined> {
  if (isTreeNode(argument) && argument.server) return argument.server;
  const id = typeof argument === 'string' ? argument : member(argument, 'serverId');
  if (typeof id === 'string') {
    const server = store.get(id);
    if (!server) throw new Error(`No server with id ${id} is configured.`);
    return server;
  }
  return pickServer(store, `Server to ${action}`);
}

/** Returns the server and client a command acts on, asking the user for what is missing. */
export async function clientArgument(
  argument: unknown,
  store: ServerStore,
  action: string,
): Promise<{ server: StoredServer; client: ClientConfig } | undefined> {
  if (isTreeNode(argument) && argument.kind === 'client') {
    return { server: argument.server, client: argument.client };
  }
  const server = await serverArgument(argument, store, action);
  if (!server) return undefined;
  const clientId = member(argument, 'client_id');
  if (typeof clientId === 'string') {
    const client = server.config.clients.find((entry) => entry.client_id === clientId);
    if (!client) throw new Error(`Server ${server.config.issuer} has no client ${clientId}.`);
    return { server, client };
  }
  const client = await pickClient(server, `Client to ${action}`);
  return client && { server, client };
}

/** Returns the run a command acts on: a Recent Runs node, a run id, or one the user picks. */
export async function runArgument(
  argument: unknown,
  runs: RunRegistry,
  action: string,
): Promise<RunSnapshot | undefined> {
  if (isTreeNode(argument) && argument.kind === 'run')
    return runs.get(argument.run.id) ?? argument.run;
  const id = typeof argument === 'string' ? argument : member(argument, 'runId');
  if (typeof id === 'string') {
    const run = runs.get(id);
    if (!run) throw new Error(`No run with id ${id} is recorded in this window.`);
    return run;
  }
  return pickRun(runs, `Run to ${action}`);
}

/** Returns a string member of an object argument, or undefined. */
export function stringMember(argument: unknown, name: string): string | undefined {
  const value = member(argument, name);
  return typeof value === 'string' ? value : undefined;
}
