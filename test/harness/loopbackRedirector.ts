/**
 * Undoes code-server's rewriting of loopback URLs for a browser that runs on the same machine.
 *
 * When an extension opens `https://127.0.0.1:PORT/path` (an authorization endpoint, say), the
 * workbench in the browser replaces its origin with code-server's port proxy, and that proxy
 * speaks plain HTTP to the port. Pointing the proxy template at this server instead turns the
 * URL into `http://127.0.0.1:OWN_PORT/PORT/path`, and this server redirects the browser back to
 * the original URL. The original scheme is lost in the rewrite, so it is found out again by
 * trying a TLS handshake with the port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';

export interface LoopbackRedirector {
  /** Value for code-server's VSCODE_PROXY_URI, with the `{{port}}` placeholder. */
  proxyTemplate: string;
  close(): Promise<void>;
}

export async function startLoopbackRedirector(): Promise<LoopbackRedirector> {
  const server: Server = createServer((request, response) => {
    const match = /^\/(\d{1,5})(\/.*)?$/.exec(request.url ?? '');
    const port = match ? Number(match[1]) : 0;
    if (!match || port < 1 || port > 65535) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Expected /PORT/path.\n');
      return;
    }
    void speaksTls(port).then((tls) => {
      const target = `${tls ? 'https' : 'http'}://127.0.0.1:${port}${match[2] ?? '/'}`;
      response.writeHead(302, { location: target, 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    proxyTemplate: `http://127.0.0.1:${port}/{{port}}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves true when a TLS handshake with 127.0.0.1:port completes within two seconds. */
function speaksTls(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, timeout: 2000 });
    const settle = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });
}
