/** Command identifiers, as contributed in package.json. */
export const Commands = {
  addServer: 'oauthExplorer.addServer',
  editServer: 'oauthExplorer.editServer',
  removeServer: 'oauthExplorer.removeServer',
  refreshServer: 'oauthExplorer.refreshServer',
  refreshAll: 'oauthExplorer.refreshAll',
  addClient: 'oauthExplorer.addClient',
  editClient: 'oauthExplorer.editClient',
  removeClient: 'oauthExplorer.removeClient',
  selectCertificate: 'oauthExplorer.selectCertificate',
  showEndpointsFor: 'oauthExplorer.showEndpointsFor',
  runClientCredentials: 'oauthExplorer.runClientCredentials',
  runAuthorizationCode: 'oauthExplorer.runAuthorizationCode',
  runIntrospection: 'oauthExplorer.runIntrospection',
  runRevocation: 'oauthExplorer.runRevocation',
  runUserInfo: 'oauthExplorer.runUserInfo',
  decodeJwt: 'oauthExplorer.decodeJwt',
  copyToken: 'oauthExplorer.copyToken',
  exportCurl: 'oauthExplorer.exportCurl',
  copyValue: 'oauthExplorer.copyValue',
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
  /** True once at least one server is configured, which hides the welcome view. */
  hasServers: 'oauthExplorer.hasServers',
  /** True when at least one server has a client. */
  hasClients: 'oauthExplorer.hasClients',
  /** True when this window has recorded a run. */
  hasRuns: 'oauthExplorer.hasRuns',
  /** True when the workspace configuration file has problems. */
  hasConfigProblems: 'oauthExplorer.hasConfigProblems',
} as const;

/** The workspace file that holds servers and clients (never secrets). */
export const CONFIG_FILE = '.vscode/oauth-explorer.json';
