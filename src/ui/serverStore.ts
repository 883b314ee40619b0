import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  addServerEntry,
  parseConfig,
  removeClientEntry,
  removeServerEntry,
  updateServerEntry,
  upsertClientEntry,
  type ClientConfig,
  type ConfigProblem,
  type ServerChanges,
  type ServerConfig,
} from '../config/serverConfig';
import { CONFIG_FILE } from './constants';
import type { Log } from './log';

export type ServerScope = 'workspace' | 'user';

/** A configured server with where it is kept. */
export interface StoredServer {
  config: ServerConfig;
  scope: ServerScope;
  /** The folder relative file paths of this server resolve against; undefined for user servers. */
  baseFolder?: vscode.Uri;
}

const USER_SERVERS_KEY = 'oauthExplorer.userServers';

/**
 * A UI edit that was not written because the configuration file has a problem. The UI offers to
 * open the file at `problem.line`.
 */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
  constructor(
    message: string,
    readonly uri: vscode.Uri,
    readonly problem?: ConfigProblem,
  ) {
    super(message);
  }
}

/**
 * Servers and clients from the workspace file `.vscode/oauth-explorer.json` (shared with a team)
 * and from the user's global state. Edits from the UI change only the affected entry of the file
 * and replace the file atomically; a file with problems is reported and never overwritten.
 */
