import * as vscode from 'vscode';
import { routeEndpoints } from '../../engine/routing';
import { CertificateInfoCache } from '../certificateInfo';
import type { RunRegistry } from '../runs';
import type { ServerSessions } from '../serverSessions';
import type { ServerStore, StoredServer } from '../serverStore';
import { useMtlsAliasesByDefault } from '../settings';
import {
  clientItem,
  endpointItem,
  endpointUrlItem,
  groupItem,
  messageItem,
  metadataFieldItem,
  problemItem,
  runItem,
  serverItem,
  type ServerTreeNode,
} from './nodes';

/** Metadata members shown first, in this order; the rest follow in groups. */
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

/** Groups for the other metadata members, by the first test a member name passes. */
const METADATA_GROUPS: { label: string; test: (name: string) => boolean }[] = [
  { label: 'Endpoints and URLs', test: (name) => /(_endpoint|_uri|_url)$/.test(name) },
  { label: 'Supported values', test: (name) => name.endsWith('_supported') },
  {
    label: 'Requirements and flags',
    test: (name) => /^require_|_required$|^tls_|^frontchannel|^backchannel/.test(name),
  },
  { label: 'Other members', test: () => true },
];

/**
 * The Servers view: configuration problems first, then the servers, and under each its endpoints
 * (with the URL each request uses for the selected client), clients, metadata and recent runs.
 */
