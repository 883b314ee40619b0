import assert from 'node:assert/strict';
import { runAuthorizationCode } from '../../src/engine/authorizationCode';
import type { ClientAuthMethod } from '../../src/engine/clientAuth';
import { isExplorerError } from '../../src/engine/errors';
import type { RecordedExchange } from '../../src/engine/exchange';
import { FlowRun, type JwksCache } from '../../src/engine/flowRun';
import type { HttpClient } from '../../src/engine/httpClient';
import type { ServerMetadata } from '../../src/engine/metadata';
import {
  runClientCredentials,
  runIntrospection,
  runRefresh,
  runRevocation,
  runUserInfo,
  startAuthorization,
} from '../../src/engine/flows';
import type { DecodedJws } from '../../src/engine/tokens';
import { API_RESOURCE, startTestServer, type TestServer } from '../server/provider';
import { discoverMetadata, headlessBrowser, newRun, profileFor, testHttpClient } from './helpers';

/** A valid P-256 public point (the generator of the curve), for a JWK that signs nothing here. */
const RETIRED_EC_POINT = {
  x: 'axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY',
  y: 'T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU',
};

function claimsOf(token: { decoded?: unknown }): Record<string, unknown> {
  return (token.decoded as DecodedJws).claims ?? {};
}

function exchangeFor(exchanges: RecordedExchange[], endpoint: string): RecordedExchange {
  const exchange = exchanges.find((entry) => entry.endpoint === endpoint);
  assert.ok(exchange, `no exchange with ${endpoint}`);
  return exchange;
}

