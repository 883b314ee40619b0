import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildCurlScript, variableName, type CurlScriptInput } from '../../src/engine/curlScript';
import type { RecordedExchange } from '../../src/engine/exchange';
import { redactBody, redactHeader, redactValue } from '../../src/engine/redaction';
import type { RouteEntry } from '../../src/engine/routing';

const FORM = 'application/x-www-form-urlencoded;charset=UTF-8';

const aliasRoute: RouteEntry = {
  endpoint: 'token_endpoint',
  channel: 'back-channel',
  plainUrl: 'https://as.example/token',
  aliasUrl: 'https://mtls.as.example/token',
  url: 'https://mtls.as.example/token',
  viaAlias: true,
  presentsCertificate: true,
  reason: 'The client uses mtls_endpoint_aliases and the metadata has one for token_endpoint.',
};

function exchange(overrides: Partial<RecordedExchange>): RecordedExchange {
  return {
    id: 'x1',
    endpoint: 'token_endpoint',
    method: 'POST',
    url: 'https://mtls.as.example/token',
    startedAt: '2026-12-01T10:00:00.000Z',
    durationMs: 12,
    request: { headers: [] },
    response: { status: 200, statusText: 'OK', headers: [], size: 10 },
    ...overrides,
  };
}

function formBody(parameters: Record<string, string>) {
  return { contentType: FORM, ...redactBody(new URLSearchParams(parameters).toString(), FORM) };
}

function run(exchanges: RecordedExchange[]): CurlScriptInput {
  return {
    title: 'Client credentials',
    issuer: 'https://as.example',
    client_id: 'app',
    startedAt: '2026-12-01T10:00:00.000Z',
    exchanges,
  };
}

