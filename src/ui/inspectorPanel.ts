import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type * as Engine from '../engine';
import type { ClientProfile } from '../engine/clientAuth';
import type { KeySource } from '../engine/tokens';
import { checkFlowParameters } from '../shared/flowParameters';
import { renderInspectorHtml } from '../shared/inspectorHtml';
import {
  parseWebviewMessage,
  type FlowKind,
  type FlowRunParameters,
  type HostMessage,
  type RunSnapshot,
  type ServerChoice,
  type WebviewMessage,
} from '../shared/inspectorProtocol';
import { classifyTokenInput } from '../shared/tokenInput';
import { CertificateScanner, displayPath, excludeGlob, errorView } from './certificateScanner';
import { Commands, Views } from './constants';
import { loadEngine } from './engineLoader';
import type { Log } from './log';
import type { RunRegistry } from './runs';
import type { SecretStore } from './secrets';
import type { ServerSessions } from './serverSessions';
import type { ServerStore } from './serverStore';
import { useMtlsAliasesByDefault } from './settings';

/** The run command each flow of the "New run" view executes. */
const FLOW_COMMANDS: Record<FlowKind, string> = {
  clientCredentials: Commands.runClientCredentials,
  authorizationCode: Commands.runAuthorizationCode,
  refresh: Commands.runRefresh,
  introspection: Commands.runIntrospection,
  revocation: Commands.runRevocation,
  userinfo: Commands.runUserInfo,
};

/** The extension's services that the New run, Certificates and Decode JWT views need. */
export interface InspectorServices {
  store: ServerStore;
  sessions: ServerSessions;
  secrets: SecretStore;
  /** VS Code's SecretStorage, for passphrases of key files that no configured client uses. */
  secretStorage: vscode.SecretStorage;
}

/** SecretStorage key of a passphrase kept for a key file that no configured client uses. */
function filePassphraseKey(file: string): string {
  return `oauthExplorer/file/${encodeURIComponent(file)}/keyPassphrase`;
}

/**
 * The Flow Inspector panel on the host side: one panel per window, a fresh CSP nonce per render,
 * resources only from the bundle and media folders, and every incoming message validated.
 */