export class ServersTreeProvider
  implements vscode.TreeDataProvider<ServerTreeNode>, vscode.Disposable
{
  private readonly changed = new vscode.EventEmitter<ServerTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private readonly certificates = new CertificateInfoCache();
  /** The client whose routing the Endpoints of each server show, by server id. */
  private readonly selectedClients = new Map<string, string>();

  constructor(
    private readonly store: ServerStore,
    private readonly sessions: ServerSessions,
    private readonly runs: RunRegistry,
  ) {
    this.disposables.push(
      store.onDidChange(() => this.refresh()),
      sessions.onDidChange(() => this.refresh()),
      runs.onEvent((event) => {
        if (
          event.type === 'runStarted' ||
          event.type === 'runFinished' ||
          event.type === 'snapshot'
        ) {
          this.refresh();
        }
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('oauthExplorer')) this.refresh();
      }),
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Shows the routing of this client under the server's Endpoints. */
  selectClient(serverId: string, clientId: string): void {
    this.selectedClients.set(serverId, clientId);
    this.refresh();
  }

  /** Returns the client whose routing the server's Endpoints show: the selected one, else the first. */
  selectedClient(server: StoredServer) {
    const selected = this.selectedClients.get(server.config.id);
    return (
      server.config.clients.find((client) => client.client_id === selected) ??
      server.config.clients[0]
    );
  }

  getTreeItem(node: ServerTreeNode): vscode.TreeItem {
    if (node.kind === 'problem') return problemItem(node.problem, node.file);
    const serverId = node.server.config.id;
    switch (node.kind) {
      case 'server':
        return serverItem(node.server, this.sessions.state(serverId));
      case 'endpoints': {
        const client = this.selectedClient(node.server);
        return groupItem(
          'Endpoints',
          `endpoints:${serverId}`,
          'symbol-interface',
          'endpoints',
          client ? `for ${client.client_id}` : undefined,
        );
      }
      case 'endpoint':
        return endpointItem(node.route, node.client);
      case 'endpointUrl':
        return endpointUrlItem(node.route, node.which, node.client);
      case 'clients':
        return groupItem(
          'Clients',
          `clients:${serverId}`,
          'account',
          'clients',
          `${node.server.config.clients.length}`,
        );
      case 'client': {
        const file = node.client.certificateFile;
        const info =
          file &&
          this.certificates.get(this.store.resolvePath(node.server, file), () => this.refresh());
        return clientItem(node.server, node.client, node.selected, info || undefined);
      }
      case 'metadata':
        return groupItem('Metadata', `metadata:${serverId}`, 'json', 'metadata');
      case 'metadataGroup':
        return groupItem(
          node.label,
          `metadata:${serverId}:${node.label}`,
          'folder',
          'metadataGroup',
          `${node.names.length}`,
        );
      case 'metadataField':
        return metadataFieldItem(node.name, node.value, `${serverId}:${node.path}`);
      case 'runs':
        return groupItem('Recent Runs', `runs:${serverId}`, 'history', 'runs');
      case 'run':
        return runItem(node.run);
      case 'message':
        return messageItem(node.text, node.tooltip, node.icon);
    }
  }

  getChildren(node?: ServerTreeNode): ServerTreeNode[] {
    if (!node) return this.rootChildren();
    if (node.kind === 'problem') return [];
    const server = node.server;
    switch (node.kind) {
      case 'server':
        return this.serverChildren(server);
      case 'endpoints':
        return this.endpointChildren(server);
      case 'endpoint':
        return (['plain', 'alias'] as const)
          .filter((which) => (which === 'plain' ? node.route.plainUrl : node.route.aliasUrl))
          .map((which) => ({
            kind: 'endpointUrl',
            server,
            route: node.route,
            which,
            client: node.client,
          }));
      case 'clients':
        return this.clientChildren(server);
      case 'metadata':
        return this.metadataChildren(server);
      case 'metadataGroup':
        return this.metadataFields(server, node.names, '');
      case 'metadataField':
        return this.valueChildren(server, node.value, node.path);
      case 'runs':
        return this.runs
          .forServer(server.config.id)
          .reverse()
          .map((run) => ({ kind: 'run', server, run }));
      default:
        return [];
    }
  }

  private rootChildren(): ServerTreeNode[] {
    const file = this.store.configFileUri()?.fsPath ?? '';
    const problems: ServerTreeNode[] = this.store
      .problems()
      .map((problem) => ({ kind: 'problem', problem, file }));
    return [
      ...problems,
      ...this.store.all().map((server): ServerTreeNode => ({ kind: 'server', server })),
    ];
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

  private clientChildren(server: StoredServer): ServerTreeNode[] {
    if (server.config.clients.length === 0) {
      return [{ kind: 'message', server, text: 'No client yet: use Add Client', icon: 'add' }];
    }
    const selected = this.selectedClient(server);
    return server.config.clients.map((client) => ({
      kind: 'client',
      server,
      client,
      selected: server.config.clients.length > 1 && client === selected,
    }));
  }

  private endpointChildren(server: StoredServer): ServerTreeNode[] {
    const state = this.sessions.state(server.config.id);
    if (state.status === 'failed') {
      return [
        {
          kind: 'message',
          server,
          text: 'Loading the metadata failed',
          tooltip: state.message,
          icon: 'error',
        },
      ];
    }
    if (state.status !== 'loaded') {
      // Expanding Endpoints is the user asking to see them, so an unloaded server is discovered.
      if (state.status === 'idle') void this.sessions.discover(server).catch(() => undefined);
      return [{ kind: 'message', server, text: 'Loading metadata…', icon: 'loading~spin' }];
    }
    const client = this.selectedClient(server);
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
    if (state.status !== 'loaded') {
      return [{ kind: 'message', server, text: 'Metadata not loaded: refresh the server' }];
    }
    const metadata = state.result.metadata as Record<string, unknown>;
    const names = Object.keys(metadata);
    const important = IMPORTANT_METADATA.filter((name) => name in metadata);
    const rest = names.filter((name) => !IMPORTANT_METADATA.includes(name)).sort();
    const groups: ServerTreeNode[] = [];
    const assigned = new Set<string>();
    for (const group of METADATA_GROUPS) {
      const members = rest.filter((name) => !assigned.has(name) && group.test(name));
      members.forEach((name) => assigned.add(name));
      if (members.length > 0)
        groups.push({ kind: 'metadataGroup', server, label: group.label, names: members });
    }
    return [...this.metadataFields(server, important, ''), ...groups];
  }

  private metadataFields(server: StoredServer, names: string[], prefix: string): ServerTreeNode[] {
    const state = this.sessions.state(server.config.id);
    if (state.status !== 'loaded') return [];
    const metadata = state.result.metadata as Record<string, unknown>;
    return names.map((name) => ({
      kind: 'metadataField',
      server,
      name,
      value: metadata[name],
      path: `${prefix}${name}`,
    }));
  }

  private valueChildren(server: StoredServer, value: unknown, path: string): ServerTreeNode[] {
    if (value === null || typeof value !== 'object') return [];
    return Object.entries(value).map(([name, member]) => ({
      kind: 'metadataField',
      server,
      name: Array.isArray(value) ? `[${name}]` : name,
      value: member,
      path: `${path}/${name}`,
    }));
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
