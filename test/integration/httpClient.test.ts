import assert from 'node:assert/strict';
import type { HttpClient } from '../../src/engine/httpClient';
import { startTestServer, type TestServer } from '../server/provider';
import { testHttpClient } from './helpers';

describe('HttpClient responses', function () {
  this.timeout(30_000);
  let server: TestServer;
  let http: HttpClient;

  before(async () => {
    server = await startTestServer();
    http = await testHttpClient(server);
  });

  after(async () => {
    await http?.close();
    await server?.close();
  });

  function getMetadata() {
    return http.send({
      endpoint: 'discovery',
      url: `${server.issuer}/.well-known/openid-configuration`,
      method: 'GET',
      headers: { accept: 'application/json' },
    });
  }

  it('clone reads the same body', async () => {
    const { response } = await getMetadata();
    const copy = response.clone();
    assert.equal(copy.status, response.status);
    assert.equal(copy.statusText, response.statusText);
    assert.deepEqual([...copy.headers], [...response.headers]);
    const copyText = await copy.text();
    assert.equal(await response.text(), copyText);
    assert.equal(JSON.parse(copyText).issuer, server.issuer);
  });

  it('clone keeps its own headers', async () => {
    const { response } = await getMetadata();
    const copy = response.clone();
    copy.headers.set('x-test', 'changed');
    assert.equal(response.headers.get('x-test'), null);
  });

  it('clone after reading is rejected', async () => {
    const { response } = await getMetadata();
    await response.text();
    assert.throws(() => response.clone(), TypeError);
  });

  it('clone while reading is rejected', async () => {
    const { response } = await getMetadata();
    const reader = response.body!.getReader();
    assert.throws(() => response.clone(), TypeError);
    reader.releaseLock();
  });

  it('recorded body matches the response', async () => {
    const { response, exchange } = await getMetadata();
    assert.equal(exchange.response?.body?.text, await response.text());
    assert.deepEqual(exchange.response?.body?.redacted, []);
  });
});
