import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import { createClientAuth, oauthClient, type ClientProfile } from './clientAuth';
import { ExplorerError } from './errors';
import type { ExchangeListener, RecordedExchange } from './exchange';
import type { HttpClient, RecordingFetch } from './httpClient';
import type { ServerMetadata } from './metadata';
import { toExplorerError } from './protocolErrors';
import {
  routeEndpoint,
  routeEndpoints,
  type EndpointName,
  type RouteEntry,
  type RoutingOptions,
} from './routing';
import { SecretValues } from './secretValues';
import type { KeySource } from './tokens';

export interface FlowStep {
  index: number;
  title: string;
  status: 'running' | 'done' | 'failed';
  detail?: string;
  startedAt: string;
  durationMs?: number;
}

export type StepListener = (step: FlowStep) => void;

/**
 * A JWKS cache shared by the runs of one server, so that verifying tokens does not refetch
 * `jwks_uri` every run. jose refetches on its own when a token names an unknown `kid`.
 */
export type JwksCache = jose.JWKSCacheInput;

/** jose's default `cacheMaxAge` for a remote JWKS: a cached JWKS older than this is refetched. */
const JWKS_MAX_AGE_MS = 10 * 60 * 1000;

/** A local key set built from the JWKS that a JwksCache held for one jwks_uri. */
interface CachedKeySet {
  url: string;
  jwks: jose.JSONWebKeySet;
  getKey: jose.JWTVerifyGetKey;
}

/**
 * Key sets by the caller's JwksCache object, so runs that share a cache also share the keys
 * jose imported from it. A new remote JWKS per run would import every key again.
 */
const keySets = new WeakMap<JwksCache, CachedKeySet>();

/** Returns a local key set for a fresh cached JWKS of `url`, or undefined when none is cached. */
function cachedKeySet(cache: JwksCache, url: string): jose.JWTVerifyGetKey | undefined {
  const { jwks, uat } = cache;
  if (!jwks || uat === undefined || Date.now() >= uat + JWKS_MAX_AGE_MS) return undefined;
  let entry = keySets.get(cache);
  if (entry?.url !== url || entry.jwks !== jwks) {
    entry = { url, jwks, getKey: jose.createLocalJWKSet(jwks) };
    keySets.set(cache, entry);
  }
  return entry.getKey;
}

export interface FlowRunOptions {
  http: HttpClient;
  metadata: ServerMetadata;
  client: ClientProfile;
  /** A name for the run, such as "Client credentials". */
  title: string;
  signal?: AbortSignal;
  onExchange?: ExchangeListener;
  onStep?: StepListener;
  jwksCache?: JwksCache;
}

/**
 * One run of a flow against one server as one client: it owns the routing table, records every
 * exchange and step, and hands oauth4webapi the options that send requests through the
 * recording client to exactly the routed URLs.
 */
export class FlowRun {
  readonly id = randomUUID();
  readonly title: string;
  readonly startedAt = new Date().toISOString();
  readonly exchanges: RecordedExchange[] = [];
  readonly steps: FlowStep[] = [];
  readonly metadata: ServerMetadata;
  readonly client: ClientProfile;
  readonly oauthClient: oauth.Client;
  readonly http: HttpClient;
  readonly signal: AbortSignal | undefined;
  /**
   * The secret values this run sends: the client secret, the key passphrase, and every secret
   * a request carried (client assertions, code verifiers, refresh tokens, introspected tokens).
   * They are replaced wherever a server echoes them, in exchanges and in errors.
   */
  readonly secrets = new SecretValues();
  private readonly options: FlowRunOptions;
  private keySource: KeySource | undefined | null = null;
  private clientAuth: Promise<oauth.ClientAuth> | undefined;
  private readonly routing: RoutingOptions;
  /** Routes decided so far, by endpoint; metadata and client do not change during a run. */
  private readonly routeCache = new Map<EndpointName, RouteEntry>();
  private routeTable: RouteEntry[] | undefined;

  constructor(options: FlowRunOptions) {
    this.options = options;
    this.title = options.title;
    this.metadata = options.metadata;
    this.client = options.client;
    this.http = options.http;
    this.signal = options.signal;
    this.oauthClient = oauthClient(options.client);
    this.routing = {
      use_mtls_endpoint_aliases: this.client.use_mtls_endpoint_aliases,
      hasClientCertificate: this.client.clientCertificate !== undefined,
    };
    this.secrets.addClientSecret(options.client.client_id, options.client.clientSecret);
    this.secrets.add(options.client.signingKeyPassphrase);
  }

  /** Adds a secret this run is about to send, such as a refresh token or a code verifier. */
  addSecret(value: string | undefined): void {
    this.secrets.add(value);
  }

  /** The routing table for every endpoint, built on first use. */
  get routes(): RouteEntry[] {
    this.routeTable ??= routeEndpoints(this.metadata, this.routing);
    return this.routeTable;
  }

