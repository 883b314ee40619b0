import { randomUUID } from 'node:crypto';
import { Headers, Response, type Dispatcher } from 'undici';
import {
  AgentPool,
  onRequestSent,
  type ConnectionSettings,
  type PooledAgent,
  type RequestSentOption,
} from './agentPool';
import type { LoadedClientCertificate } from './credentials';
import { ExplorerError } from './errors';
import type { ExchangeListener, HeaderPair, RecordedBody, RecordedExchange } from './exchange';
import {
  bodyTimeoutError,
  redirectError,
  translateNetworkError,
  truncatedBodyError,
  type RequestIdentity,
} from './networkErrors';
import { redactBody, redactHeader } from './redaction';
import type { RouteEntry } from './routing';
import { SecretValues, redactExchangeSecrets } from './secretValues';

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
   * `manual` (the default) returns a redirect response as it is; `error` records its status and
   * headers and rejects it with an error that names the Location. Redirects are never followed.
   */
  redirect?: 'manual' | 'error';
  /** Receives this request's exchange, after the client-wide listeners. */
  onRecorded?: ExchangeListener;
  /**
   * Secret values to replace wherever the response or an error echoes them, besides those the
   * request itself carries (Basic credentials and secret form parameters), which are found here.
   */
  secrets?: SecretValues;
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
  secrets?: SecretValues;
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

/**
 * Records a body with its secrets redacted. A body that cannot be redacted is replaced by a note,
 * so a failure here never records the raw text nor loses the rest of the exchange.
 */
function recordBody(text: string, contentType: string | null): RecordedBody | undefined {
  if (text.length === 0) return undefined;
  try {
    const { text: redactedText, redacted } = redactBody(text, contentType ?? undefined);
    return { contentType: contentType ?? undefined, text: redactedText, redacted };
  } catch (error) {
    return {
      contentType: contentType ?? undefined,
      text: `[body not recorded: it could not be checked for secrets (${String(error)})]`,
      redacted: [],
    };
  }
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
 * Destroys a body that will not be read. undici emits an abort error on a body destroyed before
 * its end, and without a listener that error would crash the process.
 */
function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** The body bytes read so far, kept so that a failed read can still record the partial body. */
interface BodyProgress {
  chunks: Buffer[];
  size: number;
}

/**
 * Reads a whole response body into `progress`, destroying the stream and rejecting with
 * `tooLarge(bytesSoFar)` once it exceeds `limit` bytes. It listens for `data` events, which take
 * fewer allocations and event loop turns per body than async iteration. A stream that closes
 * before its end rejects as async iteration would, with ERR_STREAM_PREMATURE_CLOSE.
 */
function readBody(
  body: Dispatcher.ResponseData['body'],
  limit: number,
  tooLarge: (size: number) => Error,
  progress: BodyProgress,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const { chunks } = progress;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      progress.size += chunk.byteLength;
      if (progress.size > limit) {
        body.destroy();
        settle(() => reject(tooLarge(progress.size)));
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () =>
      settle(() =>
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, progress.size)),
      ),
    );
    body.once('error', (error) => settle(() => reject(error)));
    body.once('close', () =>
      settle(() =>
        reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })),
      ),
    );
  });
}

/**
 * The response timeout as one deadline for the headers and the whole body, counted from the moment
 * undici writes the request. undici's own body timeout restarts with every chunk, so a server that
 * sends one byte at a time would otherwise never time out.
 */
class ResponseDeadline {
  expired = false;
  private timer: NodeJS.Timeout | undefined;
  private onExpiry: () => void = () => undefined;

  constructor(readonly limitMs: number) {}

