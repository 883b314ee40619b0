import * as vscode from 'vscode';
import type * as Engine from '../engine';
import type { ClientConfig } from '../config/serverConfig';
import type { FlowRun } from '../engine/flowRun';
import type { ParameterRows, TokenResult } from '../engine/flows';
import type { BindingResult, InspectedToken } from '../engine/tokens';
import type { RunSnapshot } from '../shared/inspectorProtocol';
import type { ClientProfiles } from './clientProfiles';
import { loadEngine } from './engineLoader';
import type { Log } from './log';
import type { RunRegistry } from './runs';
import type { SecretStore } from './secrets';
import type { ServerSessions } from './serverSessions';
import { abortable, withCancellableProgress } from './progress';
import type { ServerStore, StoredServer } from './serverStore';
import { callbackTimeoutMs, redirectPortRange } from './settings';

/** What to run, as given by a command's arguments or picked by the user. */
export interface RunRequest {
  serverId: string;
  client_id: string;
  scope?: string;
  resource?: string[];
  response_mode?: string;
  extra?: ParameterRows;
  usePar?: boolean;
  /** PKCE (RFC 7636) for the authorization code flow; on unless false. */
  pkce?: boolean;
  use_mtls_endpoint_aliases?: boolean;
  /** Opens the authorization URL; the system browser when absent. Tests drive it headless. */
  openUrl?: (url: string) => Promise<unknown>;
  /** Cancels the run like the Cancel button of its notification; for scripts and tests. */
  cancellation?: vscode.CancellationToken;
}

/** A request to introspect, revoke or present a token. */
export interface TokenRunRequest extends RunRequest {
  /** The token to send. When absent, the refresh token kept in SecretStorage for the client. */
  token?: string;
  /** `access_token` or `refresh_token`, sent as token_type_hint to introspection and revocation. */
  token_type_hint?: string;
}

interface FlowOutcome {
  tokens?: TokenResult;
  result?: Record<string, unknown>;
}

export type FlowKind =
  | 'clientCredentials'
  | 'authorizationCode'
  | 'refresh'
  | 'introspection'
  | 'revocation'
  | 'userinfo';

/**
 * Runs flows for the commands: resolves the server and client, builds the client profile, shows
 * progress with a cancel button that aborts the HTTP request, records the run for the inspector,
 * and keeps refresh tokens in SecretStorage.
 */
export class FlowService {
  /** The request that started each run, so the inspector can run it again. */
  private readonly requests = new Map<string, { kind: FlowKind; request: RunRequest }>();

  constructor(
    private readonly store: ServerStore,
    private readonly sessions: ServerSessions,
    private readonly profiles: ClientProfiles,
    private readonly secrets: SecretStore,
    private readonly runs: RunRegistry,
    private readonly log: Log,
  ) {}

  /** Runs the flow that produced a run again, with the same server, client and parameters. */
  rerun(runId: string): Promise<RunSnapshot> {
    const previous = this.requests.get(runId);
    if (!previous)
      throw new Error('That run can no longer be repeated: it was started in an earlier window.');
    switch (previous.kind) {
      case 'clientCredentials':
        return this.runClientCredentials(previous.request);
      case 'authorizationCode':
        return this.runAuthorizationCode(previous.request);
      case 'refresh':
        return this.runRefresh(previous.request);
      case 'introspection':
        return this.runIntrospection(previous.request);
      case 'revocation':
        return this.runRevocation(previous.request);
      case 'userinfo':
        return this.runUserInfo(previous.request);
    }
  }

  runClientCredentials(request: RunRequest): Promise<RunSnapshot> {
    const { client } = this.resolve(request);
    return this.execute('clientCredentials', 'Client credentials', request, async (run, engine) => {
      // An empty scope in the form or the command means the client's configured default.
      const tokens = await engine.runClientCredentials(run, {
        scope: request.scope || client.scope,
        resource: request.resource?.length ? request.resource : client.resource,
        extra: request.extra,
      });
      return { tokens, result: tokens.response };
    });
  }