  /** The route of an endpoint, or an error naming the missing metadata member. */
  route(endpoint: EndpointName): RouteEntry {
    const route = this.safeRoute(endpoint);
    if (route.url === undefined) {
      throw new ExplorerError(
        'MISSING_ENDPOINT',
        `The metadata of ${this.metadata.issuer} has no ${endpoint}, so this flow cannot run.`,
        { hint: 'Check that the server supports this flow.', detail: { endpoint } },
      );
    }
    return route;
  }

  /** oauth4webapi request options that send `endpoint` through the recording client. */
  requestOptions(endpoint: EndpointName): { signal?: AbortSignal; [oauth.customFetch]: never } {
    const route = this.route(endpoint);
    const send = this.http.fetchFor({
      endpoint,
      route,
      clientCertificate: route.presentsCertificate ? this.client.clientCertificate : undefined,
      signal: this.signal,
      onRecorded: (exchange) => this.record(exchange),
      secrets: this.secrets,
    });
    // oauth4webapi builds client assertions inside the request, so their values are taken from it.
    const fetch: RecordingFetch = (url, init) => {
      const body = init?.body;
      this.secrets.addRequest(
        new Headers(init?.headers as HeadersInit | undefined),
        typeof body === 'string' || body instanceof URLSearchParams ? body.toString() : undefined,
      );
      return send(url, init);
    };
    return { signal: this.signal, [oauth.customFetch]: fetch as never };
  }

  clientAuthentication(): Promise<oauth.ClientAuth> {
    this.clientAuth ??= createClientAuth(this.client);
    return this.clientAuth;
  }

  /**
   * Keys from `jwks_uri`, fetched through the recording client; undefined without a jwks_uri.
   * With a JwksCache, keys come from a key set shared by every run with that cache while the
   * cached JWKS is fresh. Otherwise, and when no cached key matches, a remote JWKS fetches the
   * document as before (jose waits 30 s between refetches for an unknown `kid`).
   */
  keys(): KeySource | undefined {
    if (this.keySource !== null) return this.keySource;
    const route = this.safeRoute('jwks_uri');
    if (route.url === undefined) {
      this.keySource = undefined;
      return undefined;
    }
    const url = route.url;
    const cache = this.options.jwksCache;
    let remote: jose.JWTVerifyGetKey | undefined;
    const remoteKeys = (): jose.JWTVerifyGetKey => {
      if (remote) return remote;
      const fetch = this.http.fetchFor({
        endpoint: 'jwks_uri',
        route,
        signal: this.signal,
        onRecorded: (exchange) => this.record(exchange),
      });
      remote = jose.createRemoteJWKSet(new URL(url), {
        [jose.customFetch]: fetch as unknown as jose.FetchImplementation,
        [jose.jwksCache]: cache,
      } as jose.RemoteJWKSetOptions);
      return remote;
    };
    const getKey: jose.JWTVerifyGetKey = async (header, token) => {
      const local = cache && cachedKeySet(cache, url);
      if (local) {
        try {
          return await local(header, token);
        } catch (error) {
          if (!(error instanceof jose.errors.JWKSNoMatchingKey)) throw error;
        }
      }
      return remoteKeys()(header, token);
    };
    this.keySource = { getKey, name: url };
    return this.keySource;
  }

  /** The most recent exchange with an endpoint, for linking an error to its raw response. */
  lastExchange(endpoint: string): RecordedExchange | undefined {
    for (let index = this.exchanges.length - 1; index >= 0; index -= 1) {
      if (this.exchanges[index]!.endpoint === endpoint) return this.exchanges[index];
    }
    return undefined;
  }

  /**
   * Runs one step of the flow, reporting it as running, then done or failed. Errors from
   * oauth4webapi become ExplorerErrors that name `endpoint`, with the run's secrets redacted from
   * every text and with sanitized causes.
   */
  async step<T>(
    title: string,
    endpoint: EndpointName | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    const step: FlowStep = {
      index: this.steps.length,
      title,
      status: 'running',
      startedAt: new Date().toISOString(),
    };
    this.steps.push(step);
    this.options.onStep?.({ ...step });
    const started = performance.now();
    try {
      const result = await work();
      step.status = 'done';
      return result;
    } catch (error) {
      const redact = (text: string): string => this.secrets.redact(text);
      const converted = endpoint
        ? toExplorerError(error, {
            endpoint,
            route: this.safeRoute(endpoint),
            client: this.client,
            exchange: this.lastExchange(endpoint),
            redact,
          })
        : toExplorerError(error, { endpoint: title, client: this.client, redact });
      const failure = converted.redacted(redact);
      step.status = 'failed';
      step.detail = failure.fullMessage;
      throw failure;
    } finally {
      step.durationMs = Math.round(performance.now() - started);
      this.options.onStep?.({ ...step });
    }
  }

  /** Returns the route of an endpoint, without a `url` when the metadata lacks the endpoint. */
  private safeRoute(endpoint: EndpointName): RouteEntry {
    let route = this.routeCache.get(endpoint);
    if (!route) {
      route = routeEndpoint(this.metadata, endpoint, this.routing);
      this.routeCache.set(endpoint, route);
    }
    return route;
  }

  private record(exchange: RecordedExchange): void {
    this.exchanges.push(exchange);
    this.options.onExchange?.(exchange);
  }
}
