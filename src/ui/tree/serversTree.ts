import * as vscode from 'vscode';
import { routeEndpoints } from '../../engine/routing';
import type { RunRegistry } from '../runs';
import type { ServerSessions } from '../serverSessions';
import type { ServerStore, StoredServer } from '../serverStore';
import { useMtlsAliasesByDefault } from '../settings';
import {
  clientItem,
  endpointItem,
  groupItem,
  metadataFieldItem,
  runItem,
  serverItem,
  type ServerTreeNode,
} from './nodes';

/** Metadata members shown first, in this order; the rest follow alphabetically. */
const IMPORTANT_METADATA = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'pushed_authorization_request_endpoint',
  'require_pushed_authorization_requests',
  'mtls_endpoint_aliases',
  'tls_client_certificate_bound_access_tokens',
  'token_endpoint_auth_methods_supported',
  'response_modes_supported',
  'grant_types_supported',
  'jwks_uri',
];

/**
 * The Servers view: servers, and under each its endpoints (with the URL each request will use for
 * the server's first client), clients, metadata and recent runs.
 */
export class ServersTreeProvider
  implements vscode.TreeDataProvider<ServerTreeNode>, vscode.Disposable
{
  private readonly changed = new vscode.EventEmitter<ServerTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly store: ServerStore,
    private readonly sessions: ServerSessions,
    private readonly runs: RunRegistry,
  ) {
    this.disposables.push(
      store.onDidChange(() => this.refresh()),
      sessions.onDidChange(() => this.refresh()),
      runs.onEvent((event) => {
        if (event.type === 'runStarted' || event.type === 'runFinished') this.refresh();
      }),
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: ServerTreeNode): vscode.TreeItem {
    const serverId = node.server.config.id;
    switch (node.kind) {
      case 'server':
        return serverItem(node.server, this.sessions.state(serverId));
      case 'endpoints':
        return groupItem('Endpoints', `endpoints:${serverId}`, 'symbol-interface', 'endpoints');
      case 'endpoint':
        return endpointItem(node.route, node.client);
      case 'clients':
        return groupItem('Clients', `clients:${serverId}`, 'account', 'clients');
      case 'client':
        return clientItem(node.server, node.client);
      case 'metadata':
        return groupItem('Metadata', `metadata:${serverId}`, 'json', 'metadata');
      case 'metadataField':
        return metadataFieldItem(node.name, node.value);
      case 'runs':
        return groupItem('Recent Runs', `runs:${serverId}`, 'history', 'runs');
      case 'run':
        return runItem(node.run);
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.tooltip = node.tooltip ?? node.text;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  getChildren(node?: ServerTreeNode): ServerTreeNode[] {
    if (!node) return this.store.all().map((server) => ({ kind: 'server', server }));
    const server = node.server;
    switch (node.kind) {
      case 'server':
        return this.serverChildren(server);
      case 'endpoints':
        return this.endpointChildren(server);
      case 'clients':
        return server.config.clients.map((client) => ({ kind: 'client', server, client }));
      case 'metadata':
        return this.metadataChildren(server);
      case 'runs':
        return this.runs
          .forServer(server.config.id)
          .reverse()
          .map((run) => ({ kind: 'run', server, run }));
      default:
        return [];
    }
  }

  private serverChildren(server: StoredServer): ServerTreeNode[] {
    const children: ServerTreeNode[] = [
      { kind: 'endpoints', server },
      { kind: 'clients', server },
      { kind: 'metadata', server },
    ];
    if (this.runs.forServer(server.config.id).length > 0) children.push({ kind: 'runs', server });
    return children;
  }

  private endpointChildren(server: StoredServer): ServerTreeNode[] {
    const state = this.sessions.state(server.config.id);
    if (state.status === 'failed') {
      return [{ kind: 'message', server, text: 'Discovery failed', tooltip: state.message }];
    }
    if (state.status !== 'loaded') {
      // Expanding Endpoints is the user asking to see them, so an unloaded server is discovered.
      if (state.status === 'idle') void this.sessions.discover(server).catch(() => undefined);
      return [{ kind: 'message', server, text: 'Loading metadata…' }];
    }
    const client = server.config.clients[0];
    const routes = routeEndpoints(state.result.metadata, {
      use_mtls_endpoint_aliases: client?.use_mtls_endpoint_aliases ?? useMtlsAliasesByDefault(),
      hasClientCertificate: Boolean(client?.certificateFile && client.keyFile),
    });
    return routes
      .filter((route) => route.url !== undefined)
      .map((route) => ({ kind: 'endpoint', server, route, client }));
  }

  private metadataChildren(server: StoredServer): ServerTreeNode[] {
    const state = this.sessions.state(server.config.id);
    if (state.status !== 'loaded')
      return [{ kind: 'message', server, text: 'Metadata not loaded' }];
    const metadata = state.result.metadata as Record<string, unknown>;
    const names = Object.keys(metadata);
    const ordered = [
      ...IMPORTANT_METADATA.filter((name) => name in metadata),
      ...names.filter((name) => !IMPORTANT_METADATA.includes(name)).sort(),
    ];
    return ordered.map((name) => ({ kind: 'metadataField', server, name, value: metadata[name] }));
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
