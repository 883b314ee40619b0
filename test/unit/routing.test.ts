import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { routeEndpoint, routeEndpoints, type EndpointName } from '../../src/engine/routing';

const plain = {
  issuer: 'https://as.example',
  authorization_endpoint: 'https://as.example/auth',
  token_endpoint: 'https://as.example/token',
  pushed_authorization_request_endpoint: 'https://as.example/par',
  userinfo_endpoint: 'https://as.example/me',
  introspection_endpoint: 'https://as.example/introspect',
  jwks_uri: 'https://as.example/jwks',
};

const allAliases = {
  ...plain,
  mtls_endpoint_aliases: {
    token_endpoint: 'https://mtls.as.example/token',
    pushed_authorization_request_endpoint: 'https://mtls.as.example/par',
    userinfo_endpoint: 'https://mtls.as.example/me',
    introspection_endpoint: 'https://mtls.as.example/introspect',
  },
};

const partialAliases = {
  ...plain,
  mtls_endpoint_aliases: { token_endpoint: 'https://mtls.as.example/token' },
};

const withCertificate = { use_mtls_endpoint_aliases: true, hasClientCertificate: true };
const aliasesOff = { use_mtls_endpoint_aliases: false, hasClientCertificate: true };

interface RoutingCase {
  label: string;
  metadata: Record<string, unknown>;
  options: { use_mtls_endpoint_aliases: boolean; hasClientCertificate: boolean };
  endpoint: EndpointName;
  url: string | undefined;
  viaAlias: boolean;
  presentsCertificate: boolean;
  reason: RegExp;
}

const cases: RoutingCase[] = [
  {
    label: 'aliases on, alias present',
    metadata: allAliases,
    options: withCertificate,
    endpoint: 'token_endpoint',
    url: 'https://mtls.as.example/token',
    viaAlias: true,
    presentsCertificate: true,
    reason: /mTLS alias because aliases are on and the metadata has one/,
  },
  {
    label: 'aliases off, alias present',
    metadata: allAliases,
    options: aliasesOff,
    endpoint: 'token_endpoint',
    url: 'https://as.example/token',
    viaAlias: false,
    presentsCertificate: true,
    reason: /aliases are off \(the metadata has an alias for it\)/,
  },
  {
    label: 'aliases on, member absent',
    metadata: plain,
    options: withCertificate,
    endpoint: 'token_endpoint',
    url: 'https://as.example/token',
    viaAlias: false,
    presentsCertificate: true,
    reason: /the metadata has no mtls_endpoint_aliases/,
  },
  {
    label: 'aliases on, partial: aliased endpoint',
    metadata: partialAliases,
    options: withCertificate,
    endpoint: 'token_endpoint',
    url: 'https://mtls.as.example/token',
    viaAlias: true,
    presentsCertificate: true,
    reason: /mTLS alias/,
  },
  {
    label: 'aliases on, partial: endpoint without alias',
    metadata: partialAliases,
    options: withCertificate,
    endpoint: 'userinfo_endpoint',
    url: 'https://as.example/me',
    viaAlias: false,
    presentsCertificate: true,
    reason: /mtls_endpoint_aliases has no entry for it/,
  },
  {
    label: 'no certificate configured',
    metadata: allAliases,
    options: { use_mtls_endpoint_aliases: true, hasClientCertificate: false },
    endpoint: 'pushed_authorization_request_endpoint',
    url: 'https://mtls.as.example/par',
    viaAlias: true,
    presentsCertificate: false,
    reason: /No client certificate is configured/,
  },
  {
    label: 'authorization endpoint never aliased',
    metadata: { ...allAliases, mtls_endpoint_aliases: { authorization_endpoint: 'https://x/a' } },
    options: withCertificate,
    endpoint: 'authorization_endpoint',
    url: 'https://as.example/auth',
    viaAlias: false,
    presentsCertificate: false,
    reason: /opened in the browser/,
  },
  {
    label: 'jwks_uri never aliased, no certificate',
    metadata: allAliases,
    options: withCertificate,
    endpoint: 'jwks_uri',
    url: 'https://as.example/jwks',
    viaAlias: false,
    presentsCertificate: false,
    reason: /public keys/,
  },
  {
    label: 'endpoint missing from metadata',
    metadata: plain,
    options: withCertificate,
    endpoint: 'revocation_endpoint',
    url: undefined,
    viaAlias: false,
    presentsCertificate: false,
    reason: /not in the metadata/,
  },
  {
    label: 'alias only, no plain endpoint',
    metadata: {
      issuer: 'https://as.example',
      mtls_endpoint_aliases: { revocation_endpoint: 'https://m/r' },
    },
    options: withCertificate,
    endpoint: 'revocation_endpoint',
    url: 'https://m/r',
    viaAlias: true,
    presentsCertificate: true,
    reason: /mTLS alias/,
  },
];

