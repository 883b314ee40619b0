import * as vscode from 'vscode';
import type { AgentPool } from '../engine/agentPool';
import type { DiscoveryResult } from '../engine/discovery';
import type { RecordedExchange } from '../engine/exchange';
import type { JwksCache } from '../engine/flowRun';
import type { HttpClient } from '../engine/httpClient';
import { loadEngine } from './engineLoader';
import type { Log } from './log';
import type { ServerStore, StoredServer } from './serverStore';
import { abortable } from './progress';
import { extraCaCertificateFiles, httpSettings } from './settings';
import { readWorkspaceText } from './workspaceFiles';

export type DiscoveryState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'loaded'; result: DiscoveryResult; loadedAt: Date }
  | { status: 'failed'; message: string; at: Date; exchanges: RecordedExchange[] };

/**
 * Runtime state per configured server: its discovery result, a JWKS cache, and HTTP clients that
 * share one pool of connections for the whole extension.
 */
export class ServerSessions implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the id of a server whose discovery state changed. */
  readonly onDidChange = this.changed.event;
  private readonly states = new Map<string, DiscoveryState>();
  private readonly jwksCaches = new Map<string, JwksCache>();
  private pool: AgentPool | undefined;

  constructor(
    private readonly store: ServerStore,
    private readonly log: Log,
  ) {}

  state(serverId: string): DiscoveryState {
    return this.states.get(serverId) ?? { status: 'idle' };
  }

  jwksCache(serverId: string): JwksCache {
    let cache = this.jwksCaches.get(serverId);
    if (!cache) {
      cache = {};
      this.jwksCaches.set(serverId, cache);
    }
    return cache;
  }

  /** Forgets a server's state, for example after it was removed or its issuer changed. */
  forget(serverId: string): void {
    this.states.delete(serverId);
    this.jwksCaches.delete(serverId);
    this.changed.fire(serverId);
  }

  /** An HTTP client with the current settings and this server's extra CA certificates. */
  async httpClient(server: StoredServer): Promise<HttpClient> {
    const engine = await loadEngine();
    this.pool ??= new engine.AgentPool();
    const caFiles = [
      ...extraCaCertificateFiles(),
      ...(server.config.extraCaFiles ?? []).map((file) => this.store.resolvePath(server, file)),
    ];
    const extraCaPem = await Promise.all(
      caFiles.map((file) => readWorkspaceText(file, 'CA certificate')),
    );
    const client = new engine.HttpClient({ ...httpSettings(), extraCaPem }, this.pool);
    client.onExchange((exchange) => {
      const outcome = exchange.error
        ? `failed: ${exchange.error.message}`
        : `HTTP ${exchange.response?.status} in ${exchange.durationMs} ms`;
      const tag = exchange.route?.viaAlias ? ' (mTLS alias)' : '';
      this.log.info(
        'http',
        `${exchange.method} ${exchange.endpoint} ${exchange.url}${tag} ${outcome}`,
      );
    });
    return client;
  }

  /** Fetches the server's metadata and remembers the result or the failure. */
  async discover(server: StoredServer, signal?: AbortSignal): Promise<DiscoveryResult> {
    const serverId = server.config.id;
    this.states.set(serverId, { status: 'loading' });
    this.changed.fire(serverId);
    const exchanges: RecordedExchange[] = [];
    try {
      const engine = await loadEngine();
      const http = await this.httpClient(server);
      const stop = http.onExchange((exchange) => exchanges.push(exchange));
      try {
        const result = await abortable(
          engine.discover(http, server.config.issuer, server.config.discovery ?? 'auto', signal),
          signal,
        );
        this.states.set(serverId, { status: 'loaded', result, loadedAt: new Date() });
        for (const warning of result.warnings)
          this.log.warn('discovery', `${server.config.issuer}: ${warning.message}`);
        this.log.info('discovery', `Loaded ${result.url}.`);
        return result;
      } finally {
        stop();
      }
    } catch (error) {
      const message = (await loadEngine()).describeError(error);
      this.states.set(serverId, { status: 'failed', message, at: new Date(), exchanges });
      this.log.error('discovery', `${server.config.issuer}: ${message}`);
      throw error;
    } finally {
      this.changed.fire(serverId);
    }
  }

  /** The loaded metadata, discovering it first when needed. */
  async metadata(server: StoredServer, signal?: AbortSignal): Promise<DiscoveryResult> {
    const state = this.state(server.config.id);
    if (state.status === 'loaded') return state.result;
    return this.discover(server, signal);
  }

  dispose(): void {
    this.changed.dispose();
    void this.pool?.close();
  }
}
