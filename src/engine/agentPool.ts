import { createHash } from 'node:crypto';
import { rootCertificates, type TLSSocket } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { summarizeCertificate, type LoadedClientCertificate } from './credentials';
import type { RecordedCertificate } from './exchange';

/** Timeouts and trust settings shared by every connection of one agent. */
export interface ConnectionSettings {
  /** Time allowed for TCP connect plus the TLS handshake, in milliseconds. */
  connectTimeoutMs: number;
  /**
   * Time allowed from sending the request to the end of the response body, in milliseconds. undici
   * applies it to the headers and to each pause between body chunks, and the HTTP client applies it
   * to the whole response.
   */
  responseTimeoutMs: number;
  /** PEM CA certificates trusted in addition to Node's built-in roots. */
  extraCaPem?: readonly string[];
}

export interface ServerConnectionFacts {
  certificate?: RecordedCertificate;
  protocol?: string;
  /**
   * The last TLS error a socket to this origin emitted. Under TLS 1.3 a server rejects a client
   * certificate after the client's handshake has finished, and undici reports only "other side
   * closed"; the alert itself (certificate required, unknown CA) is kept here.
   */
  lastTlsError?: { code: string; message: string; at: number };
}

/**
 * A request option holding a function that is called when undici writes the request on a
 * connected socket, after any connect and TLS handshake. The response timeout counts from there.
 */
export const onRequestSent: unique symbol = Symbol('onRequestSent');

export type RequestSentOption = { [onRequestSent]?: () => void };

/** Forwards every handler call, and calls `sent` when undici starts writing the request. */
class SentNotifyingHandler implements Dispatcher.DispatchHandler {
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly sent: () => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.sent();
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>
  ): void {
    this.inner.onRequestUpgrade?.(...args);
  }

  onResponseStart(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>
  ): void {
    this.inner.onResponseStart?.(...args);
  }

  onResponseData(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseData']>>
  ): void {
    this.inner.onResponseData?.(...args);
  }

  onResponseEnd(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>
  ): void {
    this.inner.onResponseEnd?.(...args);
  }

  onResponseError(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseError']>>
  ): void {
    this.inner.onResponseError?.(...args);
  }
}

function notifyWhenSent(dispatch: Dispatcher['dispatch']): Dispatcher['dispatch'] {
  return (options, handler) => {
    const sent = (options as RequestSentOption)[onRequestSent];
    return dispatch(options, sent ? new SentNotifyingHandler(handler, sent) : handler);
  };
}

/** One undici agent with the facts its connector saw. */
export interface PooledAgent {
  /** The agent, composed with the interceptor that honours `onRequestSent`. */
  agent: Dispatcher;
  clientCertificate?: LoadedClientCertificate;
  /** TLS connections opened by this agent; stays flat while connections are reused. */
  handshakes: number;
  /** The server certificate last seen per `host:port`. */
  servers: Map<string, ServerConnectionFacts>;
}

function poolKey(settings: ConnectionSettings, certificate?: LoadedClientCertificate): string {
  const hash = createHash('sha256');
  hash.update(`${settings.connectTimeoutMs}\0${settings.responseTimeoutMs}\0`);
  for (const ca of settings.extraCaPem ?? []) hash.update(ca).update('\0');
  if (certificate) {
    hash.update(certificate.certificatePem).update('\0').update(certificate.keyPem).update('\0');
    hash.update(certificate.passphrase ?? '');
  }
  return hash.digest('hex');
}

function recordCertificate(socket: TLSSocket): RecordedCertificate | undefined {
  const peer = socket.getPeerX509Certificate?.();
  if (!peer) return undefined;
  const summary = summarizeCertificate(peer);
  return {
    subject: summary.subject,
    issuer: summary.issuer,
    validTo: summary.validTo,
    x5tS256: summary.x5tS256,
  };
}

/**
 * Keeps one undici Agent per (client certificate, key, extra CAs, timeouts), so that requests of a
 * flow share warm TLS connections and a certificate change never reuses a connection made with
 * another certificate.
 */
export class AgentPool {
  private readonly agents = new Map<string, PooledAgent>();

  get(settings: ConnectionSettings, clientCertificate?: LoadedClientCertificate): PooledAgent {
    const key = poolKey(settings, clientCertificate);
    let pooled = this.agents.get(key);
    if (!pooled) {
      pooled = this.create(settings, clientCertificate);
      this.agents.set(key, pooled);
    }
    return pooled;
  }

  /** TLS connections opened by all agents so far. */
  get handshakes(): number {
    let total = 0;
    for (const pooled of this.agents.values()) total += pooled.handshakes;
    return total;
  }

  /**
   * Closes every agent. Requests in flight get `graceMs` to finish, then whatever is still open
   * is destroyed, because undici's close() also waits for connections that are still connecting,
   * which a cancelled request against a silent server leaves behind until the connect timeout.
   */
  async close(graceMs = 1000): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(
      agents.map(async ({ agent }) => {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'graceOver'>((resolve) => {
          timer = setTimeout(() => resolve('graceOver'), graceMs);
        });
        const outcome = await Promise.race([
          agent.close().then(() => 'closed' as const),
          graceOver,
        ]);
        clearTimeout(timer);
        if (outcome === 'graceOver') await agent.destroy();
      }),
    );
  }

  private create(
    settings: ConnectionSettings,
    clientCertificate?: LoadedClientCertificate,
  ): PooledAgent {
    const extraCa = settings.extraCaPem ?? [];
    const connector = buildConnector({
      timeout: settings.connectTimeoutMs,
      // Node replaces its built-in roots when `ca` is given, so they are added back explicitly.
      ca: extraCa.length > 0 ? [...rootCertificates, ...extraCa] : undefined,
      cert: clientCertificate?.certificatePem,
      key: clientCertificate?.keyPem,
      passphrase: clientCertificate?.passphrase,
    });

    const pooled: PooledAgent = {
      agent: undefined as unknown as Dispatcher,
      clientCertificate,
      handshakes: 0,
      servers: new Map(),
    };

    const agent = new Agent({
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.responseTimeoutMs,
      connect: (options, callback) => {
        connector(options, (error, socket) => {
          if (!error && socket && 'getPeerX509Certificate' in socket) {
            pooled.handshakes += 1;
            const tlsSocket = socket as TLSSocket;
            const facts: ServerConnectionFacts = {
              certificate: recordCertificate(tlsSocket),
              protocol: tlsSocket.getProtocol() ?? undefined,
            };
            pooled.servers.set(`${options.hostname}:${options.port || '443'}`, facts);
            tlsSocket.on('error', (socketError: Error & { code?: string }) => {
              if (socketError.code?.startsWith('ERR_SSL_')) {
                facts.lastTlsError = {
                  code: socketError.code,
                  message: socketError.message,
                  at: Date.now(),
                };
              }
            });
          }
          if (error) callback(error, null);
          else callback(null, socket!);
        });
      },
    });
    pooled.agent = agent.compose(notifyWhenSent);
    return pooled;
  }
}