export class ServerStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private servers: StoredServer[] = [];
  private fileProblems: ConfigProblem[] = [];
  private fileText: string | undefined;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly globalState: vscode.Memento,
    private readonly log: Log,
  ) {
    const folder = this.folder();
    if (folder) {
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(folder, CONFIG_FILE),
      );
      const reload = () => void this.load();
      watcher.onDidChange(reload, undefined, this.disposables);
      watcher.onDidCreate(reload, undefined, this.disposables);
      watcher.onDidDelete(reload, undefined, this.disposables);
      this.disposables.push(watcher);
    }
    this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.load()));
  }

  /** The first workspace folder, which contains the configuration file. */
  folder(): vscode.Uri | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri;
  }

  configFileUri(): vscode.Uri | undefined {
    const folder = this.folder();
    return folder && vscode.Uri.joinPath(folder, CONFIG_FILE);
  }

  all(): readonly StoredServer[] {
    return this.servers;
  }

  get(serverId: string): StoredServer | undefined {
    return this.servers.find((server) => server.config.id === serverId);
  }

  /** Problems found in the workspace file at the last load. */
  problems(): readonly ConfigProblem[] {
    return this.fileProblems;
  }

  async load(): Promise<void> {
    const workspaceServers = await this.loadWorkspaceServers();
    const userServers = this.globalState.get<ServerConfig[]>(USER_SERVERS_KEY, []);
    const workspaceIds = new Set(workspaceServers.map((server) => server.config.id));
    this.servers = [
      ...workspaceServers,
      ...userServers
        .filter((config) => !workspaceIds.has(config.id))
        .map((config): StoredServer => ({ config, scope: 'user' })),
    ];
    this.changed.fire();
  }

  private async loadWorkspaceServers(): Promise<StoredServer[]> {
    const uri = this.configFileUri();
    const previousProblems = this.fileProblems;
    this.fileProblems = [];
    this.fileText = undefined;
    if (!uri || !vscode.workspace.isTrusted) return [];
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch (error) {
      const missing = error instanceof vscode.FileSystemError && error.code === 'FileNotFound';
      if (!missing) {
        const message = `The file could not be read: ${(error as Error).message}`;
        this.fileProblems = [{ path: '', severity: 'error', message }];
        this.log.error('config', `${uri.fsPath}: ${message}`);
      }
      return [];
    }
    this.fileText = text;
    const parsed = parseConfig(text);
    // The watcher reloads on every save, so the same problems are logged only once.
    const logged = JSON.stringify(previousProblems);
    this.fileProblems = parsed.problems;
    if (JSON.stringify(parsed.problems) !== logged) {
      for (const problem of parsed.problems) {
        this.log.warn(
          'config',
          `${uri.fsPath}${problem.line ? `:${problem.line}` : ''} ${problem.path}: ${problem.message}`,
        );
      }
    }
    return parsed.servers.map((config) => ({
      config,
      scope: 'workspace',
      baseFolder: this.folder(),
    }));
  }

  /** Adds a new server to the workspace file, or to the user's servers. */
  async addServer(config: ServerConfig, scope?: ServerScope): Promise<void> {
    if (this.get(config.id)) {
      throw new Error(
        `A server with id ${config.id} (${this.get(config.id)!.config.issuer}) exists.`,
      );
    }
    const target = scope ?? (this.folder() && vscode.workspace.isTrusted ? 'workspace' : 'user');
    if (target === 'user') {
      await this.editUserServers((servers) => [...servers, config]);
    } else {
      await this.editFile((text) => addServerEntry(text, config));
    }
    await this.load();
  }

  /** Changes the listed members of a server where it is kept. */
  async updateServer(serverId: string, changes: ServerChanges): Promise<void> {
    const stored = this.require(serverId);
    if (stored.scope === 'user') {
      await this.editUserServers((servers) =>
        servers.map((server) => (server.id === serverId ? { ...server, ...changes } : server)),
      );
    } else {
      await this.editFile((text) => updateServerEntry(text, serverId, changes));
    }
    await this.load();
  }

  async removeServer(serverId: string): Promise<void> {
    const stored = this.require(serverId);
    if (stored.scope === 'user') {
      await this.editUserServers((servers) => servers.filter((server) => server.id !== serverId));
    } else {
      await this.editFile((text) => removeServerEntry(text, serverId));
    }
    await this.load();
  }

  /**
   * Adds a client to a server, or changes the client that had `previousClientId` (default: the
   * client's own id) in place.
   */
  async saveClient(
    serverId: string,
    client: ClientConfig,
    previousClientId?: string,
  ): Promise<void> {
    const stored = this.require(serverId);
    const previous = previousClientId ?? client.client_id;
    if (stored.scope === 'user') {
      await this.editUserServers((servers) =>
        servers.map((server) => {
          if (server.id !== serverId) return server;
          const exists = server.clients.some((entry) => entry.client_id === previous);
          const clients = exists
            ? server.clients.map((entry) => (entry.client_id === previous ? client : entry))
            : [...server.clients, client];
          return { ...server, clients };
        }),
      );
    } else {
      await this.editFile((text) => upsertClientEntry(text, serverId, client, previous));
    }
    await this.load();
  }

  async removeClient(serverId: string, clientId: string): Promise<void> {
    const stored = this.require(serverId);
    if (stored.scope === 'user') {
      await this.editUserServers((servers) =>
        servers.map((server) =>
          server.id === serverId
            ? { ...server, clients: server.clients.filter((entry) => entry.client_id !== clientId) }
            : server,
        ),
      );
    } else {
      await this.editFile((text) => removeClientEntry(text, serverId, clientId));
    }
    await this.load();
  }

  private require(serverId: string): StoredServer {
    const stored = this.get(serverId);
    if (!stored) throw new Error(`No server with id ${serverId} is configured.`);
    return stored;
  }

  private async editUserServers(edit: (servers: ServerConfig[]) => ServerConfig[]): Promise<void> {
    const servers = this.globalState.get<ServerConfig[]>(USER_SERVERS_KEY, []);
    await this.globalState.update(USER_SERVERS_KEY, edit(servers));
  }

  private async editFile(edit: (text: string) => string): Promise<void> {
    const uri = this.configFileUri();
    if (!uri) throw new Error('Open a folder to keep servers in its .vscode/oauth-explorer.json.');
    if (!vscode.workspace.isTrusted) {
      throw new ConfigFileError(
        `${uri.fsPath} is not written in an untrusted workspace. Trust the folder first.`,
        uri,
      );
    }
    await this.load();
    const problem = this.fileProblems.find((entry) => entry.severity === 'error');
    if (problem) {
      const where = `${problem.line ? `line ${problem.line}` : 'the top'}${problem.path ? ` (${problem.path})` : ''}`;
      throw new ConfigFileError(
        `${uri.fsPath} has a problem at ${where}: ${problem.message} Fix it before changing servers from the UI. Nothing was written.`,
        uri,
        problem,
      );
    }
    const text = edit(this.fileText ?? '');
    if (text === this.fileText) return;
    // Write a sibling file and rename it over the original, so a crash never leaves half a file.
    const temporary = vscode.Uri.file(
      path.join(path.dirname(uri.fsPath), `.oauth-explorer.${process.pid}.tmp`),
    );
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(path.dirname(uri.fsPath)));
    await vscode.workspace.fs.writeFile(temporary, new TextEncoder().encode(text));
    await vscode.workspace.fs.rename(temporary, uri, { overwrite: true });
    this.log.info('config', `Wrote ${uri.fsPath}.`);
  }

  /** Returns the text of the workspace file at the last load, or undefined when it was not read. */
  text(): string | undefined {
    return this.fileText;
  }

  /** Resolves a file path from a server entry: relative paths are relative to the workspace folder. */
  resolvePath(server: StoredServer, file: string): string {
    if (path.isAbsolute(file) || !server.baseFolder) return file;
    return path.join(server.baseFolder.fsPath, file);
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
