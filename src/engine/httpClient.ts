import { randomUUID } from 'node:crypto';
import { Headers, Response, type Dispatcher } from 'undici';
import { AgentPool, type ConnectionSettings, type PooledAgent } from './agentPool';
import type { LoadedClientCertificate } from './credentials';
import { ExplorerError } from './errors';
import type { ExchangeListener, HeaderPair, RecordedBody, RecordedExchange } from './exchange';
import { translateNetworkError } from './networkErrors';
import { redactBody, redactHeader } from './redaction';
import type { RouteEntry } from './routing';

export interface HttpClientSettings extends ConnectionSettings {
  /** Responses larger than this many bytes are rejected. */
  maxResponseBytes: number;
}

export const DEFAULT_HTTP_SETTINGS: HttpClientSettings = {
  connectTimeoutMs: 10_000,
  responseTimeoutMs: 30_000,
  maxResponseBytes: 1024 * 1024,
};

export interface HttpRequest {
  /** Metadata name of the endpoint, or `discovery`. */
  endpoint: string;
  url: string;
  method: string;
  headers?: Headers | Record<string, string> | [string, string][];
  body?: string | URLSearchParams | null;
  /** The routing decision behind `url`, recorded with the exchange. */
  route?: RouteEntry;
  /** Configured on the connection when given; the server decides whether to ask for it. */
  clientCertificate?: LoadedClientCertificate;
  signal?: AbortSignal;
  /**
   * `manual` (the default) returns a redirect response as it is; `error` rejects it. Redirects are
   * never followed, so each one is recorded and shown as its own exchange.
   */
  redirect?: 'manual' | 'error';
  /** Receives this request's exchange, after the client-wide listeners. */
  onRecorded?: ExchangeListener;
}

export interface HttpResult {
  /** A buffered copy of the response, safe to read again. */
  response: Response;
  exchange: RecordedExchange;
}

/** Which endpoint a fetch function sends to, and with which route and certificate. */
export interface EndpointContext {
  endpoint: string;
  route?: RouteEntry;
  clientCertificate?: LoadedClientCertificate;
  signal?: AbortSignal;
  onRecorded?: ExchangeListener;
}

/** The options oauth4webapi and jose pass to a custom fetch. */
export interface RecordingFetchInit {
  method?: string;
  headers?: unknown;
  body?: unknown;
  redirect?: string;
  signal?: AbortSignal | null;
}

export type RecordingFetch = (url: string, init?: RecordingFetchInit) => Promise<Response>;

/**
 * Rejects as soon as `signal` aborts. undici's `request()` notices an abort only once its
 * connection is up, so a cancel during a slow TCP connect or TLS handshake would otherwise wait for
 * the connect timeout. A response that arrives after the abort has its body destroyed.
 */
function rejectOnAbort(
  pending: Promise<Dispatcher.ResponseData>,
  signal: AbortSignal | undefined,
): Promise<Dispatcher.ResponseData> {
  if (!signal) return pending;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
      pending.then(
        (late) => late.body.destroy(),
        () => undefined,
      );
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function mergeSignals(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function headerPairs(headers: Headers): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    pairs.push([name, redactHeader(name, value)]);
  });
  for (const cookie of headers.getSetCookie())
    pairs.push(['set-cookie', redactHeader('set-cookie', cookie)]);
  return pairs;
}

function recordBody(text: string, contentType: string | null): RecordedBody | undefined {
  if (text.length === 0) return undefined;
  const { text: redactedText, redacted } = redactBody(text, contentType ?? undefined);
  return { contentType: contentType ?? undefined, text: redactedText, redacted };
}

const UTF8 = new TextDecoder();

/**
 * A Response over a body that is already in memory. clone() builds a second Response over the same
 * bytes instead of teeing the web stream as undici's clone() does, which costs more than reading a
 * small body twice. Like undici's clone(), it rejects a body that has been read or is being read.
 */
class BufferedResponse extends Response {
  readonly #bytes: Uint8Array | null;

