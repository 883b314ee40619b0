import assert from 'node:assert/strict';
import { redactBody, redactHeader, redactValue } from '../../src/engine/redaction';

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
});
