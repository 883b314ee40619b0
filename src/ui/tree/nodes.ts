import * as vscode from 'vscode';
import type { ClientConfig, ConfigProblem } from '../../config/serverConfig';
import type { RouteEntry } from '../../engine/routing';
import type { RunSnapshot } from '../../shared/inspectorProtocol';
import { EXPIRY_WARNING_DAYS, type CertificateInfo } from '../certificateInfo';
import { Commands } from '../constants';
import type { DiscoveryState } from '../serverSessions';
import type { StoredServer } from '../serverStore';

/** The kinds of node in the Servers tree; each kind is also its item's `contextValue` prefix. */
export type ServerTreeNode =
  | { kind: 'server'; server: StoredServer }
  | { kind: 'endpoints'; server: StoredServer }
  | { kind: 'endpoint'; server: StoredServer; route: RouteEntry; client?: ClientConfig }
  | {
      kind: 'endpointUrl';
      server: StoredServer;
      route: RouteEntry;
      which: 'plain' | 'alias';
      client?: ClientConfig;
    }
  | { kind: 'clients'; server: StoredServer }
  | { kind: 'client'; server: StoredServer; client: ClientConfig; selected: boolean }
  | { kind: 'metadata'; server: StoredServer }
  | { kind: 'metadataGroup'; server: StoredServer; label: string; names: string[] }
  | { kind: 'metadataField'; server: StoredServer; name: string; value: unknown; path: string }
  | { kind: 'runs'; server: StoredServer }
  | { kind: 'run'; server: StoredServer; run: RunSnapshot }
  | { kind: 'message'; server: StoredServer; text: string; tooltip?: string; icon?: string }
  | { kind: 'problem'; server?: undefined; problem: ConfigProblem; file: string };

