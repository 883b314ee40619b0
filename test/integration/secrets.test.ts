import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { inspect } from 'node:util';
import type { ClientProfile } from '../../src/engine/clientAuth';
import { discover } from '../../src/engine/discovery';
import { isExplorerError, type ExplorerErrorCode } from '../../src/engine/errors';
import { FlowRun } from '../../src/engine/flowRun';
import {
  runClientCredentials,
  runIntrospection,
  runRefresh,
  runRevocation,
} from '../../src/engine/flows';
import type { HttpClient } from '../../src/engine/httpClient';
import type { ServerMetadata } from '../../src/engine/metadata';
import { startTestServer, type TestServer } from '../server/provider';
import { discoverMetadata, profileFor, testHttpClient } from './helpers';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A secret with characters that form encoding and oauth4webapi's Basic encoding both change. */
const CLIENT_SECRET = 'cs-Echoed/secret+value_0123456789';
const REFRESH_TOKEN = 'rt-Echoed-refresh-token-abcdef0123456789';
const CLIENT_ID = 'echo-client';

/** Encodes a value as oauth4webapi 3 does for client_secret_basic. */
function formUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/[-_.!~*'()]|%20/g, (character) =>
    character === '%20' ? '+' : `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Every form in which the client secret or the refresh token could leak. */
const LEAKABLE = [
  CLIENT_SECRET,
  encodeURIComponent(CLIENT_SECRET),
  formUrlEncode(CLIENT_SECRET),
  new URLSearchParams({ v: CLIENT_SECRET }).toString().slice(2),
  Buffer.from(`${formUrlEncode(CLIENT_ID)}:${formUrlEncode(CLIENT_SECRET)}`).toString('base64'),
  REFRESH_TOKEN,
];

function readRequestBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => resolve(body));
  });
}

/** Responds with an error whose description repeats the decoded request body. */
const echoBodyInErrorDescription: Handler = (request, response) => {
  void readRequestBody(request).then((body) => {
    response.writeHead(400, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: 'invalid_request',
        error_description: `could not parse ${decodeURIComponent(body)}`,
      }),
    );
  });
};

function tokenResponse(
  contentType: string | [string, string][] | undefined,
  body: string,
  status = 200,
): Handler {
  return (_request, response) => {
    if (Array.isArray(contentType)) response.writeHead(status, contentType as never);
    else if (contentType === undefined) response.writeHead(status);
    else response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  };
}

const TOKENS = JSON.stringify({
  access_token: 'at',
  token_type: 'Bearer',
  refresh_token: REFRESH_TOKEN,
});

/** Lists every place where a leaked value was found: exchanges, steps and the error. */
function leaks(run: FlowRun, error: unknown, values: string[]): string[] {
  const places: Record<string, string> = {
    exchanges: JSON.stringify(run.exchanges),
    steps: JSON.stringify(run.steps),
    'error (inspect)': inspect(error, { depth: null }),
  };
  if (isExplorerError(error)) {
    places['error message'] = error.message;
    places['error hint'] = error.hint ?? '';
    places['error detail'] = JSON.stringify(error.detail);
  }
  const found: string[] = [];
  for (const [place, text] of Object.entries(places)) {
    for (const value of values) if (text.includes(value)) found.push(`${place}: ${value}`);
  }
  return found;
}

describe('secrets in responses and errors', function () {
  this.timeout(30_000);
  let server: TestServer;
  let http: HttpClient;
  let metadata: ServerMetadata;
  let handler: Handler = () => undefined;
  let listener: HttpsServer;
  const sockets: Socket[] = [];

  const basic: ClientProfile = {
    client_id: CLIENT_ID,
    token_endpoint_auth_method: 'client_secret_basic',
    use_mtls_endpoint_aliases: false,
    clientSecret: CLIENT_SECRET,
  };
  const post: ClientProfile = { ...basic, token_endpoint_auth_method: 'client_secret_post' };

  before(async () => {
    server = await startTestServer({});
    http = await testHttpClient(server);
    listener = createHttpsServer(
      {
        key: await readFile(server.certificates.server.key, 'utf8'),
        cert: await readFile(server.certificates.server.certificate, 'utf8'),
      },
      (request, response) => {
        if (request.url !== '/.well-known/openid-configuration') return handler(request, response);
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            issuer,
            token_endpoint: `${issuer}/token`,
            introspection_endpoint: `${issuer}/introspect`,
            revocation_endpoint: `${issuer}/revoke`,
            response_types_supported: ['code'],
          }),
        );
      },
    );
    listener.on('connection', (socket: Socket) => sockets.push(socket));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const issuer = `https://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    metadata = (await discover(http, issuer, 'oidc')).metadata;
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => listener?.close(resolve));
    await http?.close();
    await server?.close();
  });

  /** Runs `act` against the mock server with `serve` as its token endpoint handler. */
  async function runAgainst(
    client: ClientProfile,
    serve: Handler,
    act: (run: FlowRun) => Promise<unknown> = (run) => runClientCredentials(run),
  ): Promise<{ run: FlowRun; error: unknown }> {
    handler = serve;
    const run = new FlowRun({ http, metadata, client, title: 'secrets' });
    let error: unknown;
    try {
      await act(run);
    } catch (caught) {
      error = caught;
    }
    return { run, error };
  }

  function assertFails(error: unknown, code: ExplorerErrorCode): void {
    assert.ok(isExplorerError(error), `not an ExplorerError: ${String(error)}`);
    assert.equal(error.code, code, error.fullMessage);
  }

  describe('token responses not labelled JSON', () => {
    const cases: [label: string, contentType: string | [string, string][] | undefined][] = [
      ['text/plain', 'text/plain'],
      ['no content-type', undefined],
      [
        'repeated content-type',
        [
          ['content-type', 'application/json'],
          ['content-type', 'charset=utf-8'],
        ],
      ],
    ];
    for (const [label, contentType] of cases) {
      it(`${label} body redacted`, async () => {
        const { run, error } = await runAgainst(basic, tokenResponse(contentType, TOKENS));
        assert.equal(error, undefined);
        assert.deepEqual(leaks(run, error, LEAKABLE), []);
        assert.match(run.exchanges.at(-1)!.response!.body!.text, /"refresh_token": "\[redacted/);
      });
    }
  });

  it('invalid JSON redacted by pattern', async () => {
    const { run, error } = await runAgainst(
      basic,
      tokenResponse('application/json', `${TOKENS}\n}`),
    );
    assertFails(error, 'RESPONSE_NOT_JSON');
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
    assert.match((error as Error & { hint: string }).hint, /refresh_token\\":\\"\[redacted/);
  });

  it('error_description echo of client_secret_post', async () => {
    const { run, error } = await runAgainst(post, echoBodyInErrorDescription);
    assertFails(error, 'OAUTH_ERROR_RESPONSE');
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
    assert.match((error as Error).message, /client_secret=\[redacted: 33 chars/);
  });

  it('invalid_client echo of client secret', async () => {
    const { run, error } = await runAgainst(
      post,
      tokenResponse(
        'application/json',
        JSON.stringify({ error: 'invalid_client', error_description: `${CLIENT_SECRET} is wrong` }),
        401,
      ),
    );
    assertFails(error, 'CLIENT_AUTHENTICATION_FAILED');
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
  });

  it('challenge echo of Basic credentials', async () => {
    const { run, error } = await runAgainst(basic, (request, response) => {
      const challenge = `Basic realm="x", error="invalid_client", error_description="${request.headers.authorization}"`;
      response.writeHead(401, { 'www-authenticate': challenge }).end();
    });
    assertFails(error, 'CLIENT_AUTHENTICATION_FAILED');
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
    assert.match((error as Error).message, /Basic \[redacted/);
  });

  it('refresh grant echo of refresh token', async () => {
    const { run, error } = await runAgainst(post, echoBodyInErrorDescription, (flowRun) =>
      runRefresh(flowRun, REFRESH_TOKEN),
    );
    assertFails(error, 'OAUTH_ERROR_RESPONSE');
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
  });

  it('introspection echo of the token', async () => {
    const { run, error } = await runAgainst(post, echoBodyInErrorDescription, (flowRun) =>
      runIntrospection(flowRun, REFRESH_TOKEN),
    );
    assertFails(error, 'OAUTH_ERROR_RESPONSE');
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
  });

  it('revocation echo of the token', async () => {
    const { run, error } = await runAgainst(basic, echoBodyInErrorDescription, (flowRun) =>
      runRevocation(flowRun, REFRESH_TOKEN),
    );
    assertFails(error, 'OAUTH_ERROR_RESPONSE');
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
  });

  it('private_key_jwt assertion echo', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const client: ClientProfile = {
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'private_key_jwt',
      use_mtls_endpoint_aliases: false,
      signingKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    let assertion = '';
    const { run, error } = await runAgainst(client, (request, response) => {
      void readRequestBody(request).then((body) => {
        assertion = new URLSearchParams(body).get('client_assertion') ?? '';
        const description = `assertion ${assertion} rejected`;
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'invalid_client', error_description: description }));
      });
    });
    assertFails(error, 'CLIENT_AUTHENTICATION_FAILED');
    assert.ok(assertion.length > 100, 'no client_assertion was sent');
    assert.deepEqual(leaks(run, error, [assertion]), []);
  });

  it('redirect echo of the form body', async () => {
    const { run, error } = await runAgainst(post, (request, response) => {
      void readRequestBody(request).then((body) => {
        response.writeHead(302, { location: `/elsewhere?${body}` }).end();
      });
    });
    assert.ok(isExplorerError(error), `not an ExplorerError: ${String(error)}`);
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
    const location = run.exchanges.at(-1)!.response!.headers.find(([name]) => name === 'location');
    assert.match(location![1], /client_secret=\[redacted/);
  });

  describe('rejected responses keep no body in the cause', () => {
    const cases: [label: string, body: object][] = [
      ['token_type mac', { access_token: 'at', token_type: 'mac', refresh_token: REFRESH_TOKEN }],
      ['missing access_token', { token_type: 'Bearer', refresh_token: REFRESH_TOKEN }],
      [
        'expires_in not a number',
        { access_token: 'at', token_type: 'Bearer', refresh_token: REFRESH_TOKEN, expires_in: 'x' },
      ],
    ];
    for (const [label, body] of cases) {
      it(label, async () => {
        const { run, error } = await runAgainst(
          basic,
          tokenResponse('application/json', JSON.stringify(body)),
        );
        assertFails(error, 'PROTOCOL_VIOLATION');
        assert.deepEqual(leaks(run, error, LEAKABLE), []);
        assert.ok((error as Error).cause instanceof Error, 'the cause was dropped');
      });
    }
  });

  it('non-string refresh_token redacted', async () => {
    const body = JSON.stringify({
      access_token: 'at',
      token_type: 'Bearer',
      refresh_token: { value: REFRESH_TOKEN },
    });
    const { run, error } = await runAgainst(basic, tokenResponse('application/json', body));
    assertFails(error, 'PROTOCOL_VIOLATION');
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
  });

  it('deeply nested response recorded as a note', async () => {
    const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = TOKENS.replace(/\}$/, `,"padding":${nested}}`);
    const { run, error } = await runAgainst(basic, tokenResponse('application/json', body));
    assert.equal(error, undefined);
    assert.deepEqual(leaks(run, error, LEAKABLE), []);
    const recorded = run.exchanges.at(-1)!.response!;
    assert.equal(recorded.status, 200);
    assert.match(recorded.body!.text, /^\[body not recorded: .*too deep/);
  });

  it('real server run records no secret', async () => {
    const realHttp = await testHttpClient(server);
    const client = await profileFor(server, 'client_secret_post');
    const run = new FlowRun({
      http: realHttp,
      metadata: await discoverMetadata(realHttp, server),
      client,
      title: 'secrets',
    });
    let error: unknown;
    try {
      await runRefresh(run, REFRESH_TOKEN);
    } catch (caught) {
      error = caught;
    }
    await realHttp.close();
    assertFails(error, 'OAUTH_ERROR_RESPONSE');
    assert.deepEqual(leaks(run, error, [client.clientSecret!, REFRESH_TOKEN]), []);
  });
});
