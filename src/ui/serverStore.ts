import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  parseConfig,
  removeServer,
  upsertServer,
  type ConfigProblem,
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

  /** The first workspace folder, which holds the configuration file. */
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
    this.fileProblems = [];
    this.fileText = undefined;
    if (!uri || !vscode.workspace.isTrusted) return [];
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return [];
    }
    this.fileText = text;
    const parsed = parseConfig(text);
    this.fileProblems = parsed.problems;
    for (const problem of parsed.problems) {
      this.log.warn(
        'config',
        `${uri.fsPath}${problem.line ? `:${problem.line}` : ''} ${problem.path}: ${problem.message}`,
      );
    }
    return parsed.servers.map((config) => ({
      config,
      scope: 'workspace',
      baseFolder: this.folder(),
    }));
  }

  /** Adds or replaces a server where it is kept (or in the workspace file when it is new). */
  async save(config: ServerConfig, scope?: ServerScope): Promise<void> {
    const target = scope ?? this.get(config.id)?.scope ?? (this.folder() ? 'workspace' : 'user');
    if (target === 'user') {
      const userServers = this.globalState.get<ServerConfig[]>(USER_SERVERS_KEY, []);
      const others = userServers.filter((server) => server.id !== config.id);
      await this.globalState.update(USER_SERVERS_KEY, [...others, config]);
    } else {
      await this.editFile((text) => upsertServer(text, config));
    }
    await this.load();
  }

  async remove(serverId: string): Promise<void> {
    const stored = this.get(serverId);
    if (!stored) return;
    if (stored.scope === 'user') {
      const userServers = this.globalState.get<ServerConfig[]>(USER_SERVERS_KEY, []);
      await this.globalState.update(
        USER_SERVERS_KEY,
        userServers.filter((server) => server.id !== serverId),
      );
    } else {
      await this.editFile((text) => removeServer(text, serverId));
    }
    await this.load();
  }

  private async editFile(edit: (text: string) => string): Promise<void> {
    const uri = this.configFileUri();
    if (!uri) throw new Error('Open a folder to keep servers in its .vscode/oauth-explorer.json.');
    if (!vscode.workspace.isTrusted) {
      throw new Error(
        `${uri.fsPath} is not written in an untrusted workspace; trust the folder first.`,
      );
    }
    await this.load();
    const syntaxProblem = this.fileProblems.find((problem) =>
      problem.message.startsWith('Invalid JSON'),
    );
    if (syntaxProblem) {
      throw new Error(
        `${uri.fsPath} has invalid JSON at line ${syntaxProblem.line}; fix it before changing servers from the UI. Nothing was written.`,
      );
    }
    const text = edit(this.fileText ?? '');
    // Write a sibling file and rename it over the original, so a crash never leaves half a file.
    const temporary = vscode.Uri.file(
      path.join(path.dirname(uri.fsPath), `.oauth-explorer.${process.pid}.tmp`),
    );
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(path.dirname(uri.fsPath)));
    await vscode.workspace.fs.writeFile(temporary, new TextEncoder().encode(text));
    await vscode.workspace.fs.rename(temporary, uri, { overwrite: true });
    this.log.info('config', `Wrote ${uri.fsPath}.`);
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
