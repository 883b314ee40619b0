import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExplorerError } from './errors';

export interface LoopbackOptions {
  /** Inclusive port range to try in order; an ephemeral port when absent. */
  portRange?: [number, number];
  /** Path of the redirect URI. */
  path?: string;
}

export interface CallbackResult {
  /** GET for query response modes, POST for form_post. */
  method: 'GET' | 'POST';
  parameters: URLSearchParams;
}

/** Form posts larger than this are rejected; authorization responses are a few kilobytes. */
const MAX_FORM_BYTES = 256 * 1024;

function page(title: string, text: string): string {
  const escape = (value: string) =>
    value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body style="font-family:sans-serif;margin:3em"><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;
}

function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        reject(new Error(`form post larger than ${MAX_FORM_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    request.on('error', reject);
  });
}

/**
 * A one-shot HTTP listener on 127.0.0.1 that receives the authorization response for a native
 * client (RFC 8252 section 7.3). It accepts the redirect as a GET query or as a form_post.
 */
export class LoopbackListener {
  private server: Server | undefined;
  private received: CallbackResult | undefined;
  private waiter: ((result: CallbackResult) => void) | undefined;
  private redirectPath = '/callback';
  port = 0;

  get redirectUri(): string {
    return `http://127.0.0.1:${this.port}${this.redirectPath}`;
  }

  static async start(options: LoopbackOptions = {}): Promise<LoopbackListener> {
    const listener = new LoopbackListener();
    listener.redirectPath = options.path ?? '/callback';
    const [first, last] = options.portRange ?? [0, 0];
    for (let port = first; port <= last; port += 1) {
      if (await listener.tryListen(port)) return listener;
    }
    throw new ExplorerError(
      'LOOPBACK_UNAVAILABLE',
      `No port between ${first} and ${last} on 127.0.0.1 was free for the redirect listener.`,
      {
        hint: 'Widen the redirect port range or stop what is using those ports.',
        detail: { first, last },
      },
    );
  }

  private tryListen(port: number): Promise<boolean> {
    const server = createServer((request, response) => void this.handle(request, response));
    return new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => {
        this.server = server;
        this.port = (server.address() as AddressInfo).port;
        resolve(true);
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (
      url.pathname !== this.redirectPath ||
      (request.method !== 'GET' && request.method !== 'POST')
    ) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    if (this.received) {
      response
        .writeHead(409, { 'content-type': 'text/html; charset=utf-8' })
        .end(page('Already received', 'OAuth Explorer already received a response for this flow.'));
      return;
    }
    let parameters: URLSearchParams;
    try {
      parameters = request.method === 'POST' ? await readForm(request) : url.searchParams;
    } catch (error) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      return;
    }

    this.received = { method: request.method, parameters };
    const failed = parameters.has('error');
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(
        failed
          ? page(
              'Authorization failed',
              `The server returned ${parameters.get('error')}. Details are in VS Code.`,
            )
          : page(
              'Authorization received',
              'OAuth Explorer received the response. You can close this tab.',
            ),
      );
    this.waiter?.(this.received);
  }

  /** Waits for the redirect, up to `timeoutMs`, or until `signal` aborts. */
  waitForCallback(timeoutMs: number, signal?: AbortSignal): Promise<CallbackResult> {
    if (this.received) return Promise.resolve(this.received);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new ExplorerError(
            'CALLBACK_TIMEOUT',
            `No authorization response reached ${this.redirectUri} within ${Math.round(timeoutMs / 1000)} s.`,
            { hint: 'Finish the login in the browser, or run the flow again.' },
          ),
        );
      }, timeoutMs);
      const onAbort = () => {
        cleanup();
        reject(new ExplorerError('ABORTED', 'The authorization flow was cancelled.'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      this.waiter = (result) => {
        cleanup();
        resolve(result);
      };
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