/** Formats a time to the second, so that a refresh within the same minute shows. */
function time(date: Date): string {
  return date.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
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

/** A security profile hint read from the metadata: a short badge and a sentence for the tooltip. */
export interface ProfileHint {
  badge: string;
  sentence: string;
}

/** Reads hints about the server's security profile (FAPI 2.0 and RFC 8705 features) from its metadata. */
export function profileHints(metadata: Record<string, unknown>): ProfileHint[] {
  const hints: ProfileHint[] = [];
  const parRequired = metadata.require_pushed_authorization_requests === true;
  const aliases =
    metadata.mtls_endpoint_aliases !== null && typeof metadata.mtls_endpoint_aliases === 'object';
  const bound = metadata.tls_client_certificate_bound_access_tokens === true;
  const dpop = Array.isArray(metadata.dpop_signing_alg_values_supported);
  if (parRequired && (bound || dpop)) {
    hints.push({
      badge: 'FAPI-like',
      sentence:
        'FAPI 2.0-like: pushed authorization requests are required and access tokens are sender-constrained.',
    });
  }
  if (parRequired) {
    hints.push({
      badge: 'PAR required',
      sentence: 'require_pushed_authorization_requests is true.',
    });
  }
  if (aliases) {
    hints.push({
      badge: 'mTLS aliases',
      sentence: 'The metadata has mtls_endpoint_aliases (RFC 8705 section 5).',
    });
  }
  if (bound) {
    hints.push({
      badge: 'bound tokens',
      sentence:
        'tls_client_certificate_bound_access_tokens is true: access tokens are bound to the client certificate.',
    });
  }
  return hints;
}

export function serverItem(server: StoredServer, state: DiscoveryState): vscode.TreeItem {
  const item = new vscode.TreeItem(
    server.config.label ?? server.config.issuer,
    vscode.TreeItemCollapsibleState.Collapsed,
  );
  item.id = `server:${server.config.id}`;
  item.contextValue = `server:${server.scope}`;
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${escapeMarkdown(server.config.issuer)}**\n\n`);
  tooltip.appendText(
    `Kept in ${server.scope === 'workspace' ? 'the workspace file .vscode/oauth-explorer.json' : 'your user settings'}.\n\n`,
  );
  switch (state.status) {
    case 'idle':
      item.description = 'not loaded';
      item.iconPath = new vscode.ThemeIcon('server');
      tooltip.appendText('Metadata not loaded yet: expand Endpoints or refresh the server.');
      break;
    case 'loading':
      item.description = 'loading…';
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      break;
    case 'loaded': {
      const hints = profileHints(state.result.metadata as Record<string, unknown>);
      item.description = [
        `loaded ${time(state.loadedAt)}`,
        ...hints.map((hint) => hint.badge),
      ].join(' · ');
      item.iconPath = new vscode.ThemeIcon(hints.length > 0 ? 'shield' : 'server-environment');
      tooltip.appendText(
        `Metadata loaded from ${state.result.url} at ${state.loadedAt.toLocaleString()}.`,
      );
      for (const hint of hints) tooltip.appendText(`\n${hint.sentence}`);
      for (const warning of state.result.warnings)
        tooltip.appendText(`\nWarning: ${warning.message}`);
      break;
    }
    case 'failed':
      item.description = 'failed';
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      tooltip.appendText(
        `Loading the metadata failed at ${state.at.toLocaleString()}: ${state.message}`,
      );
      break;
  }
  if (server.config.issuer !== item.label)
    item.description = `${item.description} · ${shortUrl(server.config.issuer)}`;
  item.tooltip = tooltip;
  return item;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export function endpointItem(route: RouteEntry, client: ClientConfig | undefined): vscode.TreeItem {
  const both = route.plainUrl !== undefined && route.aliasUrl !== undefined;
  const item = new vscode.TreeItem(
    route.endpoint,
    both ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
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
  tooltip.appendText(
    client
      ? `\n\nRouting shown for the client ${client.client_id}.`
      : '\n\nThe server has no client, so the routing shown uses the default setting.',
  );
  if (route.plainUrl) tooltip.appendText(`\n\nPlain URL: ${route.plainUrl}`);
  if (route.aliasUrl) tooltip.appendText(`\nmTLS alias: ${route.aliasUrl}`);
  if (route.url) tooltip.appendText(`\nUsed: ${route.url}`);
  tooltip.appendText(
    route.presentsCertificate
      ? '\nThe client certificate is presented.'
      : '\nNo client certificate is presented.',
  );
  item.tooltip = tooltip;
  item.accessibilityInformation = {
    label: `${route.endpoint}, ${route.viaAlias ? 'mTLS alias' : 'plain URL'}, ${route.url ?? 'not in metadata'}`,
  };
  return item;
}

export function endpointUrlItem(
  route: RouteEntry,
  which: 'plain' | 'alias',
  client: ClientConfig | undefined,
): vscode.TreeItem {
  const url = which === 'plain' ? route.plainUrl : route.aliasUrl;
  const used = url === route.url;
  const item = new vscode.TreeItem(
    which === 'plain' ? 'plain' : 'mTLS alias',
    vscode.TreeItemCollapsibleState.None,
  );
  item.description = `${url ?? ''}${used ? ` · used${client ? ` by ${client.client_id}` : ''}` : ''}`;
  item.iconPath = new vscode.ThemeIcon(used ? 'pass-filled' : 'circle-large-outline');
  item.tooltip = used ? `${url}\n\n${route.reason}` : `${url}\n\nNot used: ${route.reason}`;
  item.contextValue = 'endpointUrl';
  return item;
}

function certificateDescription(info: CertificateInfo | undefined): {
  text: string;
  warning?: string;
  tooltip: string;
} {
  if (!info) return { text: '', tooltip: 'Reading the certificate…' };
  if (info.status === 'encrypted') {
    return {
      text: 'encrypted certificate file',
      tooltip: 'The certificate file is encrypted (PKCS#12).',
    };
  }
  if (info.status === 'failed') {
    return { text: 'certificate unreadable', warning: info.message, tooltip: info.message };
  }
  const { certificate, daysLeft } = info;
  const date = certificate.validTo.slice(0, 10);
  const tooltip = `Subject: ${certificate.subject}\nIssuer: ${certificate.issuer}\nValid from ${certificate.validFrom} to ${certificate.validTo}\nx5t#S256: ${certificate.x5tS256}`;
  if (certificate.validity === 'expired') {
    return {
      text: `${certificate.subject} · expired ${date}`,
      warning: `The client certificate expired on ${date}.`,
      tooltip,
    };
  }
  if (certificate.validity === 'notYetValid') {
    return {
      text: `${certificate.subject} · not yet valid`,
      warning: `The client certificate is valid from ${certificate.validFrom} only.`,
      tooltip,
    };
  }
  if (daysLeft <= EXPIRY_WARNING_DAYS) {
    return {
      text: `${certificate.subject} · expires in ${daysLeft} days`,
      warning: `The client certificate expires on ${date}, in ${daysLeft} days.`,
      tooltip,
    };
  }
  return { text: `${certificate.subject} · until ${date}`, tooltip };
}

export function clientItem(
  server: StoredServer,
  client: ClientConfig,
  selected: boolean,
  certificate: CertificateInfo | undefined,
): vscode.TreeItem {
  const item = new vscode.TreeItem(client.client_id, vscode.TreeItemCollapsibleState.None);
  item.id = `client:${server.config.id}:${client.client_id}`;
  const described = client.certificateFile ? certificateDescription(certificate) : undefined;
  item.description = [client.token_endpoint_auth_method, described?.text]
    .filter(Boolean)
    .join(' · ');
  item.contextValue = client.certificateFile ? 'client:certificate' : 'client:plain';
  item.iconPath = described?.warning
    ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
    : new vscode.ThemeIcon(client.certificateFile ? 'shield' : 'account');
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(`${client.client_id}: ${client.token_endpoint_auth_method}`);
  if (selected)
    tooltip.appendText('\nThe Endpoints of this server show the routing for this client.');
  if (described?.warning) tooltip.appendText(`\n\nWarning: ${described.warning}`);
  if (client.certificateFile) {
    tooltip.appendText(
      `\n\nCertificate: ${client.certificateFile}\nKey: ${client.keyFile ?? 'none'}`,
    );
    tooltip.appendText(`\n${described?.tooltip ?? ''}`);
  }
  tooltip.appendText(
    `\n\nmTLS endpoint aliases: ${client.use_mtls_endpoint_aliases === undefined ? 'setting default' : client.use_mtls_endpoint_aliases ? 'yes' : 'no'}`,
  );
  if (client.scope) tooltip.appendText(`\nScope: ${client.scope}`);
  item.tooltip = tooltip;
  if (selected) item.description = `${item.description} · endpoints`;
  return item;
}

export function runItem(run: RunSnapshot): vscode.TreeItem {
  const item = new vscode.TreeItem(run.title, vscode.TreeItemCollapsibleState.None);
  item.id = `run:${run.id}`;
  item.description = `${run.client_id} · ${run.status} · ${new Date(run.startedAt).toLocaleTimeString()}`;
  item.contextValue = run.tokens.some((token) => token.label === 'access_token')
    ? 'run:tokens'
    : 'run';
  const icons: Record<RunSnapshot['status'], string> = {
    running: 'loading~spin',
    done: 'pass',
    failed: 'error',
    cancelled: 'circle-slash',
  };
  item.iconPath = new vscode.ThemeIcon(icons[run.status]);
  item.tooltip = run.error
    ? `${run.error.message} ${run.error.hint ?? ''}`
    : `${run.exchanges.length} HTTP exchanges, ${run.tokens.length} tokens. Click to open it in the Flow Inspector.`;
  item.command = {
    command: Commands.openInspector,
    title: 'Open in Flow Inspector',
    arguments: [run.id],
  };
  return item;
}

export function groupItem(
  label: string,
  id: string,
  icon: string,
  contextValue: string,
  description?: string,
): vscode.TreeItem {
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = id;
  item.iconPath = new vscode.ThemeIcon(icon);
  item.contextValue = contextValue;
  item.description = description;
  return item;
}

/** Returns whether a metadata value has members or items to show as children. */
export function hasChildren(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}

export function metadataFieldItem(name: string, value: unknown, path: string): vscode.TreeItem {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const item = new vscode.TreeItem(
    name,
    hasChildren(value)
      ? vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None,
  );
  item.id = `metadata:${path}`;
  item.description = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  item.tooltip = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  item.contextValue = 'metadataField';
  return item;
}

export function messageItem(
  text: string,
  tooltip: string | undefined,
  icon = 'info',
): vscode.TreeItem {
  const item = new vscode.TreeItem(text, vscode.TreeItemCollapsibleState.None);
  item.tooltip = tooltip ?? text;
  item.iconPath = new vscode.ThemeIcon(icon);
  return item;
}

export function problemItem(problem: ConfigProblem, file: string): vscode.TreeItem {
  const where = problem.line ? `line ${problem.line}` : 'file';
  const item = new vscode.TreeItem(
    `${problem.path || 'oauth-explorer.json'}: ${problem.message}`,
    vscode.TreeItemCollapsibleState.None,
  );
  item.description = where;
  item.tooltip = `${file}${problem.line ? `:${problem.line}` : ''}\n${problem.message}\n\nClick to open the file at this ${problem.line ? 'line' : 'place'}.`;
  item.iconPath =
    problem.severity === 'error'
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
      : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.contextValue = 'problem';
  item.command = {
    command: Commands.openConfig,
    title: 'Open File',
    arguments: [{ line: problem.line }],
  };
  return item;
}
