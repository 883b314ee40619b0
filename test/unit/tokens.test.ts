import assert from 'node:assert/strict';
import * as jose from 'jose';
import {
  checkCertificateBinding,
  decodeToken,
  inspectToken,
  verifyToken,
  type KeySource,
} from '../../src/engine/tokens';
import { isExplorerError } from '../../src/engine/errors';

const algorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

async function signedToken(alg: string, kid: string, claims: jose.JWTPayload = { sub: 'alice' }) {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const token = await new jose.SignJWT(claims).setProtectedHeader({ alg, kid }).sign(privateKey);
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg };
  return { token, jwk, privateKey };
}

function localKeys(keys: jose.JWK[]): KeySource {
  return { getKey: jose.createLocalJWKSet({ keys }), name: 'https://as.example/jwks' };
}

describe('decodeToken', () => {
  it('compact JWS: header and claims', async () => {
    const { token } = await signedToken('ES256', 'k1', { sub: 'alice', exp: 2_000_000_000 });
    const decoded = decodeToken(token);
    assert.equal(decoded.format, 'jws');
    if (decoded.format !== 'jws') return;
    assert.equal(decoded.serialization, 'compact');
    assert.equal(decoded.header.alg, 'ES256');
    assert.equal(decoded.header.kid, 'k1');
    assert.equal(decoded.claims?.sub, 'alice');
    assert.equal(decoded.unsecured, false);
  });

  it('JWE: protected header only', async () => {
    const { publicKey } = await jose.generateKeyPair('RSA-OAEP-256');
    const token = await new jose.CompactEncrypt(new TextEncoder().encode('secret'))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'enc-1' })
      .encrypt(publicKey);
    const decoded = decodeToken(token);
    assert.equal(decoded.format, 'jwe');
    assert.equal(decoded.format === 'jwe' && decoded.header.enc, 'A256GCM');
  });

  it('opaque token', () => {
    assert.deepEqual(decodeToken('abcdef123'), { format: 'opaque', length: 9 });
  });

  it('alg none marked unsecured', () => {
    const token = new jose.UnsecuredJWT({ sub: 'mallory' }).encode();
    const decoded = decodeToken(token);
    assert.equal(decoded.format === 'jws' && decoded.unsecured, true);
  });

  it('flattened JSON serialization', async () => {
    const { privateKey } = await jose.generateKeyPair('ES256');
    const jws = await new jose.FlattenedSign(new TextEncoder().encode('{"sub":"bob"}'))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    const decoded = decodeToken(JSON.stringify(jws));
    assert.equal(decoded.format === 'jws' && decoded.serialization, 'flattened');
    assert.equal(decoded.format === 'jws' && decoded.claims?.sub, 'bob');
  });

  it('general JSON serialization with two signatures', async () => {
    const first = await jose.generateKeyPair('ES256');
    const second = await jose.generateKeyPair('RS256');
    const sign = new jose.GeneralSign(new TextEncoder().encode('plain text payload'));
    sign.addSignature(first.privateKey).setProtectedHeader({ alg: 'ES256' });
    sign.addSignature(second.privateKey).setProtectedHeader({ alg: 'RS256' });
    const decoded = decodeToken(JSON.stringify(await sign.sign()));
    assert.equal(decoded.format === 'jws' && decoded.serialization, 'general');
    assert.equal(decoded.format === 'jws' && decoded.signatures.length, 2);
    assert.equal(decoded.format === 'jws' && decoded.payloadText, 'plain text payload');
  });

  const malformedCases: [label: string, token: string, message: RegExp][] = [
    ['empty', '   ', /empty/],
    ['two parts', 'a.b', /3 dot-separated parts/],
    ['four parts', 'a.b.c.d', /3 dot-separated parts/],
    ['header not base64url', 'a+b.e30.sig', /outside base64url/],
    [
      'header not JSON',
      `${Buffer.from('nope').toString('base64url')}.e30.sig`,
      /header is not JSON/,
    ],
    ['header an array', `${Buffer.from('[1]').toString('base64url')}.e30.sig`, /not a JSON object/],
    [
      'JWE JSON',
      JSON.stringify({ ciphertext: 'x', iv: 'y' }),
      /JWE JSON serialization is not supported/,
    ],
    ['broken JSON', '{"payload":', /not JSON/],
  ];
  for (const [label, token, message] of malformedCases) {
    it(`malformed: ${label}`, () => {
      assert.throws(
        () => decodeToken(token),
        (error: unknown) =>
          isExplorerError(error, 'MALFORMED_TOKEN') && message.test(error.message),
      );
    });
  }
});