  runAuthorizationCode(request: RunRequest): Promise<RunSnapshot> {
    const { client } = this.resolve(request);
    const usePar = request.usePar ?? true;
    const title = `Authorization code${usePar ? ' with PAR' : ''}`;
    return this.execute('authorizationCode', title, request, async (run, engine) => {
      const { tokens, pending } = await engine.runAuthorizationCode(
        run,
        {
          scope: request.scope ?? client.scope ?? 'openid',
          resource: request.resource ?? client.resource,
          response_mode: request.response_mode ?? client.response_mode,
          extra: request.extra,
          usePar,
          pkce: request.pkce,
        },
        {
          portRange: redirectPortRange(),
          callbackTimeoutMs: callbackTimeoutMs(),
          openUrl: async (url) => {
            this.runs.update(run.id, { authorizationUrl: url });
            if (request.openUrl) return request.openUrl(url);
            const opened = await vscode.env.openExternal(vscode.Uri.parse(url, true));
            if (!opened) throw new Error(`The browser could not be opened for ${url}.`);
          },
        },
      );
      this.log.info(
        'flow',
        `Authorization response received for state ${pending.state.slice(0, 6)}….`,
      );
      return { tokens, result: tokens.response };
    });
  }

  async runRefresh(request: RunRequest): Promise<RunSnapshot> {
    const refreshToken = await this.secrets.get(
      request.serverId,
      request.client_id,
      'refreshToken',
    );
    if (!refreshToken) {
      throw new Error(
        `No refresh token is stored for ${request.client_id}; run the authorization code flow first.`,
      );
    }
    return this.execute('refresh', 'Refresh', request, async (run, engine) => {
      const tokens = await engine.runRefresh(run, refreshToken, {
        scope: request.scope,
        resource: request.resource,
        extra: request.extra,
      });
      return { tokens, result: tokens.response };
    });
  }

  /** Introspects a token (RFC 7662). The run's result contains the response and the certificate binding. */
  async runIntrospection(request: TokenRunRequest): Promise<RunSnapshot> {
    const { token, hint } = await this.tokenFor(request);
    return this.execute('introspection', 'Introspection', request, async (run, engine) => {
      const introspection = await engine.runIntrospection(run, token, hint, request.extra);
      const binding: BindingResult = introspection.binding;
      return { result: { ...introspection.response, '(certificate binding)': binding } };
    });
  }

  /** Revokes a token (RFC 7009). A revoked stored refresh token is deleted from SecretStorage. */
  async runRevocation(request: TokenRunRequest): Promise<RunSnapshot> {
    const { token, hint, stored } = await this.tokenFor(request);
    const snapshot = await this.execute(
      'revocation',
      'Revocation',
      request,
      async (run, engine) => {
        await engine.runRevocation(run, token, hint, request.extra);
        return { result: { revoked: true, token_type_hint: hint ?? null } };
      },
    );
    if (stored && snapshot.status === 'done') {
      await this.secrets.delete(request.serverId, request.client_id, 'refreshToken');
      this.log.info('flow', `Deleted the revoked refresh token of ${request.client_id}.`);
    }
    return snapshot;
  }

  /** Calls the UserInfo endpoint with an access token. */
  async runUserInfo(request: TokenRunRequest): Promise<RunSnapshot> {
    if (!request.token) {
      throw new Error(`UserInfo needs an access token; run a flow as ${request.client_id} first.`);
    }
    const token = request.token;
    return this.execute('userinfo', 'UserInfo', request, async (run, engine) => ({
      result: await engine.runUserInfo(run, token),
    }));
  }

  private async tokenFor(
    request: TokenRunRequest,
  ): Promise<{ token: string; hint?: string; stored: boolean }> {
    if (request.token)
      return { token: request.token, hint: request.token_type_hint, stored: false };
    const stored = await this.secrets.get(request.serverId, request.client_id, 'refreshToken');
    if (!stored) {
      throw new Error(
        `No token was given and no refresh token is stored for ${request.client_id}. Run a flow that returns one first.`,
      );
    }
    return { token: stored, hint: 'refresh_token', stored: true };
  }

