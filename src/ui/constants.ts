/** Command identifiers, as contributed in package.json. */
export const Commands = {
  addServer: 'oauthExplorer.addServer',
  removeServer: 'oauthExplorer.removeServer',
  refreshServer: 'oauthExplorer.refreshServer',
  refreshAll: 'oauthExplorer.refreshAll',
  runClientCredentials: 'oauthExplorer.runClientCredentials',
  runAuthorizationCode: 'oauthExplorer.runAuthorizationCode',
  openInspector: 'oauthExplorer.openInspector',
  rerun: 'oauthExplorer.rerun',
  runRefresh: 'oauthExplorer.runRefresh',
  showLog: 'oauthExplorer.showLog',
  openConfig: 'oauthExplorer.openConfig',
} as const;

/** Setting keys under the `oauthExplorer` section. */
export const Settings = {
  section: 'oauthExplorer',
  connectTimeout: 'timeouts.connectSeconds',
  responseTimeout: 'timeouts.responseSeconds',
  callbackTimeout: 'timeouts.authorizationSeconds',
  maxResponseSize: 'maxResponseSizeKiB',
  extraCaCertificates: 'extraCaCertificates',
  useMtlsAliases: 'useMtlsEndpointAliasesByDefault',
  redirectPortRange: 'redirectPortRange',
} as const;

export const Views = {
  container: 'oauthExplorer',
  servers: 'oauthExplorer.servers',
  inspector: 'oauthExplorer.inspector',
} as const;

/** Context keys set by the extension for `when` clauses. */
export const ContextKeys = {
  /** True once at least one server is configured; hides the welcome view. */
  hasServers: 'oauthExplorer.hasServers',
} as const;

/** The workspace file that holds servers and clients (never secrets). */
export const CONFIG_FILE = '.vscode/oauth-explorer.json';
