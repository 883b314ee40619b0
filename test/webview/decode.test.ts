/**
 * The inspector's Decode JWT view in headless Chromium: the `decodeToken` request it posts, and
 * the rendering of the host's response, which the real engine makes from tokens signed here.
 * Also the inputs it rejects by name, and the token it receives from the host.
 */
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { inspectToken } from '../../src/engine/tokens';
import {
  DARK_THEME,
  InspectorHarness,
  LIGHT_THEME,
  type InspectorPage,
  type Theme,
} from './harness';
import { createKeys, JWKS_URI, type TokenKeys } from './fixtures';
import {
  SERVERS,
  assertCleanPage,
  choose,
  fill,
  nextPosted,
  postedCount,
  showView,
} from './viewHelpers';

const ISSUER = 'https://127.0.0.1:8443';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('Flow Inspector Decode JWT view', function () {
  this.timeout(60_000);

  let harness: InspectorHarness;
  let keys: TokenKeys;
  let claims: jose.JWTPayload;
  const opened: InspectorPage[] = [];

  before(async function () {
    this.timeout(120_000);
    harness = await InspectorHarness.start();
    keys = await createKeys();
    const now = Math.floor(Date.now() / 1000);
    claims = { iss: ISSUER, sub: 'user-4711', aud: 'api', iat: now - 60, exp: now + 3600 };
  });

  after(async () => {
    await harness?.stop();
  });

  afterEach(async () => {
    for (const inspector of opened.splice(0)) await inspector.close();
  });

  function sign(key: CryptoKey): Promise<string> {
    return new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'as-key-1', typ: 'at+jwt' })
      .sign(key);
  }

  async function openDecode(theme?: Theme): Promise<InspectorPage> {
    const inspector = await harness.open({ theme });
    opened.push(inspector);
    await inspector.send({ type: 'servers', servers: SERVERS });
    await showView(inspector.page, 'decode');
    return inspector;
  }

  /**
   * Pastes a token, presses Decode, checks the posted request, and responds with the engine's
   * result for that token.
   */
  async function decode(inspector: InspectorPage, token: string, serverId?: string) {
    const before = await postedCount(inspector);
    await fill(inspector.page, 'field-decode-token', token);
    await inspector.page.locator('#decode-button').click();
    const message = await nextPosted(inspector, 'decodeToken', before);
    assert.equal(message.token, token);
    assert.equal(message.serverId, serverId);
    const inspected = await inspectToken(
      'pasted token',
      token,
      serverId ? keys.keySource : undefined,
    );
    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: true,
      result: inspected,
    });
    await inspector.page.locator('.decode-result section.token').waitFor();
    return message;
  }

  function verification(inspector: InspectorPage) {
    return inspector.page.locator('.decode-result .verification');
  }

  it('shows a verified signature and the claims', async () => {
    const inspector = await openDecode();
    const { page } = inspector;
    await choose(page, 'field-decode-server', 'bank');
    await decode(inspector, await sign(keys.signingKey), 'bank');
    assert.match(
      (await verification(inspector).textContent()) ?? '',
      /^Signature verified: ES256, kid as-key-1, with a key from /,
    );
    assert.ok((await verification(inspector).textContent())?.includes(JWKS_URI));
    const exp = page.locator('.decode-result tr[data-claim="exp"]');
    assert.match((await exp.locator('.relative').textContent()) ?? '', /^\(in 1 h\)$/);
    assert.match(
      (await exp.locator('.claim-name').getAttribute('data-tip')) ?? '',
      /^Expiration time/,
    );
    assert.equal(
      await page.locator('.decode-status').textContent(),
      'Decoded a JWS in compact serialization.',
    );
    await assertCleanPage(inspector);
  });

  it('shows a failed signature', async () => {
    const inspector = await openDecode();
    await choose(inspector.page, 'field-decode-server', 'bank');
    await decode(inspector, await sign(keys.rotatedKey), 'bank');
    assert.equal(
      await verification(inspector).textContent(),
      'Signature verification failed: the signature does not match the signing input (alg ES256, kid as-key-1)',
    );
  });

  it('decodes without verifying when no server is chosen', async () => {
    const inspector = await openDecode();
    await decode(inspector, await sign(keys.signingKey));
    assert.match((await verification(inspector).textContent()) ?? '', /^Signature not verified: /);
  });

  it('flags an unsecured token', async () => {
    const inspector = await openDecode();
    const token = `${base64url({ alg: 'none' })}.${base64url(claims)}.`;
    await decode(inspector, token);
    assert.equal(
      await verification(inspector).textContent(),
      'Unsecured token (alg: none): alg is "none": the token has no signature.',
    );
  });

  it('shows the header of an encrypted token', async () => {
    const inspector = await openDecode();
    const token = await new jose.CompactEncrypt(new TextEncoder().encode('{"sub":"user-4711"}'))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'client-enc-1' })
      .encrypt(keys.encryptionKey);
    await decode(inspector, token);
    assert.match((await verification(inspector).textContent()) ?? '', /^Encrypted \(JWE\): /);
    const header = await inspector.page
      .locator('.decode-result pre[aria-label="JWE protected header"]')
      .textContent();
    assert.deepEqual(JSON.parse(header ?? ''), {
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: 'client-enc-1',
      epk: JSON.parse(header ?? '{}').epk,
    });
    assert.equal(
      await inspector.page.locator('.decode-status').textContent(),
      'Decoded the protected header of a compact JWE.',
    );
  });

  it('decodes flattened and general JSON serializations', async () => {
    const inspector = await openDecode();
    const payload = new TextEncoder().encode(JSON.stringify(claims));
    const flattened = await new jose.FlattenedSign(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'as-key-1' })
      .sign(keys.signingKey);
    await choose(inspector.page, 'field-decode-server', 'bank');
    await decode(inspector, JSON.stringify(flattened), 'bank');
    assert.match((await verification(inspector).textContent()) ?? '', /^Signature verified: /);
    assert.equal(
      await inspector.page.locator('.decode-result h4').first().textContent(),
      'Header (JWS, flattened serialization)',
    );

    const general = await new jose.GeneralSign(payload)
      .addSignature(keys.signingKey)
      .setProtectedHeader({ alg: 'ES256', kid: 'as-key-1' })
      .addSignature(keys.rotatedKey)
      .setProtectedHeader({ alg: 'ES256', kid: 'as-key-1' })
      .sign();
    await decode(inspector, JSON.stringify(general, null, 2), 'bank');
    assert.equal(
      await inspector.page.locator('.decode-result h4').first().textContent(),
      'Header (JWS, general serialization)',
    );
    assert.equal(await inspector.page.locator('.decode-result code.signature').count(), 2);
    assert.equal(
      await inspector.page.locator('.decode-status').textContent(),
      'Decoded a JWS in general JSON serialization.',
    );
  });

  it('rejects unsupported inputs by name', async () => {
    const inspector = await openDecode();
    const { page } = inspector;
    const inner = await sign(keys.signingKey);
    const nestedJwe = await new jose.CompactEncrypt(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(keys.encryptionKey);
    const nestedJws = `${base64url({ alg: 'none' })}.${Buffer.from(inner).toString('base64url')}.`;
    const jweJson = JSON.stringify({
      protected: base64url({ enc: 'A256GCM' }),
      recipients: [{ header: { alg: 'A128KW' }, encrypted_key: 'AAAA' }],
      iv: 'AAAA',
      ciphertext: 'AAAA',
      tag: 'AAAA',
    });
    const cases: Array<[string, string, RegExp]> = [
      ['JWE JSON serialization', jweJson, /^JWE JSON serialization is not supported\./],
      ['nested JWE', nestedJwe, /^Nested JWT \(cty "JWT"\) is not supported/],
      ['nested JWS', nestedJws, /^Nested JWT is not supported: the payload is itself a JWT/],
      ['garbage', 'hello world', /^Not a JWT: the text has no dots/],
      ['four parts', 'a.b.c.d', /^Not a JWT: a compact JWS has 3 .* but this has 4\.$/],
      [
        'bad header',
        'bm90IGpzb24.e30.',
        /^Not a JWT: its first part is not a base64url JSON header\.$/,
      ],
      [
        'broken JSON',
        '{"payload": ',
        /^Not a token: the text starts with "\{" but is not valid JSON\.$/,
      ],
      ['empty', '   ', /^Paste a token to decode\.$/],
    ];
    const before = await postedCount(inspector);
    for (const [name, text, expected] of cases) {
      await fill(page, 'field-decode-token', text);
      await page.locator('#decode-button').click();
      const error = page.locator('#error-decode-token');
      await error.waitFor({ state: 'visible' });
      assert.match((await error.textContent()) ?? '', expected, name);
      await fill(page, 'field-decode-token', '');
    }
    const posted = (await inspector.posted()).slice(before);
    assert.deepEqual(
      posted.filter((message) => message.type === 'decodeToken'),
      [],
    );
  });

  it('shows the host error and ignores malformed responses', async () => {
    const inspector = await openDecode();
    const { page } = inspector;
    const token = await sign(keys.signingKey);
    await choose(page, 'field-decode-server', 'shop');
    const before = await postedCount(inspector);
    await fill(page, 'field-decode-token', token);
    await page.locator('#decode-button').click();
    const message = await nextPosted(inspector, 'decodeToken', before);
    assert.equal(message.serverId, 'shop');
    await page.getByText('Decoding and verifying…').waitFor();
    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: true,
      result: { label: 5 },
    });
    await inspector.send({ type: 'response', requestId: message.requestId, ok: false });
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    assert.equal(await page.locator('.decode-status').textContent(), 'Decoding and verifying…');
    assert.equal(await page.locator('.decode-result section.token').count(), 0);

    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: false,
      error: 'The keys of the server could not be loaded: connection refused.',
    });
    await page.locator('#error-decode-token', { hasText: 'could not be loaded' }).waitFor();
    assert.equal(await page.locator('.decode-status').textContent(), '');
  });

  it('decodes a token the host sends', async () => {
    const inspector = await harness.open();
    opened.push(inspector);
    const token = await sign(keys.signingKey);
    const before = await postedCount(inspector);
    await inspector.send({ type: 'decode', token });
    await inspector.page.locator('#panel-decode').waitFor({ state: 'visible' });
    const message = await nextPosted(inspector, 'decodeToken', before);
    assert.equal(message.token, token);
    const value = await inspector.page
      .locator('#field-decode-token')
      .evaluate((element) => (element as HTMLElement & { value: string }).value);
    assert.equal(value, token);
  });

  it('does not save a pasted token', async () => {
    const inspector = await openDecode();
    const token = await sign(keys.signingKey);
    await decode(inspector, token);
    await showView(inspector.page, 'runs');
    await showView(inspector.page, 'decode');
    await inspector.page.waitForFunction(() => {
      const state = window.__host.state as { ui?: { view?: string } };
      return state?.ui?.view === 'decode';
    });
    const state = JSON.stringify((await inspector.record()).state);
    assert.ok(!state.includes(token.split('.')[1]!), 'the saved state contains the token');
  });

  for (const [name, theme] of [
    ['light', LIGHT_THEME],
    ['dark', DARK_THEME],
  ] as const) {
    it(`renders in the ${name} theme`, async () => {
      const inspector = await openDecode(theme);
      await choose(inspector.page, 'field-decode-server', 'bank');
      await decode(inspector, await sign(keys.signingKey), 'bank');
      await inspector.page.mouse.move(0, 0);
      await inspector.screenshot(`decode-${name}`);
      const colour = await inspector.page
        .locator('.decode-result .verification strong')
        .evaluate((element) => getComputedStyle(element).color);
      assert.notEqual(
        colour,
        await inspector.page.evaluate(() => getComputedStyle(document.body).color),
      );
      await assertCleanPage(inspector);
    });
  }
});