  private resolve(request: RunRequest): { server: StoredServer; client: ClientConfig } {
    const server = this.store.get(request.serverId);
    if (!server) throw new Error(`No server with id ${request.serverId} is configured.`);
    const client = server.config.clients.find((entry) => entry.client_id === request.client_id);
    if (!client)
      throw new Error(`Server ${server.config.issuer} has no client ${request.client_id}.`);
    return { server, client };
  }

  private async execute(
    kind: FlowKind,
    title: string,
    request: RunRequest,
    work: (run: FlowRun, engine: typeof Engine) => Promise<FlowOutcome>,
  ): Promise<RunSnapshot> {
    const { server, client } = this.resolve(request);
    const snapshot = await withCancellableProgress(
      `${title}: ${client.client_id}`,
      request.cancellation,
      (signal, report) => this.runWith(title, server, client, request, signal, work, report),
    );
    this.requests.set(snapshot.id, { kind, request });
    return snapshot;
  }

  private async runWith(
    title: string,
    server: StoredServer,
    client: ClientConfig,
    request: RunRequest,
    signal: AbortSignal,
    work: (run: FlowRun, engine: typeof Engine) => Promise<FlowOutcome>,
    report: (message: string) => void,
  ): Promise<RunSnapshot> {
    const engine = await loadEngine();
    report('Loading metadata');
    const discovery = await this.sessions.metadata(server, signal);
    const profile = await this.profiles.build(server, client, request);
    const http = await this.sessions.httpClient(server);
    const run = new engine.FlowRun({
      http,
      metadata: discovery.metadata,
      client: profile,
      title,
      signal,
      jwksCache: this.sessions.jwksCache(server.config.id),
      onExchange: (exchange) => this.runs.addExchange(run.id, exchange),
      onStep: (step) => {
        if (step.status === 'running') report(step.title);
        this.runs.updateStep(run.id, step);
      },
    });
    this.runs.start({
      id: run.id,
      title,
      serverId: server.config.id,
      serverLabel: server.config.label ?? server.config.issuer,
      issuer: server.config.issuer,
      client_id: client.client_id,
      token_endpoint_auth_method: client.token_endpoint_auth_method,
      use_mtls_endpoint_aliases: profile.use_mtls_endpoint_aliases,
      startedAt: run.startedAt,
      status: 'running',
      clientCertificate: profile.clientCertificate?.summary,
      routes: run.routes,
      steps: [],
      exchanges: [],
      tokens: [],
    });
    this.log.info('flow', `${title} started for ${client.client_id} at ${server.config.issuer}.`);

    try {
      const outcome = await abortable(work(run, engine), signal);
      if (outcome.tokens?.refreshToken) {
        await this.secrets.set(
          server.config.id,
          client.client_id,
          'refreshToken',
          outcome.tokens.refreshToken,
        );
      }
      this.runs.finish(run.id, {
        status: 'done',
        tokens: outcome.tokens?.tokens ?? ([] as InspectedToken[]),
        result: outcome.result,
      });
      this.log.info('flow', `${title} finished for ${client.client_id}.`);
    } catch (error) {
      const cancelled = signal.aborted;
      const message = engine.describeError(error);
      this.runs.finish(run.id, {
        status: cancelled ? 'cancelled' : 'failed',
        error: {
          code: engine.isExplorerError(error) ? error.code : 'ERROR',
          message: error instanceof Error ? error.message : String(error),
          hint: engine.isExplorerError(error) ? error.hint : undefined,
        },
      });
      this.log.error(
        'flow',
        `${title} for ${client.client_id} ${cancelled ? 'was cancelled' : `failed: ${message}`}`,
      );
    }
    return this.runs.get(run.id)!;
  }
}
