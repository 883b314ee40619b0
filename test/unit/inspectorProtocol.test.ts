import assert from 'node:assert/strict';
import {
  checkAuthorizationDetails,
  checkClaims,
  checkFlowParameters,
  checkResource,
} from '../../src/shared/flowParameters';
import {
  MAX_FLOW_ROWS,
  MAX_WEBVIEW_TEXT,
  parseWebviewMessage,
  type FlowRunParameters,
} from '../../src/shared/inspectorProtocol';
import { classifyTokenInput, cleanPastedToken } from '../../src/shared/tokenInput';

const BASE: FlowRunParameters = { serverId: 'bank', client_id: 'mtls-client' };

function runFlow(parameters: unknown, extra: Record<string, unknown> = {}) {
  return {
    type: 'runFlow',
    requestId: 'request-1-abc',
    flow: 'clientCredentials',
    parameters,
    ...extra,
  };
}

function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

describe('parseWebviewMessage', () => {
  it('runFlow: keeps every known parameter', () => {
    const parameters: FlowRunParameters = {
      ...BASE,
      scope: 'openid',
      resource: ['https://api.example/a', 'https://api.example/b'],
      response_mode: 'jwt',
      extra: [
        ['prompt', 'login'],
        ['prompt', 'consent'],
      ],
      usePar: false,
      pkce: true,
      use_mtls_endpoint_aliases: false,
      token: 'token-value',
      token_type_hint: 'access_token',
    };
    const message = runFlow(parameters, { flow: 'authorizationCode' });
    assert.deepEqual(parseWebviewMessage(message), message);
  });

  it('runFlow: drops unknown members', () => {
    const parsed = parseWebviewMessage(
      runFlow({ ...BASE, client_secret: 'hunter2', keyPassphrase: 'p' }, { extraMember: 1 }),
    );
    assert.deepEqual(parsed, runFlow(BASE));
    assert.ok(!JSON.stringify(parsed).includes('hunter2'));
  });

  const malformed: Array<[string, unknown]> = [
    ['unknown flow', runFlow(BASE, { flow: 'deviceCode' })],
    ['request id with a space', runFlow(BASE, { requestId: 'request 1' })],
    ['missing request id', runFlow(BASE, { requestId: undefined })],
    ['parameters not an object', runFlow('bank')],
    ['parameters an array', runFlow([BASE])],
    ['missing serverId', runFlow({ client_id: 'c' })],
    ['numeric client_id', runFlow({ ...BASE, client_id: 7 })],
    ['resource not a list', runFlow({ ...BASE, resource: 'https://api.example' })],
    ['resource with a number', runFlow({ ...BASE, resource: ['https://api.example', 1] })],
    ['extra row of three', runFlow({ ...BASE, extra: [['a', 'b', 'c']] })],
    ['extra row with an empty name', runFlow({ ...BASE, extra: [[' ', 'b']] })],
    ['extra row with an object value', runFlow({ ...BASE, extra: [['claims', {}]] })],
    [
      'too many extra rows',
      runFlow({ ...BASE, extra: Array.from({ length: MAX_FLOW_ROWS + 1 }, () => ['a', 'b']) }),
    ],
    ['usePar as text', runFlow({ ...BASE, usePar: 'true' })],
    ['pkce as a number', runFlow({ ...BASE, pkce: 1 })],
    ['token too long', runFlow({ ...BASE, token: 'x'.repeat(MAX_WEBVIEW_TEXT + 1) })],
    [
      'decodeToken with a numeric serverId',
      { type: 'decodeToken', requestId: 'r', token: 't', serverId: 1 },
    ],
    ['decodeToken without a token', { type: 'decodeToken', requestId: 'r' }],
    ['unlockCertificate without an entry', { type: 'unlockCertificate', requestId: 'r' }],
    [
      'useCertificate with a numeric id',
      { type: 'useCertificate', requestId: 'r', certificateId: 3 },
    ],
    ['useCertificate without a request id', { type: 'useCertificate', certificateId: 'a#0' }],
  ];
  for (const [name, message] of malformed) {
    it(`rejects ${name}`, () => {
      assert.equal(parseWebviewMessage(message), undefined);
    });
  }

  it('certificate messages: typed copies', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'scanCertificates', extra: 1 }), {
      type: 'scanCertificates',
    });
    const unlock = { type: 'unlockCertificate', requestId: 'r-1', entryId: '/w/key.pem#0' };
    assert.deepEqual(parseWebviewMessage(unlock), unlock);
    const use = { type: 'useCertificate', requestId: 'r-2', certificateId: '/w/cert.pem#0' };
    assert.deepEqual(parseWebviewMessage(use), use);
  });

  it('decodeToken: serverId is optional', () => {
    const plain = { type: 'decodeToken', requestId: 'r-1', token: 'a.b.c' };
    assert.deepEqual(parseWebviewMessage(plain), plain);
    const verified = { ...plain, serverId: 'bank' };
    assert.deepEqual(parseWebviewMessage(verified), verified);
  });
});