describe('flows against the test server', function () {
  this.timeout(30_000);
  let server: TestServer;
  let http: HttpClient;
  let metadata: ServerMetadata;

  before(async () => {
    server = await startTestServer();
    http = await testHttpClient(server);
    metadata = await discoverMetadata(http, server);
  });

  after(async () => {
    await http?.close();
    await server?.close();
  });

  describe('client credentials', () => {
    const methods: ClientAuthMethod[] = [
      'tls_client_auth',
      'self_signed_tls_client_auth',
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ];
    for (const method of methods) {
      it(`succeeds with ${method}`, async () => {
        const run = newRun(http, metadata, await profileFor(server, method));
        const result = await runClientCredentials(run, {
          resource: [API_RESOURCE],
          scope: 'api:read',
        });
        const accessToken = result.tokens.find((token) => token.label === 'access_token');
        assert.ok(accessToken);
        assert.equal(accessToken.verification.status, 'verified');
        assert.equal(claimsOf(accessToken).aud, API_RESOURCE);
        const token = exchangeFor(run.exchanges, 'token_endpoint');
        assert.equal(token.response?.status, 200);
      });
    }

    for (const method of ['tls_client_auth', 'self_signed_tls_client_auth'] as const) {
      it(`binds the token to the certificate with ${method}`, async () => {
        const profile = await profileFor(server, method);
        const run = newRun(http, metadata, profile);
        const result = await runClientCredentials(run, { resource: [API_RESOURCE] });
        const accessToken = result.tokens.find((token) => token.label === 'access_token')!;
        const cnf = claimsOf(accessToken).cnf as Record<string, string>;
        const expected =
          method === 'tls_client_auth'
            ? server.certificates.client.thumbprint
            : server.certificates.selfSignedClient.thumbprint;
        assert.equal(cnf['x5t#S256'], expected);
        assert.equal(accessToken.binding?.status, 'match');
      });
    }

    it('goes to the mTLS alias with the certificate', async () => {
      const run = newRun(http, metadata, await profileFor(server, 'tls_client_auth'));
      await runClientCredentials(run, { resource: [API_RESOURCE] });
      const token = exchangeFor(run.exchanges, 'token_endpoint');
      assert.ok(token.url.startsWith(server.mtlsOrigin));
      assert.equal(token.route?.viaAlias, true);
      assert.equal(token.tls?.clientCertificate?.x5tS256, server.certificates.client.thumbprint);
      assert.match(token.tls?.serverCertificate?.issuer ?? '', /CN=/);
    });

    it('records no client secret', async () => {
      const profile = await profileFor(server, 'client_secret_post');
      const run = newRun(http, metadata, profile);
      await runClientCredentials(run, {});
      const token = exchangeFor(run.exchanges, 'token_endpoint');
      assert.ok(!JSON.stringify(token).includes(profile.clientSecret!));
      assert.deepEqual(token.request.body?.redacted, ['client_secret']);
    });

    it('records no Basic credentials', async () => {
      const profile = await profileFor(server, 'client_secret_basic');
      const run = newRun(http, metadata, profile);
      await runClientCredentials(run, {});
      const token = exchangeFor(run.exchanges, 'token_endpoint');
      const authorization = token.request.headers.find(([name]) => name === 'authorization');
      assert.match(authorization?.[1] ?? '', /^Basic \[redacted/);
    });

    it('reuses connections across flows', async () => {
      const profile = await profileFor(server, 'tls_client_auth');
      await runClientCredentials(newRun(http, metadata, profile), {});
      const before = http.handshakes;
      for (let round = 0; round < 3; round += 1) {
        await runClientCredentials(newRun(http, metadata, profile), {});
      }
      assert.equal(http.handshakes, before);
    });

    it('shares cached JWKS keys across runs', async () => {
      const profile = await profileFor(server, 'tls_client_auth');
      const jwksCache: JwksCache = {};
      const runWithCache = () =>
        new FlowRun({ http, metadata, client: profile, title: 'Client credentials', jwksCache });
      const first = runWithCache();
      await runClientCredentials(first, { resource: [API_RESOURCE] });
      assert.ok(first.exchanges.some((exchange) => exchange.endpoint === 'jwks_uri'));
      assert.ok(jwksCache.jwks);

      const second = runWithCache();
      const result = await runClientCredentials(second, { resource: [API_RESOURCE] });
      const accessToken = result.tokens.find((token) => token.label === 'access_token');
      assert.equal(accessToken?.verification.status, 'verified');
      assert.ok(!second.exchanges.some((exchange) => exchange.endpoint === 'jwks_uri'));
    });

    it('refetches the JWKS for an unknown kid', async () => {
      const profile = await profileFor(server, 'tls_client_auth');
      // A fresh cache whose only key matches no token, as after the server rotated its keys.
      const jwksCache: JwksCache = {
        uat: Date.now() - 60_000,
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', kid: 'retired', ...RETIRED_EC_POINT }] },
      };
      const run = new FlowRun({ http, metadata, client: profile, title: 'Rotated', jwksCache });
      const result = await runClientCredentials(run, { resource: [API_RESOURCE] });
      const accessToken = result.tokens.find((token) => token.label === 'access_token');
      assert.equal(accessToken?.verification.status, 'verified');
      assert.ok(run.exchanges.some((exchange) => exchange.endpoint === 'jwks_uri'));
      assert.notEqual(jwksCache.jwks?.keys[0]?.kid, 'retired');
    });
  });

  describe('authorization code with PAR', () => {
    it('PAR goes to the alias and returns request_uri', async () => {
      const run = newRun(http, metadata, await profileFor(server, 'tls_client_auth'));
      const pending = await startAuthorization(run, {
        redirect_uri: 'http://127.0.0.1:9/callback',
        scope: 'openid',
      });
      const par = exchangeFor(run.exchanges, 'pushed_authorization_request_endpoint');
      assert.ok(par.url.startsWith(server.mtlsOrigin));
      assert.equal(par.route?.viaAlias, true);
      assert.equal(par.response?.status, 201);
      const body = JSON.parse(par.response?.body?.text ?? '{}');
      assert.match(body.request_uri, /^urn:ietf:params:oauth:request_uri:/);
      assert.equal(typeof body.expires_in, 'number');
      assert.equal(pending.request_uri, body.request_uri);
      assert.ok(pending.authorizationUrl.includes(encodeURIComponent(body.request_uri)));
      const parBody = new URLSearchParams(par.request.body?.text);
      assert.equal(parBody.get('code_challenge_method'), 'S256');
      assert.ok(!parBody.has('code_verifier'));
    });

    const modes = [undefined, 'jwt', 'form_post', 'form_post.jwt'];
    for (const responseMode of modes) {
      it(`completes with response_mode ${responseMode ?? 'query'}`, async () => {
        const run = newRun(http, metadata, await profileFor(server, 'tls_client_auth'));
        const { tokens, pending } = await runAuthorizationCode(
          run,
          { scope: 'openid offline_access', response_mode: responseMode, resource: [API_RESOURCE] },
          { openUrl: headlessBrowser(server), callbackTimeoutMs: 15_000 },
        );
        assert.ok(pending.codeVerifier);
        const idToken = tokens.tokens.find((token) => token.label === 'id_token');
        assert.equal(idToken?.verification.status, 'verified');
        assert.equal(claimsOf(idToken!).nonce, pending.nonce);
        const accessToken = tokens.tokens.find((token) => token.label === 'access_token');
        assert.equal(accessToken?.binding?.status, 'match');
        if (responseMode?.endsWith('jwt')) {
          const jarm = tokens.tokens.find((token) => token.label === 'authorization_response');
          assert.equal(jarm?.verification.status, 'verified');
        }
        assert.ok(tokens.refreshToken);
        assert.match(String(tokens.response.refresh_token), /^\[redacted/);
      });
    }

    it('public client with PKCE, then refresh', async () => {
      const profile = await profileFor(server, 'none');
      const run = newRun(http, metadata, profile);
      const { tokens } = await runAuthorizationCode(
        run,
        { scope: 'openid offline_access' },
        { openUrl: headlessBrowser(server), callbackTimeoutMs: 15_000 },
      );
      assert.ok(tokens.refreshToken);
      const refreshRun = newRun(http, metadata, profile);
      const refreshed = await runRefresh(refreshRun, tokens.refreshToken!);
      assert.ok(refreshed.tokens.some((token) => token.label === 'access_token'));
      const refreshExchange = exchangeFor(refreshRun.exchanges, 'token_endpoint');
      assert.ok(!JSON.stringify(refreshExchange).includes(tokens.refreshToken!));
    });

    it('userinfo, introspection and revocation', async () => {
      const profile = await profileFor(server, 'tls_client_auth');
      const run = newRun(http, metadata, profile);
      const { tokens } = await runAuthorizationCode(
        run,
        { scope: 'openid' },
        { openUrl: headlessBrowser(server), callbackTimeoutMs: 15_000 },
      );
      const accessToken = tokens.tokens.find((token) => token.label === 'access_token')!.token;
      const userinfo = await runUserInfo(newRun(http, metadata, profile), accessToken);
      assert.equal(typeof userinfo.sub, 'string');
      const introspection = await runIntrospection(newRun(http, metadata, profile), accessToken);
      assert.equal(introspection.response.active, true);
      assert.equal(introspection.binding.status, 'match');
      await runRevocation(newRun(http, metadata, profile), accessToken);
      const after = await runIntrospection(newRun(http, metadata, profile), accessToken);
      assert.equal(after.response.active, false);
    });

    it('introspection sends hint and extra rows', async () => {
      const profile = await profileFor(server, 'tls_client_auth');
      const run = newRun(http, metadata, profile);
      await runIntrospection(run, 'not-a-real-token', 'access_token', [['audit_id', 'run-42']]);
      const request = run.lastExchange('introspection_endpoint')?.request.body;
      assert.ok(request, 'the introspection request was not recorded');
      const sent = JSON.stringify(request);
      assert.match(sent, /token_type_hint/);
      assert.match(sent, /access_token/);
      assert.match(sent, /audit_id/);
      assert.match(sent, /run-42/);
    });
  });

  describe('client authentication failures', () => {
    it('no certificate names the missing certificate', async () => {
      const profile = await profileFor(server, 'tls_client_auth');
      delete profile.clientCertificate;
      const run = newRun(http, metadata, profile);
      await assert.rejects(runClientCredentials(run, {}), (error: unknown) => {
        assert.ok(isExplorerError(error, 'CLIENT_AUTHENTICATION_FAILED'));
        assert.match(error.hint ?? '', /no client certificate is configured/);
        return true;
      });
    });

    it('unknown CA names the issuer', async () => {
      const profile = await profileFor(
        server,
        'tls_client_auth',
        server.certificates.unknownCaClient,
      );
      await assert.rejects(
        runClientCredentials(newRun(http, metadata, profile), {}),
        (error: unknown) => {
          assert.ok(isExplorerError(error, 'CLIENT_AUTHENTICATION_FAILED'));
          assert.match(error.hint ?? '', /issued by CN=/);
          assert.match(error.hint ?? '', /trusts that issuer/);
          return true;
        },
      );
      const event = server.serverEvents.at(-1);
      assert.match(event?.errorDetail ?? '', /certificate/);
    });

    it('expired certificate says it expired', async () => {
      const profile = await profileFor(
        server,
        'tls_client_auth',
        server.certificates.expiredClient,
      );
      await assert.rejects(
        runClientCredentials(newRun(http, metadata, profile), {}),
        (error: unknown) => {
          assert.ok(isExplorerError(error, 'CLIENT_AUTHENTICATION_FAILED'));
          assert.match(error.hint ?? '', /expired on/);
          return true;
        },
      );
    });

    it('aliases off sends to the plain URL and says so', async () => {
      const profile = {
        ...(await profileFor(server, 'tls_client_auth')),
        use_mtls_endpoint_aliases: false,
      };
      const run = newRun(http, metadata, profile);
      await assert.rejects(runClientCredentials(run, {}), (error: unknown) => {
        assert.ok(isExplorerError(error, 'CLIENT_AUTHENTICATION_FAILED'));
        assert.match(error.hint ?? '', /turn on mTLS endpoint aliases/);
        return true;
      });
      const token = exchangeFor(run.exchanges, 'token_endpoint');
      assert.ok(token.url.startsWith(server.issuer));
      assert.equal(token.route?.viaAlias, false);
      assert.equal(token.response?.status, 401);
    });

    it('wrong client secret keeps the raw response', async () => {
      const profile = {
        ...(await profileFor(server, 'client_secret_basic')),
        clientSecret: 'wrong-secret-value',
      };
      const run = newRun(http, metadata, profile);
      await assert.rejects(runClientCredentials(run, {}), (error: unknown) => {
        assert.ok(isExplorerError(error, 'CLIENT_AUTHENTICATION_FAILED'));
        assert.equal(error.detail.exchangeId, run.exchanges.at(-1)?.id);
        return true;
      });
      assert.match(run.exchanges.at(-1)?.response?.body?.text ?? '', /invalid_client/);
      assert.equal(run.steps.at(-1)?.status, 'failed');
    });
  });
});
