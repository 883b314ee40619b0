import * as vscode from 'vscode';
import type { ClientConfig } from '../../config/serverConfig';
import type { RouteEntry } from '../../engine/routing';
import type { RunSnapshot } from '../../shared/inspectorProtocol';
import { Commands } from '../constants';
import type { DiscoveryState } from '../serverSessions';
import type { StoredServer } from '../serverStore';

/** The kinds of node in the Servers tree; each is also the node's `contextValue` prefix. */
export type ServerTreeNode =
  | { kind: 'server'; server: StoredServer }
  | { kind: 'endpoints'; server: StoredServer }
  | { kind: 'endpoint'; server: StoredServer; route: RouteEntry; client?: ClientConfig }
  | { kind: 'clients'; server: StoredServer }
  | { kind: 'client'; server: StoredServer; client: ClientConfig }
  | { kind: 'metadata'; server: StoredServer }
  | { kind: 'metadataField'; server: StoredServer; name: string; value: unknown }
  | { kind: 'runs'; server: StoredServer }
  | { kind: 'run'; server: StoredServer; run: RunSnapshot }
  | { kind: 'message'; server: StoredServer; text: string; tooltip?: string };

function time(date: Date): string {
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** A URL shortened for the sidebar: host, port and path without the scheme. */
export function shortUrl(url: string | undefined): string {
  if (!url) return 'not in metadata';
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return url;
  }
}

export function serverItem(server: StoredServer, state: DiscoveryState): vscode.TreeItem {
  const item = new vscode.TreeItem(
    server.config.label ?? server.config.issuer,
    vscode.TreeItemCollapsibleState.Collapsed,
  );
  item.id = `server:${server.config.id}`;
  item.contextValue = `server:${server.scope}`;
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${server.config.issuer}**\n\n`);
  tooltip.appendText(
    `Kept in ${server.scope === 'workspace' ? 'the workspace file' : 'user settings'}. `,
  );
  switch (state.status) {
    case 'idle':
      item.description = 'not loaded';
      item.iconPath = new vscode.ThemeIcon('server');
      break;
    case 'loading':
      item.description = 'loading…';
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      break;
    case 'loaded':
      item.description = `loaded ${time(state.loadedAt)}`;
      item.iconPath = new vscode.ThemeIcon('server-environment');
      tooltip.appendText(
        `Metadata loaded from ${state.result.url} at ${state.loadedAt.toLocaleString()}.`,
      );
      for (const warning of state.result.warnings)
        tooltip.appendText(`\nWarning: ${warning.message}`);
      break;
    case 'failed':
      item.description = 'failed';
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      tooltip.appendText(`Discovery failed at ${state.at.toLocaleString()}: ${state.message}`);
      break;
  }
  item.tooltip = tooltip;
  return item;
}

export function endpointItem(route: RouteEntry, client: ClientConfig | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(route.endpoint, vscode.TreeItemCollapsibleState.None);
  item.description = `${route.viaAlias ? 'alias · ' : ''}${shortUrl(route.url)}`;
  item.contextValue = route.viaAlias ? 'endpoint:alias' : 'endpoint:plain';
  const icon =
    route.channel === 'front-channel'
      ? 'globe'
      : route.channel === 'keys'
        ? 'key'
        : route.viaAlias
          ? 'lock'
          : 'unlock';
  item.iconPath = new vscode.ThemeIcon(icon);
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(route.reason);
  if (client) tooltip.appendText(`\n\nRouting shown for client ${client.client_id}.`);
  if (route.plainUrl) tooltip.appendText(`\n\nPlain URL: ${route.plainUrl}`);
  if (route.aliasUrl) tooltip.appendText(`\nmTLS alias: ${route.aliasUrl}`);
  if (route.url) tooltip.appendText(`\nUsed: ${route.url}`);
  item.tooltip = tooltip;
  item.accessibilityInformation = {
    label: `${route.endpoint}, ${route.viaAlias ? 'mTLS alias' : 'plain URL'}, ${route.url ?? 'not in metadata'}`,
  };
  return item;
}

export function clientItem(server: StoredServer, client: ClientConfig): vscode.TreeItem {
  const item = new vscode.TreeItem(client.client_id, vscode.TreeItemCollapsibleState.None);
  item.id = `client:${server.config.id}:${client.client_id}`;
  item.description = client.token_endpoint_auth_method;
  item.contextValue = 'client';
  item.iconPath = new vscode.ThemeIcon(client.certificateFile ? 'shield' : 'account');
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(`${client.client_id}: ${client.token_endpoint_auth_method}`);
  if (client.certificateFile)
    tooltip.appendText(
      `\nCertificate: ${client.certificateFile}\nKey: ${client.keyFile ?? 'none'}`,
    );
  item.tooltip = tooltip;
  return item;
}

export function runItem(run: RunSnapshot): vscode.TreeItem {
  const item = new vscode.TreeItem(run.title, vscode.TreeItemCollapsibleState.None);
  item.id = `run:${run.id}`;
  item.description = `${run.client_id} · ${run.status} · ${new Date(run.startedAt).toLocaleTimeString()}`;
  item.contextValue = 'run';
  const icons: Record<RunSnapshot['status'], string> = {
    running: 'loading~spin',
    done: 'pass',
    failed: 'error',
    cancelled: 'circle-slash',
  };
  item.iconPath = new vscode.ThemeIcon(icons[run.status]);
  item.tooltip = run.error
    ? `${run.error.message} ${run.error.hint ?? ''}`
    : `${run.exchanges.length} exchanges`;
  item.command = {
    command: Commands.openInspector,
    title: 'Open in Inspector',
    arguments: [run.id],
  };
  return item;
}

export function groupItem(
  label: string,
  id: string,
  icon: string,
  contextValue: string,
): vscode.TreeItem {
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = id;
  item.iconPath = new vscode.ThemeIcon(icon);
  item.contextValue = contextValue;
  return item;
}

export function metadataFieldItem(name: string, value: unknown): vscode.TreeItem {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
  item.description = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  item.tooltip = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  item.contextValue = 'metadataField';
  return item;
}