export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;
  private static services: InspectorServices | undefined;
  private ready = false;
  private selectedRunId: string | undefined;
  /** A token to show in the Decode JWT view once the webview is ready. */
  private pendingDecode: string | undefined;
  private readonly scanner: CertificateScanner;
  private readonly disposables: vscode.Disposable[] = [];

  /**
   * Gives the inspector the services its New run, Certificates and Decode JWT views use. Until it
   * is called, those views report that they are not available.
   */
  static attachServices(services: InspectorServices): vscode.Disposable {
    InspectorPanel.services = services;
    InspectorPanel.current?.postServers();
    const subscription = services.store.onDidChange(() => InspectorPanel.current?.postServers());
    return new vscode.Disposable(() => {
      subscription.dispose();
      if (InspectorPanel.services === services) InspectorPanel.services = undefined;
    });
  }

  static show(
    extensionUri: vscode.Uri,
    runs: RunRegistry,
    log: Log,
    runId?: string,
  ): InspectorPanel {
    if (InspectorPanel.current) {
      InspectorPanel.current.panel.reveal(undefined, true);
      if (runId) InspectorPanel.current.select(runId);
      return InspectorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      Views.inspector,
      'Flow Inspector',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      InspectorPanel.options(extensionUri),
    );
    InspectorPanel.current = new InspectorPanel(panel, extensionUri, runs, log, runId);
    return InspectorPanel.current;
  }

  /** Re-attaches a panel VS Code restored after a window reload. */
  static revive(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    runs: RunRegistry,
    log: Log,
  ): void {
    InspectorPanel.current?.dispose();
    panel.webview.options = InspectorPanel.options(extensionUri);
    InspectorPanel.current = new InspectorPanel(panel, extensionUri, runs, log);
  }

  static isOpen(): boolean {
    return InspectorPanel.current !== undefined;
  }

  private static options(
    extensionUri: vscode.Uri,
  ): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(extensionUri, 'dist'),
        vscode.Uri.joinPath(extensionUri, 'media'),
      ],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunRegistry,
    private readonly log: Log,
    runId?: string,
  ) {
    this.selectedRunId = runId;
    this.scanner = new CertificateScanner(
      {
        findFiles: (maxResults, signal) => this.findCertificateFiles(maxResults, signal),
        storedPassphrase: (file) => this.storedPassphrase(file),
      },
      loadEngine,
      (status) => this.post({ type: 'certificates', status }),
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      runs.onEvent((event) => this.post(event)),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    return renderInspectorHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview
        .asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'))
        .toString(),
      styleUri: webview
        .asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'inspector.css'))
        .toString(),
    });
  }

  select(runId: string): void {
    this.selectedRunId = runId;
    this.post({ type: 'selectRun', runId });
  }

  /**
   * Reveals the inspector in its Decode JWT view with `token` filled in, and decodes it. When the
   * webview is still loading, the token is sent once it is ready.
   */
  showDecodedToken(token: string): void {
    this.panel.reveal(undefined, false);
    if (this.ready) this.post({ type: 'decode', token });
    else this.pendingDecode = token;
  }

  private post(message: HostMessage): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  private respond(requestId: string, outcome: { result: unknown } | { error: string }): void {
    if ('error' in outcome) {
      this.post({ type: 'response', requestId, ok: false, error: outcome.error });
    } else {
      this.post({ type: 'response', requestId, ok: true, result: outcome.result });
    }
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.log.warn('inspector', 'Ignored a malformed message from the inspector webview.');
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.log.error('inspector', `Handling "${message.type}" failed: ${text}`);
      if ('requestId' in message) this.respond(message.requestId, { error: text });
    }
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.onReady();
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        void vscode.window.setStatusBarMessage('Copied to the clipboard.', 2000);
        return;
      case 'decodeToken':
        this.respond(message.requestId, await this.decode(message.token, message.serverId));
        return;
      case 'rerun':
        await vscode.commands.executeCommand(Commands.rerun, message.runId);
        return;
      case 'clearRuns':
        this.runs.clear();
        return;
      case 'runSelected':
        this.selectedRunId = message.runId;
        return;
      case 'runFlow':
        this.respond(message.requestId, await this.runFlow(message.flow, message.parameters));
        return;
      case 'scanCertificates':
        await this.scanCertificates();
        return;
      case 'unlockCertificate':
        this.respond(message.requestId, await this.unlock(message.entryId));
        return;
      case 'useCertificate':
        this.respond(message.requestId, await this.useCertificate(message.certificateId));
        return;
    }
  }

  private onReady(): void {
    this.ready = true;
    this.post({
      type: 'snapshot',
      runs: [...this.runs.all()],
      selectedRunId: this.selectedRunId,
    });
    this.postServers();
    if (this.scanner.current) {
      this.post({ type: 'certificates', status: { state: 'done', scan: this.scanner.view() } });
    }
    if (this.pendingDecode !== undefined) {
      this.post({ type: 'decode', token: this.pendingDecode });
      this.pendingDecode = undefined;
    }
  }

  private postServers(): void {
    const services = InspectorPanel.services;
    if (!services) return;
    const aliasDefault = useMtlsAliasesByDefault();
    const servers: ServerChoice[] = services.store.all().map((server) => ({
      id: server.config.id,
      label: server.config.label ?? server.config.issuer,
      issuer: server.config.issuer,
      clients: server.config.clients.map((client) => ({
        client_id: client.client_id,
        token_endpoint_auth_method: client.token_endpoint_auth_method,
        use_mtls_endpoint_aliases: client.use_mtls_endpoint_aliases ?? aliasDefault,
        hasCertificate: client.certificateFile !== undefined,
        ...(client.scope !== undefined ? { scope: client.scope } : {}),
        ...(client.resource !== undefined ? { resource: [...client.resource] } : {}),
        ...(client.response_mode !== undefined ? { response_mode: client.response_mode } : {}),
      })),
    }));
    this.post({ type: 'servers', servers });
  }

  /** Starts a flow through its run command and returns the outcome once the run has ended. */
  private async runFlow(
    flow: FlowKind,
    parameters: FlowRunParameters,
  ): Promise<{ result: unknown } | { error: string }> {
    const rejected = this.checkRunFlow(flow, parameters);
    if (rejected) {
      this.log.warn('inspector', `Did not start ${flow} for ${parameters.client_id}: ${rejected}`);
      return { error: rejected };
    }

    const argument: FlowRunParameters = { ...parameters };
    if (flow !== 'authorizationCode') {
      delete argument.usePar;
      delete argument.pkce;
    }
    this.log.info('inspector', `Starting ${flow} for ${parameters.client_id} from the inspector.`);
    const run = await vscode.commands.executeCommand<RunSnapshot | undefined>(
      FLOW_COMMANDS[flow],
      argument,
    );
    if (!run) {
      return { error: 'The flow did not run. VS Code shows the reason in a notification.' };
    }
    return {
      result: { runId: run.id, status: run.status, error: run.error?.message },
    };
  }

  /** Returns why a run request from the webview cannot start, or undefined when it can. */
  private checkRunFlow(flow: FlowKind, parameters: FlowRunParameters): string | undefined {
    const problems = checkFlowParameters(flow, parameters);
    if (problems.length > 0) return problems.map((problem) => problem.message).join(' ');
    const services = InspectorPanel.services;
    if (!services) return 'Running flows from the inspector is not available yet.';
    const server = services.store.get(parameters.serverId);
    if (!server) return `No server with id ${parameters.serverId} is configured.`;
    if (!server.config.clients.some((client) => client.client_id === parameters.client_id)) {
      return `Server ${server.config.issuer} has no client ${parameters.client_id}.`;
    }
    return undefined;
  }

  /** Decodes a pasted token and, when a server is given, verifies it with that server's keys. */
  private async decode(
    token: string,
    serverId: string | undefined,
  ): Promise<{ result: unknown } | { error: string }> {
    const input = classifyTokenInput(token);
    if (!input.accepted) return { error: input.reason };
    const engine = await loadEngine();
    // With no server chosen, the configured server whose issuer is the token's `iss` verifies it.
    const chosenServerId = serverId ?? this.serverIdForIssuer(engine, input.text);
    let keys: KeySource | undefined;
    if (chosenServerId !== undefined) {
      try {
        keys = await this.keysFor(chosenServerId);
      } catch (error) {
        const reason = engine.describeError(error);
        this.log.warn(
          'inspector',
          `Loading the keys of server ${chosenServerId} failed: ${reason}`,
        );
        return { error: `The keys of the server could not be loaded: ${reason}` };
      }
    }
    const inspected = await engine.inspectToken('pasted token', input.text, keys);
    if (chosenServerId === undefined && inspected.verification.status === 'skipped') {
      inspected.verification = {
        status: 'skipped',
        reason:
          "No server was chosen, and no configured server has this token's issuer. Choose a server to verify the signature with its jwks_uri.",
      };
    }
    return { result: inspected };
  }

  /** Returns the id of the configured server whose issuer is the token's `iss` claim, if any. */
  private serverIdForIssuer(engine: typeof Engine, token: string): string | undefined {
    const services = InspectorPanel.services;
    if (!services) return undefined;
    let issuer: unknown;
    try {
      const decoded = engine.decodeToken(token);
      issuer = decoded.format === 'jws' ? decoded.claims?.iss : undefined;
    } catch {
      return undefined;
    }
    if (typeof issuer !== 'string') return undefined;
    return services.store.all().find((server) => server.config.issuer === issuer)?.config.id;
  }

  /** Returns the server's `jwks_uri` keys through its session's JWKS cache, discovering it first if needed. */
  private async keysFor(serverId: string): Promise<KeySource | undefined> {
    const services = InspectorPanel.services;
    if (!services) throw new Error('verification against a server is not available yet');
    const server = services.store.get(serverId);
    if (!server) throw new Error(`no server with id ${serverId} is configured`);
    const engine = await loadEngine();
    const discovery = await services.sessions.metadata(server);
    // Fetching the jwks_uri needs no client authentication, so a client of method none will do.
    const client: ClientProfile = {
      client_id: 'oauth-explorer-decoder',
      token_endpoint_auth_method: 'none',
      use_mtls_endpoint_aliases: false,
    };
    const run = new engine.FlowRun({
      http: await services.sessions.httpClient(server),
      metadata: discovery.metadata,
      client,
      title: 'Decode',
      jwksCache: services.sessions.jwksCache(serverId),
    });
    return run.keys();
  }

  private async scanCertificates(): Promise<void> {
    const unavailable = (message: string) =>
      this.post({ type: 'certificates', status: { state: 'unavailable', message } });
    if (!vscode.workspace.isTrusted) {
      unavailable('This workspace is not trusted, so its certificates and keys are not read.');
      return;
    }
    if (!vscode.workspace.workspaceFolders?.length) {
      unavailable('Open a folder to scan it for certificates.');
      return;
    }
    await this.scanner.rescan();
  }

  private async findCertificateFiles(maxResults: number, signal: AbortSignal): Promise<string[]> {
    const engine = await loadEngine();
    const exclude = excludeGlob(
      vscode.workspace.getConfiguration('files').get<Record<string, unknown>>('exclude'),
    );
    const source = new vscode.CancellationTokenSource();
    const abort = () => source.cancel();
    signal.addEventListener('abort', abort);
    try {
      const uris = await vscode.workspace.findFiles(
        engine.CERTIFICATE_FILE_GLOB,
        exclude,
        maxResults,
        source.token,
      );
      return uris.filter((uri) => uri.scheme === 'file').map((uri) => uri.fsPath);
    } finally {
      signal.removeEventListener('abort', abort);
      source.dispose();
    }
  }

  /** The configured clients whose key (or PKCS#12) file is `file`. */
  private clientsUsing(file: string): Array<{ serverId: string; client_id: string }> {
    const services = InspectorPanel.services;
    if (!services) return [];
    return services.store.all().flatMap((server) =>
      server.config.clients
        .filter((client) => {
          const keyFile = client.keyFile ?? client.certificateFile;
          return keyFile !== undefined && services.store.resolvePath(server, keyFile) === file;
        })
        .map((client) => ({ serverId: server.config.id, client_id: client.client_id })),
    );
  }

  private async storedPassphrase(file: string): Promise<string | undefined> {
    const services = InspectorPanel.services;
    if (!services) return undefined;
    for (const { serverId, client_id } of this.clientsUsing(file)) {
      const passphrase = await services.secrets.get(serverId, client_id, 'keyPassphrase');
      if (passphrase !== undefined) return passphrase;
    }
    const passphrase = await services.secretStorage.get(filePassphraseKey(file));
    this.log.registerSecret(passphrase);
    return passphrase;
  }

  /**
   * Asks for the passphrase of an encrypted entry in a password input box, opens the entry, and
   * offers to keep the passphrase in SecretStorage. The passphrase never reaches the webview.
   */
  private async unlock(entryId: string): Promise<{ result: unknown } | { error: string }> {
    const entry = this.scanner.encryptedEntry(entryId);
    if (!entry) return { error: 'That entry is not in the last scan. Scan the workspace again.' };
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const name = displayPath(entry.file, root);
    const passphrase = await vscode.window.showInputBox({
      title: `Passphrase of ${name}`,
      prompt:
        entry.format === 'pkcs12'
          ? 'The passphrase the PKCS#12 file was exported with.'
          : 'The passphrase the private key was encrypted with.',
      password: true,
      ignoreFocusOut: true,
    });
    if (passphrase === undefined) return { result: { unlocked: false } };
    this.log.registerSecret(passphrase);
    try {
      await this.scanner.unlock(entryId, passphrase);
    } catch (error) {
      const view = errorView(error instanceof Error ? error : new Error(String(error)));
      this.log.warn('inspector', `Unlocking ${name} failed: ${view.message}`);
      return { error: view.hint ? `${view.message} ${view.hint}` : view.message };
    }
    await this.offerToKeep(entry.file, name, passphrase);
    return { result: { unlocked: true } };
  }

  private async offerToKeep(file: string, name: string, passphrase: string): Promise<void> {
    const services = InspectorPanel.services;
    if (!services) return;
    const clients = this.clientsUsing(file);
    const choice = await vscode.window.showInformationMessage(
      `Keep the passphrase of ${name} in VS Code's secret storage?`,
      'Keep',
      'Not Now',
    );
    if (choice !== 'Keep') return;
    for (const { serverId, client_id } of clients) {
      await services.secrets.set(serverId, client_id, 'keyPassphrase', passphrase);
    }
    if (clients.length === 0)
      await services.secretStorage.store(filePassphraseKey(file), passphrase);
    this.log.info('inspector', `Kept the passphrase of ${name} in secret storage.`);
  }

  /** Hands a scanned certificate and its paired key to the certificate selection command. */
  private async useCertificate(
    certificateId: string,
  ): Promise<{ result: unknown } | { error: string }> {
    const certificate = this.scanner.certificate(certificateId);
    if (!certificate) {
      return { error: 'That certificate is not in the last scan. Scan the workspace again.' };
    }
    const key = this.scanner.keyFor(certificateId);
    if (!key) return { error: `No private key was found for ${certificate.subject}.` };
    const commands = await vscode.commands.getCommands(true);
    if (!commands.includes(Commands.selectCertificate)) {
      return { error: 'Selecting a certificate for a client is not available in this version.' };
    }
    const selected = await vscode.commands.executeCommand<boolean | undefined>(
      Commands.selectCertificate,
      { certificateFile: certificate.file, keyFile: key.file },
    );
    return { result: { selected: selected === true } };
  }

  dispose(): void {
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    this.scanner.cancel();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
  }
}