function hasShell(): boolean {
  try {
    execFileSync('sh', ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
}

describe('curl script', () => {
  const secretExchange = exchange({
    route: aliasRoute,
    request: {
      headers: [
        ['content-type', FORM],
        ['authorization', redactHeader('authorization', 'Basic YXBwOnMzY3IzdC12YWx1ZQ==')],
        ['host', 'mtls.as.example'],
      ],
      body: formBody({
        grant_type: 'client_credentials',
        client_secret: 's3cr3t-value',
        scope: 'a b',
      }),
    },
  });

  it('secrets become required variables', () => {
    const script = buildCurlScript(run([secretExchange]));
    assert.ok(!script.text.includes('s3cr3t-value'));
    assert.ok(!script.text.includes('YXBwOnMzY3IzdC12YWx1ZQ=='));
    assert.ok(!script.text.includes('redacted'));
    assert.deepEqual(script.secretVariables, ['CLIENT_SECRET']);
    assert.match(
      script.text,
      /^: "\$\{CLIENT_SECRET:\?Set CLIENT_SECRET to the client secret\.\}"$/m,
    );
    assert.match(script.text, /--data-urlencode 'client_secret='"\$\{CLIENT_SECRET\}"/);
    assert.match(script.text, /--user 'app:'"\$\{CLIENT_SECRET\}"/);
  });

  it('plain parameters stay literal', () => {
    const script = buildCurlScript(run([secretExchange]));
    assert.match(script.text, /--data-urlencode 'grant_type=client_credentials'/);
    assert.match(script.text, /--data-urlencode 'scope=a b'/);
    assert.match(script.text, /--request POST/);
    assert.match(script.text, /'https:\/\/mtls\.as\.example\/token'$/m);
  });

  it('skips headers curl sets itself', () => {
    const script = buildCurlScript(run([secretExchange]));
    assert.ok(!/--header 'host:/i.test(script.text));
    assert.match(
      script.text,
      /--header 'content-type: application\/x-www-form-urlencoded;charset=UTF-8'/,
    );
  });

  it('certificate only where it was presented', () => {
    const discovery = exchange({
      endpoint: 'discovery',
      method: 'GET',
      url: 'https://as.example/.well-known/openid-configuration',
      request: { headers: [['accept', 'application/json']] },
    });
    const script = buildCurlScript(run([discovery, secretExchange]), {
      certificateFile: '/work/certs/client.pem',
      keyFile: '/work/certs/client.key',
      caFiles: ['/work/certs/ca.pem'],
    });
    const commands = script.text.split(/\n(?=# \d+\. )/).slice(1);
    assert.equal(commands.length, 2);
    assert.ok(!commands[0]!.includes('--cert'), 'discovery presented no certificate');
    assert.ok(!commands[0]!.includes('--request'), 'GET needs no --request');
    assert.match(commands[1]!, /--cert "\$\{CLIENT_CERTIFICATE\}" --key "\$\{CLIENT_KEY\}"/);
    assert.match(commands[0]!, /--cacert "\$\{CA_FILE\}"/);
    assert.match(
      script.text,
      /^CLIENT_CERTIFICATE="\$\{CLIENT_CERTIFICATE:-\/work\/certs\/client\.pem\}"$/m,
    );
    assert.match(script.text, /^CA_FILE="\$\{CA_FILE:-\/work\/certs\/ca\.pem\}"$/m);
  });

  it('encrypted key reads KEY_PASSPHRASE', () => {
    const script = buildCurlScript(run([secretExchange]), {
      certificateFile: 'c.pem',
      keyFile: 'k.pem',
      keyEncrypted: true,
    });
    assert.match(script.text, /--pass "\$\{KEY_PASSPHRASE\}"/);
    assert.ok(script.secretVariables.includes('KEY_PASSPHRASE'));
  });

  it('bearer token becomes ACCESS_TOKEN', () => {
    const userinfo = exchange({
      endpoint: 'userinfo_endpoint',
      method: 'GET',
      url: 'https://mtls.as.example/me',
      request: {
        headers: [['authorization', redactHeader('authorization', 'Bearer eyJhbGc.x.y')]],
      },
    });
    const script = buildCurlScript(run([userinfo]));
    assert.ok(!script.text.includes('eyJhbGc'));
    assert.match(script.text, /--header 'authorization: Bearer '"\$\{ACCESS_TOKEN\}"/);
  });

  it('authorization code read from environment', () => {
    const token = exchange({
      request: {
        headers: [],
        body: formBody({
          grant_type: 'authorization_code',
          code: 'abc123',
          code_verifier: 'v'.repeat(43),
        }),
      },
    });
    const script = buildCurlScript(run([token]));
    assert.ok(!script.text.includes('abc123'));
    assert.deepEqual(script.secretVariables, ['AUTHORIZATION_CODE', 'CODE_VERIFIER']);
  });

  it('quotes single quotes and dollars', () => {
    const odd = exchange({
      request: { headers: [], body: formBody({ scope: "it's $HOME `id`" }) },
    });
    const script = buildCurlScript(run([odd]), { certificateFile: '/tmp/$x/c.pem', keyFile: 'k' });
    assert.match(script.text, /'scope=it'\\''s \$HOME `id`'/);
    assert.match(script.text, /CLIENT_CERTIFICATE:-\/tmp\/\\\$x\/c\.pem/);
  });

  it('failed requests are commented', () => {
    const failed = exchange({
      response: undefined,
      error: { code: 'TLS_UNKNOWN_CA', message: 'unknown CA' },
    });
    const script = buildCurlScript(run([failed]));
    assert.match(script.text, /# {4}In the run this request failed: TLS_UNKNOWN_CA unknown CA/);
  });

  it('variable names from parameters', () => {
    const cases: [string, string][] = [
      ['client_secret', 'CLIENT_SECRET'],
      ['x-api-key', 'X_API_KEY'],
      ['2fa', '_2FA'],
    ];
    for (const [name, expected] of cases) assert.equal(variableName(name), expected, name);
  });

  it('marker format matches redactValue', () => {
    const script = buildCurlScript(
      run([exchange({ request: { headers: [['x-secret', redactValue('abcdefgh')]] } })]),
    );
    assert.match(script.text, /--header 'x-secret: '"\$\{X_SECRET\}"/);
  });

  it('script passes sh -n and requires its variables', function () {
    if (!hasShell()) this.skip();
    const script = buildCurlScript(run([secretExchange]), { certificateFile: 'c', keyFile: 'k' });
    execFileSync('sh', ['-n'], { input: script.text });
    assert.throws(
      () =>
        execFileSync('/bin/sh', ['-s'], {
          input: script.text,
          env: {},
          stdio: 'pipe',
        }),
      (error: { stderr: Buffer }) => /CLIENT_SECRET/.test(error.stderr.toString()),
    );
  });

  it('script stops at an HTTP error', async function () {
    if (!hasShell()) this.skip();
    // Two requests to a local server that rejects the first: the script must stop there, print
    // that response and never send the second.
    const received: string[] = [];
    const server = createServer((request, response) => {
      received.push(request.url ?? '');
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"error":"invalid_grant"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const script = buildCurlScript(
        run([
          exchange({ url: `${base}/first`, request: { headers: [] } }),
          exchange({ url: `${base}/second`, request: { headers: [] } }),
        ]),
      );
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.on('close', (code) => resolve({ code, stdout }));
        child.stdin.end(script.text);
      });
      assert.notEqual(result.code, 0);
      assert.match(result.stdout, /invalid_grant/);
      assert.deepEqual(received, ['/first']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
