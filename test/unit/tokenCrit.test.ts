import assert from 'node:assert/strict';
import { KeyObject, sign } from 'node:crypto';
import * as jose from 'jose';
import { decodeToken, verifyToken } from '../../src/engine/tokens';

describe('verifyToken crit header', () => {
  it('unknown crit member is named', async () => {
    const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
    // jose refuses to sign a header with an unknown crit member, so the JWS is built by hand.
    const encode = (value: object): string =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'ES256', kid: 'k1', crit: ['exp'], exp: 1 })}.${encode({ sub: 'alice' })}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: KeyObject.from(privateKey),
      dsaEncoding: 'ieee-p1363',
    });
    const token = `${input}.${signature.toString('base64url')}`;
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const keys = {
      getKey: jose.createLocalJWKSet({ keys: [jwk] }),
      name: 'https://as.example/jwks',
    };

    const result = await verifyToken(token, decodeToken(token), keys);

    assert.equal(result.status, 'failed');
    const reason = result.status === 'failed' ? result.reason : '';
    assert.match(reason, /crit member lists \["exp"\]/);
    assert.doesNotMatch(reason, /algorithm/);
  });
});
