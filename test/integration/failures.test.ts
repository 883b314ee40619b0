import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net';
import { loadClientCertificate } from '../../src/engine/credentials';
import { discover } from '../../src/engine/discovery';
import {
  isExplorerError,
  type ExplorerError,
  type ExplorerErrorCode,
} from '../../src/engine/errors';
import type { RecordedExchange } from '../../src/engine/exchange';
import { FlowRun } from '../../src/engine/flowRun';
import { runClientCredentials } from '../../src/engine/flows';
import { HttpClient } from '../../src/engine/httpClient';
import { startTestServer, type TestServer } from '../server/provider';
import { loadCertificate, testHttpClient } from './helpers';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

function expectCode(code: ExplorerErrorCode, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(isExplorerError(error), `not an ExplorerError: ${String(error)}`);
    assert.equal(error.code, code, error.fullMessage);
    if (message) assert.match(error.fullMessage, message);
    return true;
  };
}

describe('failures are named', function () {
  this.timeout(30_000);
  let server: TestServer;
  let http: HttpClient;
  let serverTls: { key: string; cert: string; ca: string };
  const started: (HttpsServer | TcpServer)[] = [];
  const sockets: Socket[] = [];

  async function https(
    handler: Handler,
    options: object = {},
    host = '127.0.0.1',
  ): Promise<string> {
    const listener = createHttpsServer(
      { key: serverTls.key, cert: serverTls.cert, ...options },
      handler,
    );
    listener.on('connection', (socket: Socket) => sockets.push(socket));
    started.push(listener);
    await new Promise<void>((resolve) => listener.listen(0, host, resolve));
    return `https://${host}:${(listener.address() as AddressInfo).port}`;
  }

  function json(body: unknown, status = 200): Handler {
    return (_request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
  }

  before(async () => {
    server = await startTestServer({ issuerPath: '/tenant-a' });
    http = await testHttpClient(server);
    serverTls = {
      key: await readFile(server.certificates.server.key, 'utf8'),
      cert: await readFile(server.certificates.server.certificate, 'utf8'),
      ca: await readFile(server.certificates.ca.certificate, 'utf8'),
    };
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(started.map((listener) => new Promise((resolve) => listener.close(resolve))));
    await http?.close();
    await server?.close();
  });

  describe('discovery', () => {
    it('OpenID Connect form', async () => {
      const result = await discover(http, server.issuer, 'oidc');
      assert.equal(result.url, `${server.issuer}/.well-known/openid-configuration`);
      assert.equal(result.metadata.issuer, server.issuer);
    });

    it('RFC 8414 form inserts before the path', async () => {
      const result = await discover(http, server.issuer, 'oauth2');
      const origin = new URL(server.issuer).origin;
      assert.equal(result.url, `${origin}/.well-known/oauth-authorization-server/tenant-a`);
      assert.equal(result.kind, 'oauth2');
    });

    it('auto falls back to RFC 8414', async () => {
      let issuer = '';
      const base = await https((request, response) => {
        if (request.url === '/.well-known/oauth-authorization-server') {
          json({ issuer, token_endpoint: `${issuer}/token` })(request, response);
        } else {
          response.writeHead(404).end();
        }
      });
      issuer = base;
      const result = await discover(http, issuer, 'auto');
      assert.equal(result.kind, 'oauth2');
      assert.equal(result.exchanges.length, 2);
      assert.equal(result.exchanges[0]?.response?.status, 404);
    });

    it('issuer mismatch shows both values', async () => {
      const wrong = server.issuer.replace('127.0.0.1', 'localhost');
      await assert.rejects(
        discover(http, wrong, 'oidc'),
        expectCode('ISSUER_MISMATCH', new RegExp(`expected "${wrong}".*says "${server.issuer}"`)),
      );
    });

    it('trailing slash mismatch is explained', async () => {
      await assert.rejects(
        discover(http, `${server.issuer}/`, 'oidc'),
        expectCode('ISSUER_MISMATCH', /trailing slash/),
      );
    });

    it('issuer differences are made visible', async () => {
      const cases: {
        label: string;
        served: (issuer: string) => string;
        typed: (issuer: string) => string;
        message: RegExp;
        hint: RegExp;
      }[] = [
        {
          label: 'zero-width space',
          served: (issuer) => `${issuer}\u200b`,
          typed: (issuer) => issuer,
          message:
            /says "https:\/\/127\.0\.0\.1:\d+\\u\{200B\}"; the expected issuer ends after character \d+/,
          hint: /invisible formatting characters/,
        },
        {
          label: 'decomposed accent',
          served: (issuer) => `${issuer}/cafe\u0301`,
          typed: (issuer) => `${issuer}/caf\u00e9`,
          message: /expected ".*\/caf\\u\{E9\}".*"\\u\{E9\}" expected, "e" found/,
          hint: /only in Unicode normalization/,
        },
        {
          label: 'letter case',
          served: (issuer) => issuer.replace('https://', 'HTTPS://'),
          typed: (issuer) => issuer,
          message: /first differ at character 1: "h" expected, "H" found/,
          hint: /only in letter case/,
        },
      ];
      for (const { label, served, typed, message, hint } of cases) {
        let base = '';
        base = await https((request, response) =>
          json({ issuer: served(base) })(request, response),
        );
        await assert.rejects(discover(http, typed(base), 'oidc'), (error: unknown) => {
          expectCode('ISSUER_MISMATCH')(error);
          assert.match((error as Error).message, message, label);
          assert.match((error as ExplorerError).hint ?? '', hint, label);
          return true;
        });
      }
    });

    it('deeply nested member is described', async () => {
      const nested = '['.repeat(200_000) + ']'.repeat(200_000);
      for (const [member, pattern] of [
        ['scopes_supported', /scopes_supported must be a JSON array, but it is \{"a":\[\[/],
        ['mtls_endpoint_aliases', /mtls_endpoint_aliases\.token_endpoint must be a URL string/],
      ] as const) {
        let issuer = '';
        issuer = await https((_request, response) => {
          const value =
            member === 'scopes_supported' ? `{"a":${nested}}` : `{"token_endpoint":${nested}}`;
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(`{"issuer":${JSON.stringify(issuer)},"${member}":${value}}`);
        });
        await assert.rejects(
          discover(http, issuer, 'oidc'),
          expectCode('INVALID_METADATA', pattern),
        );
      }
    });

    it('compressed metadata is named', async () => {
      const issuer = await https((_request, response) => {
        response
          .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          .end(gzipSync('{"issuer":"x"}'));
      });
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode(
          'RESPONSE_NOT_JSON',
          /compressed \(content-encoding: gzip\).*no accept-encoding/,
        ),
      );
    });

    it('HTTP issuer is rejected before any request', async () => {
      await assert.rejects(
        discover(http, 'http://127.0.0.1:1', 'oidc'),
        expectCode('INVALID_ISSUER', /does not use https/),
      );
    });

    it('HTML instead of JSON', async () => {
      const issuer = await https((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end('<html>login</html>');
      });
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode('RESPONSE_NOT_JSON', /<html>login/),
      );
    });

    it('metadata that is not an object', async () => {
      const issuer = await https(json(['not', 'an', 'object']));
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode('INVALID_METADATA', /not a JSON object/),
      );
    });

    it('malformed alias names the member', async () => {
      let issuer = '';
      issuer = await https((request, response) =>
        json({
          issuer,
          token_endpoint: `${issuer}/token`,
          mtls_endpoint_aliases: { token_endpoint: 42 },
        })(request, response),
      );
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode(
          'INVALID_METADATA',
          /mtls_endpoint_aliases\.token_endpoint must be a URL string, but it is 42/,
        ),
      );
    });

    it('404 names the URL and status', async () => {
      const issuer = await https((_request, response) => response.writeHead(404).end('nope'));
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode('DISCOVERY_FAILED', /HTTP 404/),
      );
    });

    it('oversized response is cut off', async () => {
      const small = await testHttpClient(server, { maxResponseBytes: 1024 });
      const issuer = await https((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ padding: 'x'.repeat(10_000) }));
      });
      await assert.rejects(
        discover(small, issuer, 'oidc'),
        expectCode('RESPONSE_TOO_LARGE', /limit of 1024 bytes/),
      );
      await small.close();
    });

    it('oversized chunked response is cut off', async () => {
      const small = await testHttpClient(server, { maxResponseBytes: 1024 });
      const issuer = await https((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        for (let index = 0; index < 20; index += 1) response.write('x'.repeat(500));
        response.end();
      });
      await assert.rejects(
        discover(small, issuer, 'oidc'),
        expectCode('RESPONSE_TOO_LARGE', /at least/),
      );
      await small.close();
    });
  });

  describe('network and TLS', () => {
    it('refused connection', async () => {
      const listener = createTcpServer();
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as AddressInfo).port;
      await new Promise((resolve) => listener.close(resolve));
      await assert.rejects(
        discover(http, `https://127.0.0.1:${port}`, 'oidc'),
        expectCode('CONNECTION_REFUSED'),
      );
    });

    it('silent server times out within the timeout', async () => {
      const silent = createTcpServer((socket) => sockets.push(socket));
      started.push(silent);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const quick = await testHttpClient(server, { connectTimeoutMs: 500, responseTimeoutMs: 500 });
      const startedAt = Date.now();
      await assert.rejects(
        discover(quick, `https://127.0.0.1:${(silent.address() as AddressInfo).port}`, 'oidc'),
        expectCode('CONNECT_TIMEOUT', /0\.5 s/),
      );
      assert.ok(Date.now() - startedAt < 3000);
      await quick.close();
    });

    it('cancel during the TLS handshake', async () => {
      // The listener accepts the TCP connection and never starts TLS, so the request is still
      // connecting when it is cancelled. The connect timeout is far beyond the test's timeout.
      const silent = createTcpServer((socket) => sockets.push(socket));
      started.push(silent);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const slow = await testHttpClient(server, { connectTimeoutMs: 60_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(
        discover(
          slow,
          `https://127.0.0.1:${(silent.address() as AddressInfo).port}`,
          'oidc',
          controller.signal,
        ),
        expectCode('ABORTED'),
      );
      await slow.close();
    }).timeout(5000);

    it('server that never answers times out', async () => {
      const issuer = await https(() => undefined);
      const quick = await testHttpClient(server, { responseTimeoutMs: 500 });
      const startedAt = Date.now();
      await assert.rejects(
        discover(quick, issuer, 'oidc'),
        expectCode('RESPONSE_TIMEOUT', /0\.5 s/),
      );
      assert.ok(Date.now() - startedAt < 3000);
      await quick.close();
    });

    it('cancel aborts the request', async () => {
      const issuer = await https(() => undefined);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(
        discover(http, issuer, 'oidc', controller.signal),
        expectCode('ABORTED'),
      );
    });

    it('untrusted server certificate', async () => {
      const bare = new HttpClient({ connectTimeoutMs: 3000, responseTimeoutMs: 3000 });
      await assert.rejects(
        discover(bare, server.issuer, 'oidc'),
        expectCode('TLS_SERVER_UNTRUSTED', /extra CA certificates/),
      );
      await bare.close();
    });

    it('host name not in the certificate', async () => {
      // The server certificate names 127.0.0.1 and localhost; 127.0.0.2 is loopback too.
      const issuer = await https(json({}), {}, '127.0.0.2');
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode('TLS_HOSTNAME_MISMATCH', /127\.0\.0\.2/),
      );
    });

    it('strict mTLS server without a certificate', async () => {
      const issuer = await https(json({}), {
        requestCert: true,
        rejectUnauthorized: true,
        ca: serverTls.ca,
      });
      await assert.rejects(
        http.send({
          endpoint: 'token_endpoint',
          url: `${issuer}/token`,
          method: 'POST',
          body: 'a=b',
        }),
        (error: unknown) => {
          assert.ok(isExplorerError(error));
          assert.equal(error.code, 'TLS_CLIENT_CERTIFICATE_REQUIRED', error.fullMessage);
          assert.match(error.fullMessage, /requires a client certificate and none was sent/);
          return true;
        },
      );
    });

    it('strict mTLS server closes on an unknown CA', async () => {
      const issuer = await https(json({}), {
        requestCert: true,
        rejectUnauthorized: true,
        ca: serverTls.ca,
      });
      const clientCertificate = await loadCertificate(server.certificates.unknownCaClient);
      await assert.rejects(
        http.send({
          endpoint: 'token_endpoint',
          url: `${issuer}/token`,
          method: 'POST',
          body: 'a=b',
          clientCertificate,
        }),
        (error: unknown) => {
          assert.ok(isExplorerError(error));
          // Node's TLS server closes the socket after the handshake instead of sending an
          // unknown_ca alert, so the client sees a closed connection and says what it suspects.
          assert.equal(error.code, 'CONNECTION_RESET', error.fullMessage);
          assert.match(error.fullMessage, /may have rejected the client certificate/);
          assert.match(error.fullMessage, /CN=client/);
          return true;
        },
      );
    });

    it('strict mTLS server accepts the right certificate', async () => {
      const issuer = await https(json({ ok: true }), {
        requestCert: true,
        rejectUnauthorized: true,
        ca: serverTls.ca,
      });
      const clientCertificate = await loadCertificate(server.certificates.client);
      const { response, exchange } = await http.send({
        endpoint: 'token_endpoint',
        url: `${issuer}/token`,
        method: 'POST',
        body: 'a=b',
        clientCertificate,
      });
      assert.equal(response.status, 200);
      assert.equal(exchange.tls?.clientCertificate?.subject, 'CN=client,O=OAuth Explorer Test');
    });
  });

  describe('incomplete and unexpected responses', () => {
    it('slow body times out as a whole', async () => {
      // One byte every 100 ms restarts undici's per-chunk body timeout every time.
      const issuer = await https((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'x-trace': 'slow' });
        const timer = setInterval(() => {
          if (response.destroyed) clearInterval(timer);
          else response.write(' ');
        }, 100);
      });
      const quick = await testHttpClient(server, { responseTimeoutMs: 800 });
      let recorded: RecordedExchange | undefined;
      quick.onExchange((exchange) => (recorded = exchange));
      await assert.rejects(discover(quick, issuer, 'oidc'), (error: unknown) => {
        expectCode('RESPONSE_TIMEOUT', /not complete within 0\.8 s/)(error);
        assert.match((error as Error).message, /\/\.well-known\/openid-configuration/);
        assert.match((error as Error).message, /after \d+ bytes of the body/);
        return true;
      });
      assert.equal(recorded?.response?.status, 200);
      assert.ok(recorded?.response?.headers.some(([name]) => name === 'x-trace'));
      assert.equal(recorded?.error?.code, 'RESPONSE_TIMEOUT');
      await quick.close();
    }).timeout(10_000);

    it('body cut short names the byte counts', async () => {
      const issuer = await https((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        response.write('{"issuer":"partial');
        setTimeout(() => response.socket?.destroy(), 50);
      });
      let recorded: RecordedExchange | undefined;
      const stop = http.onExchange((exchange) => (recorded = exchange));
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode('CONNECTION_RESET', /body ended after 18 of 500 bytes/),
      );
      stop();
      assert.equal(recorded?.response?.status, 200);
      assert.equal(recorded?.response?.size, 18);
      assert.equal(recorded?.response?.body?.text, '{"issuer":"partial');
    });

    it('chunked body cut short', async () => {
      const issuer = await https((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"issuer":');
        setTimeout(() => response.socket?.destroy(), 50);
      });
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode('CONNECTION_RESET', /closed after 10 bytes of the response body/),
      );
    });

    it('discovery redirect names the target', async () => {
      const issuer = await https((_request, response) => {
        response.writeHead(302, { location: '/moved/.well-known/openid-configuration?k=v' }).end();
      });
      await assert.rejects(discover(http, issuer, 'oidc'), (error: unknown) => {
        expectCode('DISCOVERY_FAILED', /HTTP 302, a redirect to/)(error);
        const message = (error as Error).message;
        assert.ok(message.includes(`${issuer}/moved/.well-known/openid-configuration (query`));
        assert.doesNotMatch(message, /k=v/);
        assert.match(message, /Redirects are not followed/);
        return true;
      });
    });

    it('token endpoint redirect is not followed', async () => {
      let requests = 0;
      const base = await https((_request, response) => {
        requests += 1;
        response.writeHead(307, { location: 'https://127.0.0.1:1/other?client_secret=s3' }).end();
      });
      const fetchToken = http.fetchFor({ endpoint: 'token_endpoint' });
      let recorded: RecordedExchange | undefined;
      const stop = http.onExchange((exchange) => (recorded = exchange));
      await assert.rejects(
        fetchToken(`${base}/token`, { method: 'POST', body: 'a=b', redirect: 'manual' }),
        (error: unknown) => {
          expectCode('PROTOCOL_VIOLATION', /redirect to https:\/\/127\.0\.0\.1:1\/other/)(error);
          assert.doesNotMatch((error as Error).message, /client_secret/);
          assert.match((error as ExplorerError).hint ?? '', /token_endpoint in the metadata/);
          return true;
        },
      );
      stop();
      assert.equal(requests, 1);
      assert.equal(recorded?.response?.status, 307);
    });

    it('http token endpoint is never called', async () => {
      const flow = new FlowRun({
        http,
        metadata: { issuer: 'https://127.0.0.1:1', token_endpoint: 'http://127.0.0.1:9/token' },
        client: {
          client_id: 'c1',
          token_endpoint_auth_method: 'client_secret_basic',
          use_mtls_endpoint_aliases: false,
          clientSecret: 'secret-value',
        },
        title: 'Client credentials',
      });
      await assert.rejects(runClientCredentials(flow), (error: unknown) => {
        expectCode(
          'INVALID_METADATA',
          /token_endpoint http:\/\/127\.0\.0\.1:9\/token was not called because it does not use https/,
        )(error);
        assert.match((error as ExplorerError).hint ?? '', /metadata member token_endpoint/);
        assert.doesNotMatch((error as ExplorerError).fullMessage, /raw response/);
        return true;
      });
      assert.equal(flow.exchanges.length, 0);
    });

    it('bytes that are not HTTP', async () => {
      const issuer = await https((request) => {
        request.socket.write('garbage\r\n\r\n');
        request.socket.destroy();
      });
      await assert.rejects(
        discover(http, issuer, 'oidc'),
        expectCode('NETWORK_ERROR', /not valid HTTP\/1\.1: Response does not match/),
      );
    });
  });

  describe('client certificate files', () => {
    it('wrong key is caught before TLS', async () => {
      await assert.rejects(
        loadCertificate({
          certificate: server.certificates.client.certificate,
          key: server.certificates.wrongKey,
        }),
        expectCode('KEY_CERTIFICATE_MISMATCH', /does not match the certificate/),
      );
    });

    it('encrypted key without passphrase', async () => {
      const input = {
        certificatePem: await readFile(server.certificates.client.certificate, 'utf8'),
        keyPem: await readFile(server.certificates.client.encryptedKey, 'utf8'),
        keySource: 'client.encrypted.key',
      };
      assert.throws(
        () => loadClientCertificate(input),
        expectCode('KEY_PASSPHRASE_REQUIRED', /client\.encrypted\.key/),
      );
      assert.throws(
        () => loadClientCertificate({ ...input, passphrase: 'wrong' }),
        expectCode('KEY_PASSPHRASE_INCORRECT'),
      );
      const loaded = loadClientCertificate({
        ...input,
        passphrase: server.certificates.client.passphrase,
      });
      assert.equal(loaded.summary.x5tS256, server.certificates.client.thumbprint);
    });

    it('expired certificate loads with a warning', async () => {
      const loaded = await loadCertificate(server.certificates.expiredClient);
      assert.match(loaded.validityProblem ?? '', /expired on 20/);
    });

    it('a key file given as certificate', async () => {
      await assert.rejects(
        loadCertificate({
          certificate: server.certificates.client.key,
          key: server.certificates.client.key,
        }),
        expectCode('CERTIFICATE_INVALID', /holds no PEM certificate/),
      );
    });
  });
});