describe('routeEndpoint', () => {
  for (const testCase of cases) {
    it(testCase.label, () => {
      const route = routeEndpoint(testCase.metadata, testCase.endpoint, testCase.options);
      assert.equal(route.url, testCase.url);
      assert.equal(route.viaAlias, testCase.viaAlias);
      assert.equal(route.presentsCertificate, testCase.presentsCertificate);
      assert.match(route.reason, testCase.reason);
    });
  }

  it('ignores a non-object aliases member', () => {
    const route = routeEndpoint(
      { ...plain, mtls_endpoint_aliases: 'https://mtls.as.example' },
      'token_endpoint',
      withCertificate,
    );
    assert.equal(route.url, 'https://as.example/token');
    assert.equal(route.viaAlias, false);
  });
});

describe('routeEndpoints', () => {
  it('lists every known endpoint once', () => {
    const names = routeEndpoints(allAliases, withCertificate).map((route) => route.endpoint);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('token_endpoint'));
    assert.ok(names.includes('jwks_uri'));
    assert.ok(names.includes('authorization_endpoint'));
  });

  it('keeps plain and alias URLs side by side', () => {
    const token = routeEndpoints(allAliases, aliasesOff).find(
      (r) => r.endpoint === 'token_endpoint',
    )!;
    assert.equal(token.plainUrl, 'https://as.example/token');
    assert.equal(token.aliasUrl, 'https://mtls.as.example/token');
    assert.equal(token.url, 'https://as.example/token');
  });
});

describe('routing agrees with oauth4webapi', () => {
  // Each request function is called with a fetch that only captures the URL, so the table can be
  // compared with where oauth4webapi itself sends each request.
  const calls: Record<
    string,
    (as: oauth.AuthorizationServer, client: oauth.Client, options: object) => Promise<unknown>
  > = {
    token_endpoint: (as, client, options) =>
      oauth.clientCredentialsGrantRequest(as, client, oauth.None(), {}, options),
    pushed_authorization_request_endpoint: (as, client, options) =>
      oauth.pushedAuthorizationRequest(as, client, oauth.None(), {}, options),
    introspection_endpoint: (as, client, options) =>
      oauth.introspectionRequest(as, client, oauth.None(), 'token', options),
    userinfo_endpoint: (as, client, options) => oauth.userInfoRequest(as, client, 'token', options),
  };
  const metadataCases = { allAliases, partialAliases, plain } as Record<
    string,
    oauth.AuthorizationServer
  >;

  for (const [metadataLabel, metadata] of Object.entries(metadataCases)) {
    for (const useAliases of [true, false]) {
      for (const [endpoint, call] of Object.entries(calls)) {
        it(`${metadataLabel}, aliases ${useAliases ? 'on' : 'off'}: ${endpoint}`, async () => {
          let sentTo: string | undefined;
          const options = {
            [oauth.customFetch]: async (url: string) => {
              sentTo = url;
              return new Response('{}', { headers: { 'content-type': 'application/json' } });
            },
          };
          const client = { client_id: 'app', use_mtls_endpoint_aliases: useAliases };
          await call(metadata, client, options);
          const route = routeEndpoint(metadata, endpoint as EndpointName, {
            use_mtls_endpoint_aliases: useAliases,
            hasClientCertificate: true,
          });
          assert.equal(new URL(sentTo!).origin + new URL(sentTo!).pathname, route.url);
        });
      }
    }
  }
});
