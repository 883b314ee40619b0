import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { sanitizeCause } from '../../src/engine/errors';
import {
  TOO_DEEP_MARKER,
  mediaType,
  redactBody,
  redactHeader,
  redactJson,
  redactValue,
} from '../../src/engine/redaction';
import { SecretValues } from '../../src/engine/secretValues';

describe('redaction', () => {
  it('form secrets replaced, others kept', () => {
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: 'rt-secret-value',
      client_id: 'app',
      client_secret: 's3cr3t',
      code_verifier: 'verifier-123',
      client_assertion: 'eyJ.assertion.sig',
    }).toString();
    const { text, redacted } = redactBody(body, 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.ok(!text.includes('rt-secret-value'));
    assert.ok(!text.includes('s3cr3t'));
    assert.ok(!text.includes('verifier-123'));
    assert.ok(!text.includes('eyJ.assertion.sig'));
    assert.ok(text.includes('client_id=app'));
    assert.ok(text.includes('grant_type=refresh_token'));
    assert.deepEqual(redacted.sort(), [
      'client_assertion',
      'client_secret',
      'code_verifier',
      'refresh_token',
    ]);
  });

  it('JSON refresh_token redacted at any depth', () => {
    const body = JSON.stringify({ access_token: 'at', nested: { refresh_token: 'rt-deep' } });
    const { text, redacted } = redactBody(body, 'application/json; charset=utf-8');
    assert.ok(!text.includes('rt-deep'));
    assert.ok(text.includes('"access_token": "at"'));
    assert.deepEqual(redacted, ['refresh_token']);
  });

  it('private JWK members redacted, public kept', () => {
    const body = JSON.stringify({
      keys: [{ kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy', d: 'private-d' }],
    });
    const { text } = redactBody(body, 'application/json');
    assert.ok(!text.includes('private-d'));
    assert.ok(text.includes('"x": "xx"'));
  });

  it('JSON member name spelled with escapes redacted', () => {
    const body = '{"refresh\\u005ftoken": "rt-escaped", "access_token": "at"}';
    const { text, redacted } = redactBody(body, 'application/json');
    assert.ok(!text.includes('rt-escaped'));
    assert.deepEqual(redacted, ['refresh_token']);
  });

  it('JSON member name before whitespace redacted', () => {
    const body = '{"client_secret"\n\t : "cs-spaced"}';
    const { text, redacted } = redactBody(body, 'application/json');
    assert.ok(!text.includes('cs-spaced'));
    assert.deepEqual(redacted, ['client_secret']);
  });

  it('JWK with escaped private member redacted', () => {
    const body = '{"keys": [{"k\\u0074y": "oct", "k": "symmetric-secret"}]}';
    const { text, redacted } = redactBody(body, 'application/json');
    assert.ok(!text.includes('symmetric-secret'));
    assert.deepEqual(redacted, ['k']);
  });

  it('JSON without secret members kept byte for byte', () => {
    const body =
      '{"grant_types_supported":["refresh_token","client_credentials"],' +
      '"token_endpoint":"https://as.example/token","note":"\\"token\\": not a member"}';
    const { text, redacted } = redactBody(body, 'application/json');
    assert.equal(text, body);
    assert.deepEqual(redacted, []);
  });

  it('non-JSON body kept as is', () => {
    const { text, redacted } = redactBody('<html>oops</html>', 'application/json');
    assert.equal(text, '<html>oops</html>');
    assert.deepEqual(redacted, []);
  });

  it('Authorization keeps its scheme', () => {
    const value = redactHeader('Authorization', 'Basic YXBwOnNlY3JldA==');
    assert.match(value, /^Basic \[redacted: 16 chars, sha256 [\w-]{8}\]$/);
    assert.ok(!value.includes('YXBwOnNlY3JldA=='));
  });

  it('other headers untouched', () => {
    assert.equal(redactHeader('Content-Type', 'application/json'), 'application/json');
  });

  it('marker is stable for the same secret', () => {
    assert.equal(redactValue('abc'), redactValue('abc'));
    assert.notEqual(redactValue('abc'), redactValue('abd'));
  });

  describe('by content, whatever the label', () => {
    const tokens = JSON.stringify({ access_token: 'at', refresh_token: 'rt-secret-value' });
    const labels: [label: string, contentType: string | undefined][] = [
      ['text/plain', 'text/plain'],
      ['no content type', undefined],
      ['repeated header', 'application/json, charset=utf-8'],
      ['HTML', 'text/html'],
    ];
    for (const [label, contentType] of labels) {
      it(`JSON labelled ${label} redacted`, () => {
        const { text, redacted } = redactBody(tokens, contentType);
        assert.ok(!text.includes('rt-secret-value'), text);
        assert.deepEqual(redacted, ['refresh_token']);
      });
    }

    it('form labelled text/plain redacted', () => {
      const { text, redacted } = redactBody('grant_type=x&client_secret=cs-value', 'text/plain');
      assert.ok(!text.includes('cs-value'), text);
      assert.deepEqual(redacted, ['client_secret']);
    });

    it('first media type of a repeated header', () => {
      assert.equal(mediaType('application/json, charset=utf-8'), 'application/json');
      assert.equal(
        mediaType('Application/X-WWW-Form-Urlencoded;charset=UTF-8'),
        'application/x-www-form-urlencoded',
      );
      assert.equal(mediaType(undefined), '');
    });
  });

  describe('text that is not JSON', () => {
    it('JSON-style member redacted by pattern', () => {
      const body = '{"access_token":"at","refresh_token" : "rt-\\"quoted\\"-value"}\n}';
      const { text, redacted } = redactBody(body, 'application/json');
      assert.ok(!text.includes('rt-'), text);
      assert.ok(text.includes('"access_token":"at"'), text);
      assert.deepEqual(redacted, ['refresh_token']);
    });

    it('truncated member redacted by pattern', () => {
      const { text } = redactBody('{"refresh_token":"rt-cut-off-here', 'application/json');
      assert.ok(!text.includes('rt-cut-off-here'), text);
    });

    it('form-style parameter redacted by pattern', () => {
      const body = '<a href="/x?client_id=app&client_secret=cs-in-html&x=1">x</a>';
      const { text, redacted } = redactBody(body, 'text/html');
      assert.ok(!text.includes('cs-in-html'), text);
      assert.ok(text.includes('client_id=app'), text);
      assert.deepEqual(redacted, ['client_secret']);
    });

    it('longer names left alone', () => {
      const body = 'not json: access_token=at-value id_token=it-value';
      const { text, redacted } = redactBody(body, 'text/plain');
      assert.equal(text, body);
      assert.deepEqual(redacted, []);
    });
  });

  describe('secret members of any type', () => {
    const values: [label: string, value: unknown][] = [
      ['object', { value: 'rt-in-object' }],
      ['array', ['rt-in-array']],
      ['number', 1234567890123],
      ['boolean', true],
      ['null', null],
    ];
    for (const [label, value] of values) {
      it(`${label} value redacted`, () => {
        const body = JSON.stringify({ access_token: 'at', refresh_token: value });
        const { text, redacted } = redactBody(body, 'application/json');
        const parsed = JSON.parse(text) as { refresh_token: unknown };
        assert.equal(parsed.refresh_token, redactValue(JSON.stringify(value)));
        assert.deepEqual(redacted, ['refresh_token']);
      });
    }
  });

  describe('deep nesting', () => {
    const deep = `{"refresh_token":"rt-top","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;

    it('body replaced by a note', () => {
      const { text } = redactBody(deep, 'application/json');
      assert.match(text, /^\[body not recorded: its JSON nests deeper than 64 levels/);
      assert.ok(!text.includes('rt-top'));
    });

    it('subtree replaced by a marker', () => {
      let value: unknown = 'rt-too-deep';
      for (let depth = 0; depth < 100; depth += 1) value = [value];
      const result = redactJson({ keep: 'shallow', deep: value });
      assert.equal(result.tooDeep, true);
      assert.ok(JSON.stringify(result.value).includes(TOO_DEEP_MARKER));
      assert.ok(!JSON.stringify(result.value).includes('rt-too-deep'));
    });

    it('deep body without secret names kept', () => {
      const body = `{"x":${'['.repeat(1000)}${']'.repeat(1000)}}`;
      assert.equal(redactBody(body, 'application/json').text, body);
    });
  });

  describe('secret values', () => {
    const secret = 'cs-Value/with+signs';

    it('every encoded form replaced', () => {
      const secrets = new SecretValues();
      secrets.add(secret);
      const forms = [
        secret,
        encodeURIComponent(secret),
        new URLSearchParams({ v: secret }).toString().slice(2),
        JSON.stringify(secret).slice(1, -1),
      ];
      for (const form of forms) {
        assert.equal(secrets.redact(`echo ${form} done`), `echo ${redactValue(secret)} done`);
      }
    });

    it('Basic credentials replaced', () => {
      const secrets = new SecretValues();
      secrets.addClientSecret('app', secret);
      const credential = Buffer.from(`app:${encodeURIComponent(secret).replace(/-/g, '%2D')}`);
      const encoded = credential.toString('base64');
      assert.equal(secrets.redact(`Basic ${encoded}`), `Basic ${redactValue(encoded)}`);
    });

    it('request secrets collected', () => {
      const secrets = new SecretValues();
      const basic = Buffer.from('app:pw%2Dvalue').toString('base64');
      secrets.addRequest(
        new Headers({ authorization: `Basic ${basic}` }),
        'grant_type=refresh_token&refresh_token=rt-sent&scope=openid',
      );
      const echoed = secrets.redact(`pw-value rt-sent ${basic} openid`);
      assert.ok(!echoed.includes('pw-value'), echoed);
      assert.ok(!echoed.includes('rt-sent'), echoed);
      assert.ok(!echoed.includes(basic), echoed);
      assert.ok(echoed.endsWith(' openid'), echoed);
    });

    it('secret inside a longer word kept', () => {
      const secrets = new SecretValues();
      secrets.add('secret');
      assert.equal(
        secrets.redact('client_secret: secret'),
        `client_secret: ${redactValue('secret')}`,
      );
    });

    it('existing markers kept', () => {
      const secrets = new SecretValues();
      secrets.add('chars');
      const marker = redactValue('other');
      assert.equal(secrets.redact(marker), marker);
    });

    it('details redacted at any depth', () => {
      const secrets = new SecretValues();
      secrets.add('rt-in-detail');
      const detail = secrets.redactDeep({ list: [{ text: 'has rt-in-detail' }], count: 2 });
      assert.ok(!JSON.stringify(detail).includes('rt-in-detail'));
      assert.equal((detail as { count: number }).count, 2);
    });
  });

  describe('error causes', () => {
    it('sanitized cause keeps no body', () => {
      const original = Object.assign(
        new Error('rejected', { cause: { refresh_token: 'rt-body' } }),
        {
          code: 'OAUTH_INVALID_RESPONSE',
          status: 200,
        },
      );
      const cause = sanitizeCause(original) as Error & { code: string; status: number };
      assert.equal(cause.message, 'rejected');
      assert.equal(cause.code, 'OAUTH_INVALID_RESPONSE');
      assert.equal(cause.status, 200);
      assert.equal(cause.cause, undefined);
      assert.ok(!inspect(cause, { depth: null }).includes('rt-body'));
    });

    it('sanitized cause message redacted', () => {
      const cause = sanitizeCause(new Error('got rt-message'), (text) =>
        text.replace('rt-message', '[redacted]'),
      ) as Error;
      assert.equal(cause.message, 'got [redacted]');
      assert.ok(!cause.stack?.includes('rt-message'));
    });
  });
});