  /** Starts the clock; passed to undici as the `onRequestSent` option. */
  readonly start = (): void => {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onExpiry();
    }, this.limitMs);
  };

  /** Runs `action` when the deadline passes, or at once if it has passed already. */
  whenExpired(action: () => void): void {
    this.onExpiry = action;
    if (this.expired) action();
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** A response as received: status line, headers and the whole body. */
interface ReceivedResponse {
  status: number;
  statusText: string;
  headers: Headers;
  bytes: Uint8Array;
}

/**
 * Records the status, headers and any partial body of a response that failed before its body was
 * read whole, so the inspector shows what did arrive.
 */
function recordIncompleteResponse(
  exchange: RecordedExchange,
  received: ReceivedResponse,
  size: number,
  chunks: Buffer[] = [],
): void {
  const partial = UTF8.decode(Buffer.concat(chunks, size));
  exchange.response = {
    status: received.status,
    statusText: received.statusText,
    headers: headerPairs(received.headers),
    body: recordBody(partial, received.headers.get('content-type')),
    size,
  };
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
    const secrets = new SecretValues(request.secrets);
    secrets.addRequest(headers, body);
    const started = performance.now();

    try {
      const received = await this.transmit(pooled, url, request, headers, body, exchange);
      const response = this.completeExchange(exchange, received, pooled, url);
      return { response, exchange };
    } catch (error) {
      const translated =
        error instanceof ExplorerError ? error : await this.translate(error, request, pooled, url);
      const failure =
        secrets.size === 0 ? translated : translated.redacted((text) => secrets.redact(text));
      exchange.error = { code: failure.code, message: failure.fullMessage };
      this.attachTls(exchange, pooled, url);
      throw failure;
    } finally {
      exchange.durationMs = Math.round((performance.now() - started) * 10) / 10;
      redactExchangeSecrets(exchange, secrets);
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
        // No OAuth back-channel endpoint responds with a redirect, and following one would resend
        // credentials, so any redirect fails with an error that names its target.
        redirect: 'error',
        onRecorded: context.onRecorded,
        secrets: context.secrets,
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
    const deadline = new ResponseDeadline(this.settings.responseTimeoutMs);
    try {
      const options: Dispatcher.RequestOptions & RequestSentOption = {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method as Dispatcher.HttpMethod,
        headers: Object.fromEntries(headers),
        body,
        signal: request.signal,
        [onRequestSent]: deadline.start,
      };
      const raw = await rejectOnAbort(pooled.agent.request(options), request.signal);
      const received: ReceivedResponse = {
        status: raw.statusCode,
        statusText: raw.statusText,
        headers: responseHeaders(raw.headers),
        bytes: new Uint8Array(0),
      };
      if (request.redirect === 'error' && received.status >= 300 && received.status < 400) {
        discardBody(raw.body);
        recordIncompleteResponse(exchange, received, 0);
        throw redirectError(this.requestContext(request), received.status, received.headers);
      }

      const limit = this.settings.maxResponseBytes;
      const declared = Number(received.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > limit) {
        discardBody(raw.body);
        throw this.tooLarge(request, exchange, received, declared, 'declares');
      }
      const progress: BodyProgress = { chunks: [], size: 0 };
      deadline.whenExpired(() => raw.body.destroy());
      try {
        received.bytes = await readBody(
          raw.body,
          limit,
          (size) => this.tooLarge(request, exchange, received, size, 'sent at least'),
          progress,
        );
      } catch (error) {
        throw this.bodyFailure(error, request, exchange, received, progress, deadline);
      }
      return received;
    } finally {
      deadline.clear();
    }
  }

  /**
   * Explains a body that did not arrive whole: the deadline passed, or the connection ended
   * early. Status, headers and the partial body are recorded first. A size-limit error and a
   * cancellation are returned unchanged.
   */
  private bodyFailure(
    error: unknown,
    request: HttpRequest,
    exchange: RecordedExchange,
    received: ReceivedResponse,
    progress: BodyProgress,
    deadline: ResponseDeadline,
  ): unknown {
    if (error instanceof ExplorerError) return error;
    recordIncompleteResponse(exchange, received, progress.size, progress.chunks);
    if (request.signal?.aborted) return error;
    const context = this.requestContext(request);
    if (deadline.expired) return bodyTimeoutError(context, progress.size, deadline.limitMs);
    const declared = Number(received.headers.get('content-length') ?? NaN);
    return truncatedBodyError(
      context,
      received.status,
      progress.size,
      Number.isFinite(declared) ? declared : undefined,
      error,
    );
  }

  private requestContext(request: HttpRequest): RequestIdentity {
    return { endpoint: request.endpoint, method: request.method, url: request.url };
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