describe('verifyToken', () => {
  for (const alg of algorithms) {
    it(`${alg} verified with kid`, async () => {
      const { token, jwk } = await signedToken(alg, `key-${alg}`);
      const result = await verifyToken(token, decodeToken(token), localKeys([jwk]));
      assert.equal(result.status, 'verified');
      assert.equal(result.status === 'verified' && result.kid, `key-${alg}`);
      assert.equal(result.status === 'verified' && result.alg, alg);
    });
  }

  it('wrong key fails with a reason', async () => {
    const signer = await signedToken('ES256', 'same-kid');
    const other = await signedToken('ES256', 'same-kid');
    const result = await verifyToken(
      signer.token,
      decodeToken(signer.token),
      localKeys([other.jwk]),
    );
    assert.equal(result.status, 'failed');
    assert.match(result.status === 'failed' ? result.reason : '', /signature does not match/);
  });

  it('unknown kid fails naming the kid', async () => {
    const signer = await signedToken('RS256', 'kid-a');
    const other = await signedToken('RS256', 'kid-b');
    const result = await verifyToken(
      signer.token,
      decodeToken(signer.token),
      localKeys([other.jwk]),
    );
    assert.equal(result.status, 'failed');
    assert.match(result.status === 'failed' ? result.reason : '', /kid "kid-a"/);
  });

  it('alg none is unsecured, never verified', async () => {
    const token = new jose.UnsecuredJWT({ sub: 'x' }).encode();
    const { jwk } = await signedToken('ES256', 'k');
    const result = await verifyToken(token, decodeToken(token), localKeys([jwk]));
    assert.equal(result.status, 'unsecured');
  });

  it('tampered payload fails', async () => {
    const { token, jwk } = await signedToken('PS256', 'k');
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.${signature}`;
    const result = await verifyToken(forged, decodeToken(forged), localKeys([jwk]));
    assert.equal(result.status, 'failed');
  });

  it('without keys is skipped', async () => {
    const { token } = await signedToken('ES256', 'k');
    const result = await verifyToken(token, decodeToken(token), undefined);
    assert.equal(result.status, 'skipped');
  });
});

describe('checkCertificateBinding', () => {
  it('match', () => {
    assert.deepEqual(checkCertificateBinding({ cnf: { 'x5t#S256': 'abc' } }, 'abc'), {
      status: 'match',
      thumbprint: 'abc',
    });
  });

  it('mismatch names both values', () => {
    assert.deepEqual(checkCertificateBinding({ cnf: { 'x5t#S256': 'abc' } }, 'xyz'), {
      status: 'mismatch',
      expected: 'xyz',
      actual: 'abc',
    });
  });

  it('absent cnf', () => {
    assert.equal(checkCertificateBinding({ sub: 'a' }, 'abc').status, 'absent');
  });

  it('DPoP-only cnf is absent', () => {
    assert.equal(checkCertificateBinding({ cnf: { jkt: 'j' } }, 'abc').status, 'absent');
  });

  it('bound token without a certificate', () => {
    assert.equal(
      checkCertificateBinding({ cnf: { 'x5t#S256': 'abc' } }, undefined).status,
      'no-certificate',
    );
  });
});

describe('inspectToken', () => {
  it('malformed token kept with its reason', async () => {
    const inspected = await inspectToken('access_token', 'a.b', undefined);
    assert.equal(inspected.decoded, undefined);
    assert.match(inspected.decodeError ?? '', /3 dot-separated parts/);
    assert.equal(inspected.token, 'a.b');
  });

  it('access token gets a binding check', async () => {
    const { token, jwk } = await signedToken('ES256', 'k', { cnf: { 'x5t#S256': 'thumb' } });
    const inspected = await inspectToken('access_token', token, localKeys([jwk]), 'thumb');
    assert.equal(inspected.verification.status, 'verified');
    assert.equal(inspected.binding?.status, 'match');
  });
});