  constructor(
    bytes: Uint8Array | null,
    init: { status: number; statusText: string; headers: Headers },
  ) {
    super(bytes, init);
    this.#bytes = bytes;
  }

  override clone(): Response {
    if (this.bodyUsed || this.body?.locked)
      throw new TypeError('Response.clone: Body has already been consumed.');
    return new BufferedResponse(this.#bytes, {
      status: this.status,
      statusText: this.statusText,
      headers: new Headers(this.headers),
    });
  }
}

/** Copies the response headers of undici's `request()` into a Headers object. */
function responseHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

/**
 * Reads a whole response body, destroying the stream and rejecting with `tooLarge(bytesSoFar)` once
 * it exceeds `limit` bytes. It listens for `data` events, which take fewer allocations and event
 * loop turns per body than async iteration. A stream that closes before its end rejects as async
 * iteration would, with ERR_STREAM_PREMATURE_CLOSE.
 */
function readBody(
  body: Dispatcher.ResponseData['body'],
  limit: number,
  tooLarge: (size: number) => Error,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      total += chunk.byteLength;
      if (total > limit) {
        body.destroy();
        settle(() => reject(tooLarge(total)));
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () =>
      settle(() => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total))),
    );
    body.once('error', (error) => settle(() => reject(error)));
    body.once('close', () =>
      settle(() =>
        reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })),
      ),
    );
  });
}

/** A response as received: status line, headers and the whole body. */
interface ReceivedResponse {
  status: number;
  statusText: string;
  headers: Headers;
  bytes: Uint8Array;
}