describe('flow parameter checks', () => {
  it('claims: names the field and the reason', () => {
    assert.match(checkClaims('{"id_token": ') ?? '', /^claims is not valid JSON: /);
    assert.equal(
      checkClaims('[1]'),
      'claims must be a JSON object, such as {"id_token": {"acr": null}}.',
    );
    assert.equal(checkClaims('{"userinfo": {"email": null}}'), undefined);
  });

  it('authorization_details: array of typed objects', () => {
    assert.match(checkAuthorizationDetails('[') ?? '', /^authorization_details is not valid JSON/);
    assert.match(checkAuthorizationDetails('{"type": "x"}') ?? '', /must be a JSON array/);
    assert.equal(
      checkAuthorizationDetails('[{"type": "a"}, {"locations": []}]'),
      'authorization_details entry 2 must be an object with a string "type".',
    );
    assert.equal(checkAuthorizationDetails('[{"type": "payment_initiation"}]'), undefined);
  });

  it('resource: absolute URI without fragment', () => {
    assert.equal(checkResource('https://api.example/a'), undefined);
    assert.equal(checkResource('urn:example:api'), undefined);
    assert.equal(checkResource('/relative'), 'resource "/relative" is not an absolute URI.');
    assert.equal(
      checkResource('https://api.example/a#part'),
      'resource "https://api.example/a#part" must not contain a fragment (#).',
    );
  });

  it('checkFlowParameters: lists every problem', () => {
    const problems = checkFlowParameters('clientCredentials', {
      serverId: '',
      client_id: '',
      resource: ['nope'],
      response_mode: 'fragment',
      extra: [
        ['claims', '{'],
        ['authorization_details', '[]'],
      ],
      token: 't',
    });
    assert.deepEqual(
      problems.map((problem) => problem.field),
      ['server', 'client_id', 'resource', 'response_mode', 'response_mode', 'claims', 'token'],
    );
  });

  it('checkFlowParameters: accepts a full authorization request', () => {
    assert.deepEqual(
      checkFlowParameters('authorizationCode', {
        ...BASE,
        resource: ['https://api.example'],
        response_mode: 'query.jwt',
        extra: [['claims', '{"id_token": {}}']],
        pkce: false,
      }),
      [],
    );
  });
});

describe('classifyTokenInput', () => {
  const header = base64url({ alg: 'ES256', kid: 'k' });
  const payload = base64url({ sub: 'alice' });
  const compact = `${header}.${payload}.c2ln`;

  it('accepts the supported forms', () => {
    const cases: Array<[string, string]> = [
      [compact, 'jws-compact'],
      [`${base64url({ alg: 'none' })}.${payload}.`, 'jws-compact'],
      [JSON.stringify({ payload, protected: header, signature: 'c2ln' }), 'jws-flattened'],
      [
        JSON.stringify({ payload, signatures: [{ protected: header, signature: 'c2ln' }] }),
        'jws-general',
      ],
      [`${base64url({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`, 'jwe-compact'],
    ];
    for (const [text, form] of cases) {
      const input = classifyTokenInput(text);
      assert.equal(input.accepted, true, text);
      assert.equal(input.accepted && input.form, form);
    }
  });

  it('rejects by name', () => {
    const nestedPayload = Buffer.from(compact).toString('base64url');
    const cases: Array<[string, RegExp]> = [
      ['', /^Paste a token/],
      ['opaque-token-value', /^Not a JWT: the text has no dots/],
      ['a.b', /but this has 2\.$/],
      ['{"ciphertext": "x", "iv": "y"}', /^JWE JSON serialization is not supported/],
      ['{"signature": "x"}', /no "payload" string/],
      ['{"payload": "x"}', /neither "signature" nor "signatures"/],
      ['{"payload": ', /is not valid JSON/],
      ['[1, 2]', /^Not a JWT: the text has no dots/],
      [
        `${base64url({ alg: 'RSA-OAEP', enc: 'A256GCM', cty: 'JWT' })}.a.b.c.d`,
        /^Nested JWT \(cty "JWT"\)/,
      ],
      [
        `${base64url({ alg: 'HS256', cty: 'JWT' })}.${payload}.c2ln`,
        /^Nested JWT is not supported/,
      ],
      [`${header}.${nestedPayload}.c2ln`, /^Nested JWT is not supported/],
      [`${base64url('not json')}.${payload}.c2ln`, /first part is not a base64url JSON header/],
      [`${header}.${payload}.c2ln!`, /characters outside base64url/],
    ];
    for (const [text, reason] of cases) {
      const input = classifyTokenInput(text);
      assert.equal(input.accepted, false, text);
      assert.match(input.accepted ? '' : input.reason, reason, text);
    }
  });

  it('cleans what is copied along', () => {
    assert.equal(cleanPastedToken(`  Authorization: Bearer ${compact}\n`), compact);
    assert.equal(cleanPastedToken(`"${compact}"`), compact);
    assert.equal(cleanPastedToken(`${compact.slice(0, 10)}\n${compact.slice(10)}`), compact);
    const json = '{\n  "payload": "e30"\n}';
    assert.equal(cleanPastedToken(json), json);
  });
});