function originKey(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/**
 * The explorer's HTTP client: undici's `request()` over pooled agents, with timeouts, a response size
 * cap and cancellation, recording every exchange with secrets redacted.
 */
export class HttpClient {
  readonly settings: HttpClientSettings;
  private readonly pool: AgentPool;
  private readonly listeners = new Set<ExchangeListener>();
  private agentSettings: ConnectionSettings;
  private agentsByCertificate = new WeakMap<LoadedClientCertificate, PooledAgent>();
  private agentWithoutCertificate: PooledAgent | undefined;

  constructor(settings: Partial<HttpClientSettings> = {}, pool = new AgentPool()) {
    this.settings = { ...DEFAULT_HTTP_SETTINGS, ...settings };
    this.pool = pool;
    this.agentSettings = { ...this.settings };
  }

  /** Registers a listener for completed exchanges; the returned function removes it. */
  onExchange(listener: ExchangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** TLS connections opened so far by this client's agents. */
  get handshakes(): number {
    return this.pool.handshakes;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * Sends one request and records it. Any HTTP status resolves; network, TLS, timeout and size
   * failures reject with an ExplorerError after the failed exchange has been recorded.
   */
  async send(request: HttpRequest): Promise<HttpResult> {
    const pooled = this.agentFor(request.clientCertificate);
    const headers = new Headers(request.headers);
    const body = request.body == null ? undefined : request.body.toString();
    const url = new URL(request.url);
    const exchange = this.startExchange(request, headers, body);
    const started = performance.now();

    try {
      const received = await this.transmit(pooled, url, request, headers, body, exchange);
      const response = this.completeExchange(exchange, received, pooled, url);
      return { response, exchange };
    } catch (error) {
      const failure =
        error instanceof ExplorerError ? error : await this.translate(error, request, pooled, url);
      exchange.error = { code: failure.code, message: failure.fullMessage };
      this.attachTls(exchange, pooled, url);
      throw failure;
    } finally {
      exchange.durationMs = Math.round((performance.now() - started) * 10) / 10;
      this.emit(exchange, request.onRecorded);
    }
  }

  /**
   * Returns a fetch-shaped function for oauth4webapi's and jose's `customFetch` that sends through
   * this client as `endpoint`. When a route is given, a request to any other URL is rejected, so the
   * routing table shown to the user cannot drift from where oauth4webapi actually sends requests.
   */
  fetchFor(context: EndpointContext): RecordingFetch {
    return async (url, init) => {
      const routed = context.route?.url;
      if (routed !== undefined && url !== routed && new URL(url).href !== new URL(routed).href) {
        throw new ExplorerError(
          'ROUTING_MISMATCH',
          `${context.endpoint} was about to be sent to ${url}, but the routing table chose ${routed}.`,
          {
            hint: 'This is a bug in OAuth Explorer; the request was not sent. Please report it with the metadata.',
            detail: { endpoint: context.endpoint, url, expected: routed },
          },
        );
      }
      const { response } = await this.send({
        endpoint: context.endpoint,
        url,
        method: init?.method ?? 'GET',
        headers: init?.headers as HttpRequest['headers'],
        body: init?.body as HttpRequest['body'],
        route: context.route,
        clientCertificate: context.clientCertificate,
        signal: mergeSignals(context.signal, init?.signal ?? undefined),
        // oauth4webapi and jose ask for `manual`; `follow` is treated as `manual` too.
        redirect: init?.redirect === 'error' ? 'error' : 'manual',
        onRecorded: context.onRecorded,
      });
      return response;
    };
  }

  private startExchange(
    request: HttpRequest,
    headers: Headers,
    body: string | undefined,
  ): RecordedExchange {
    if (
      body !== undefined &&
      !headers.has('content-type') &&
      request.body instanceof URLSearchParams
    ) {
      headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    }
    return {
      id: randomUUID(),
      endpoint: request.endpoint,
      method: request.method,
      url: request.url,
      startedAt: new Date().toISOString(),
      durationMs: 0,
      route: request.route,
      request: {
        headers: headerPairs(headers),
        body: body === undefined ? undefined : recordBody(body, headers.get('content-type')),
      },
    };
  }

  /**
   * Returns the pooled agent for a certificate. The pool derives its key from a hash of the
   * certificate and key, so the agent is remembered per certificate object here and the hash is
   * computed once per certificate, not once per request.
   */
  private agentFor(certificate: LoadedClientCertificate | undefined): PooledAgent {
    const settingsChanged =
      this.agentSettings.connectTimeoutMs !== this.settings.connectTimeoutMs ||
      this.agentSettings.responseTimeoutMs !== this.settings.responseTimeoutMs ||
      this.agentSettings.extraCaPem !== this.settings.extraCaPem;
    if (settingsChanged) {
      this.agentSettings = { ...this.settings };
      this.agentsByCertificate = new WeakMap();
      this.agentWithoutCertificate = undefined;
    }
    if (!certificate) {
      this.agentWithoutCertificate ??= this.pool.get(this.settings);
      return this.agentWithoutCertificate;
    }
    let pooled = this.agentsByCertificate.get(certificate);
    if (!pooled) {
      pooled = this.pool.get(this.settings, certificate);
      this.agentsByCertificate.set(certificate, pooled);
    }
    return pooled;
  }

  /**
   * Sends the request with undici's `request()` and reads the body up to the size cap, so an
   * endless or huge response cannot exhaust memory. `request()` is undici's fetch without the
   * WHATWG layer: the same agent, connections, timeouts and errors, but no web streams, which cost
   * more than the small bodies of OAuth responses.
   *
   * NOTE: unlike fetch, `request()` sends no `accept-encoding` and does not decompress, so a
   * server that compresses a response anyway is recorded and parsed as compressed bytes.
   */
  private async transmit(
    pooled: PooledAgent,
    url: URL,
    request: HttpRequest,
    headers: Headers,
    body: string | undefined,
    exchange: RecordedExchange,
  ): Promise<ReceivedResponse> {
    const raw = await rejectOnAbort(
      pooled.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method as Dispatcher.HttpMethod,
        headers: Object.fromEntries(headers),
        body,
        signal: request.signal,
      }),
      request.signal,
    );
    const received: ReceivedResponse = {
      status: raw.statusCode,
      statusText: raw.statusText,
      headers: responseHeaders(raw.headers),
      bytes: new Uint8Array(0),
    };
    if (request.redirect === 'error' && received.status >= 300 && received.status < 400) {
      raw.body.destroy();
      throw new TypeError(`The server redirected with HTTP ${received.status}, which is rejected.`);
    }

    const limit = this.settings.maxResponseBytes;
    const declared = Number(received.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      raw.body.destroy();
      throw this.tooLarge(request, exchange, received, declared, 'declares');
    }
    received.bytes = await readBody(raw.body, limit, (size) =>
      this.tooLarge(request, exchange, received, size, 'sent at least'),
    );
    return received;
  }

  private tooLarge(
    request: HttpRequest,
    exchange: RecordedExchange,
    received: ReceivedResponse,
    size: number,
    verb: string,
  ): ExplorerError {
    exchange.response = {
      status: received.status,
      statusText: received.statusText,
      headers: headerPairs(received.headers),
      size,
    };
    return new ExplorerError(
      'RESPONSE_TOO_LARGE',
      `${request.method} ${request.endpoint} at ${request.url} failed: the response ${verb} ${size} bytes, more than the limit of ${this.settings.maxResponseBytes} bytes.`,
      {
        hint: 'Raise the response size limit if this response is expected to be this large.',
        detail: { endpoint: request.endpoint, url: request.url, size },
      },
    );
  }

  /** Records the response and returns it as a fetch Response that oauth4webapi and jose accept. */
  private completeExchange(
    exchange: RecordedExchange,
    received: ReceivedResponse,
    pooled: PooledAgent,
    url: URL,
  ): Response {
    const { status, statusText, headers, bytes } = received;
    exchange.response = {
      status,
      statusText,
      headers: headerPairs(headers),
      body: recordBody(UTF8.decode(bytes), headers.get('content-type')),
      size: bytes.byteLength,
    };
    this.attachTls(exchange, pooled, url);
    return new BufferedResponse(NULL_BODY_STATUSES.has(status) ? null : bytes, {
      status,
      statusText,
      headers,
    });
  }

  private attachTls(exchange: RecordedExchange, pooled: PooledAgent, url: URL): void {
    if (url.protocol !== 'https:') return;
    const server = pooled.servers.get(originKey(url));
    const client = pooled.clientCertificate?.summary;
    exchange.tls = {
      clientCertificate: client && {
        subject: client.subject,
        issuer: client.issuer,
        validTo: client.validTo,
        x5tS256: client.x5tS256,
      },
      serverCertificate: server?.certificate,
      protocol: server?.protocol,
    };
  }

  private async translate(
    error: unknown,
    request: HttpRequest,
    pooled: PooledAgent,
    url: URL,
  ): Promise<ExplorerError> {
    if (pooled.servers.has(originKey(url)) && !pooled.servers.get(originKey(url))?.lastTlsError) {
      // The socket's TLS alert can arrive just after undici reports the closed connection.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const tlsError = pooled.servers.get(originKey(url))?.lastTlsError;
    const recentTlsError = tlsError && Date.now() - tlsError.at < 5000 ? tlsError : undefined;
    return translateNetworkError(error, {
      tlsAlert: recentTlsError?.code,
      endpoint: request.endpoint,
      method: request.method,
      url: request.url,
      connectTimeoutMs: this.settings.connectTimeoutMs,
      responseTimeoutMs: this.settings.responseTimeoutMs,
      clientCertificateSubject: pooled.clientCertificate?.summary.subject,
      clientCertificateProblem: pooled.clientCertificate?.validityProblem,
      aborted: request.signal?.aborted ?? false,
    });
  }

  private emit(exchange: RecordedExchange, requestListener?: ExchangeListener): void {
    const listeners = requestListener ? [...this.listeners, requestListener] : this.listeners;
    for (const listener of listeners) {
      try {
        listener(exchange);
      } catch {
        // A failing listener (a closed panel, say) must not fail the request it observes.
      }
    }
  }
}
