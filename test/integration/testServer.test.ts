import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';

import { completeAuthorization } from '../server/interaction';
import { MTLS_ALIAS_ENDPOINTS, startTestServer, type TestServer } from '../server/provider';

interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
}

async function getJson(url: string, dispatcher: Agent): Promise<JsonResponse> {
  const response = await fetch(url, { dispatcher });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function postForm(
  url: string,
  parameters: Record<string, string>,
  dispatcher: Agent,
): Promise<JsonResponse> {
  const response = await fetch(url, {
    method: 'POST',
    body: new URLSearchParams(parameters),
    dispatcher,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function decodeJwtPayload(jwt: unknown): Record<string, unknown> {
  assert.equal(typeof jwt, 'string');
  const parts = (jwt as string).split('.');
  assert.equal(parts.length, 3, 'expected a JWS in compact serialization');
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Computes x5t#S256 here instead of trusting the server module's own value. */
function thumbprintOf(certificateFile: string): string {
  const certificate = new X509Certificate(readFileSync(certificateFile));
  return createHash('sha256').update(certificate.raw).digest('base64url');
}

function createPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function trustingAgent(server: TestServer): Agent {
  return new Agent({ connect: { ca: readFileSync(server.certificates.ca.certificate) } });
}

function certificateAgent(server: TestServer, certificate: string, key: string): Agent {
  return new Agent({
    connect: {
      ca: readFileSync(server.certificates.ca.certificate),
      cert: readFileSync(certificate),
      key: readFileSync(key),
    },
  });
}

describe('test server', function () {
  let server: TestServer;
  let plain: Agent;
  let clientAgent: Agent;
  let discovery: Record<string, unknown>;
  const agents: Agent[] = [];

  before(async function () {
    server = await startTestServer();
    plain = trustingAgent(server);
    const { client } = server.certificates;
    clientAgent = certificateAgent(server, client.certificate, client.key);
    agents.push(plain, clientAgent);
    discovery = (await getJson(`${server.issuer}/.well-known/openid-configuration`, plain)).body;
  });

  after(async function () {
    await Promise.all(agents.map((agent) => agent.close()));
    await server?.close();
  });

  function alias(endpoint: keyof typeof MTLS_ALIAS_ENDPOINTS): string {
    const aliases = discovery.mtls_endpoint_aliases as Record<string, string>;
    return aliases[endpoint];
  }

  async function pushAuthorizationRequest(
    parameters: Record<string, string>,
  ): Promise<JsonResponse> {
    return postForm(
      alias('pushed_authorization_request_endpoint'),
      { client_id: server.clients.tlsClientAuth.clientId, response_type: 'code', ...parameters },
      clientAgent,
    );
  }

  function authorizationUrl(requestUri: string): string {
    const url = new URL(discovery.authorization_endpoint as string);
    url.searchParams.set('client_id', server.clients.tlsClientAuth.clientId);
    url.searchParams.set('request_uri', requestUri);
    return url.href;
  }

  describe('discovery', function () {
    it('lists every mTLS alias', function () {
      const aliases = discovery.mtls_endpoint_aliases as Record<string, string>;
      assert.deepEqual(Object.keys(aliases).sort(), Object.keys(MTLS_ALIAS_ENDPOINTS).sort());
      for (const [endpoint, aliasUrl] of Object.entries(aliases)) {
        const direct = new URL(discovery[endpoint] as string);
        const mtls = new URL(aliasUrl);
        assert.equal(mtls.origin, server.mtlsOrigin, `${endpoint} alias origin`);
        assert.equal(mtls.pathname, direct.pathname, `${endpoint} alias path`);
      }
    });

    it('points endpoints at the issuer listener', function () {
      assert.equal(discovery.issuer, server.issuer);
      assert.equal(new URL(discovery.token_endpoint as string).origin, server.issuer);
    });

    it('omits aliases with none', async function () {
      const other = await startTestServer({ mtlsAliases: 'none' });
      const agent = trustingAgent(other);
      try {
        const { status, body } = await getJson(
          `${other.issuer}/.well-known/openid-configuration`,
          agent,
        );
        assert.equal(status, 200);
        assert.equal('mtls_endpoint_aliases' in body, false);
        assert.equal(body.tls_client_certificate_bound_access_tokens, true);
      } finally {
        await agent.close();
        await other.close();
      }
    });

    it('lists only chosen aliases', async function () {
      const chosen = ['token_endpoint', 'pushed_authorization_request_endpoint'];
      const other = await startTestServer({ mtlsAliases: chosen });
      const agent = trustingAgent(other);
      try {
        const { body } = await getJson(`${other.issuer}/.well-known/openid-configuration`, agent);
        const aliases = body.mtls_endpoint_aliases as Record<string, string>;
        assert.deepEqual(Object.keys(aliases).sort(), [...chosen].sort());
        assert.equal(aliases.token_endpoint, `${other.mtlsOrigin}/token`);
      } finally {
        await agent.close();
        await other.close();
      }
    });

    it('rejects an unknown alias name', async function () {
      await assert.rejects(startTestServer({ mtlsAliases: ['token'] }), /Invalid mtlsAliases/);
    });
  });

  describe('issuer path', function () {
    let tenant: TestServer;
    let agent: Agent;

    before(async function () {
      tenant = await startTestServer({ issuerPath: '/tenant-a' });
      agent = trustingAgent(tenant);
    });

    after(async function () {
      await agent?.close();
      await tenant?.close();
    });

    it('appends the path to the issuer', function () {
      assert.equal(new URL(tenant.issuer).pathname, '/tenant-a');
    });

    it('serves RFC 8414 metadata', async function () {
      const origin = new URL(tenant.issuer).origin;
      const rfc8414 = await getJson(
        `${origin}/.well-known/oauth-authorization-server/tenant-a`,
        agent,
      );
      const openid = await getJson(`${tenant.issuer}/.well-known/openid-configuration`, agent);
      assert.equal(rfc8414.status, 200);
      assert.equal(openid.status, 200);
      assert.equal(rfc8414.body.issuer, tenant.issuer);
      assert.deepEqual(rfc8414.body, openid.body);
    });

    it('keeps the path in endpoints and aliases', async function () {
      const { body } = await getJson(`${tenant.issuer}/.well-known/openid-configuration`, agent);
      const aliases = body.mtls_endpoint_aliases as Record<string, string>;
      assert.equal(body.token_endpoint, `${tenant.issuer}/token`);
      assert.equal(aliases.token_endpoint, `${tenant.mtlsOrigin}/tenant-a/token`);
    });

    it('answers 404 outside the path', async function () {
      const origin = new URL(tenant.issuer).origin;
      const response = await fetch(`${origin}/.well-known/openid-configuration`, {
        dispatcher: agent,
      });
      await response.body?.cancel();
      assert.equal(response.status, 404);
    });

    it('completes a code flow', async function () {
      const { client } = tenant.certificates;
      const mtlsAgent = certificateAgent(tenant, client.certificate, client.key);
      try {
        const { body: metadata } = await getJson(
          `${tenant.issuer}/.well-known/openid-configuration`,
          agent,
        );
        const aliases = metadata.mtls_endpoint_aliases as Record<string, string>;
        const pkce = createPkce();
        const par = await postForm(
          aliases.pushed_authorization_request_endpoint,
          {
            client_id: tenant.clients.tlsClientAuth.clientId,
            response_type: 'code',
            redirect_uri: 'http://127.0.0.1:43123/callback',
            scope: 'openid',
            code_challenge: pkce.challenge,
            code_challenge_method: 'S256',
          },
          mtlsAgent,
        );
        assert.equal(par.status, 201);
        const url = new URL(metadata.authorization_endpoint as string);
        url.searchParams.set('client_id', tenant.clients.tlsClientAuth.clientId);
        url.searchParams.set('request_uri', par.body.request_uri as string);

        const result = await completeAuthorization(url.href, { dispatcher: agent });
        assert.equal(result.parameters.iss, tenant.issuer);
        assert.equal(typeof result.parameters.code, 'string');
      } finally {
        await mtlsAgent.close();
      }
    });
  });

  describe('client credentials', function () {
    it('binds the token to the certificate', async function () {
      const { status, body } = await postForm(
        alias('token_endpoint'),
        { grant_type: 'client_credentials', client_id: server.clients.tlsClientAuth.clientId },
        clientAgent,
      );
      assert.equal(status, 200);
      assert.equal(body.token_type, 'Bearer');
      const payload = decodeJwtPayload(body.access_token);
      const expected = thumbprintOf(server.certificates.client.certificate);
      assert.deepEqual(payload.cnf, { 'x5t#S256': expected });
      assert.equal(server.certificates.client.thumbprint, expected);
      assert.equal(payload.client_id, server.clients.tlsClientAuth.clientId);
    });

    it('fails without a certificate', async function () {
      const before = server.serverEvents.length;
      const { status, body } = await postForm(
        alias('token_endpoint'),
        { grant_type: 'client_credentials', client_id: server.clients.tlsClientAuth.clientId },
        plain,
      );
      assert.equal(status, 401);
      assert.equal(body.error, 'invalid_client');
      const events = server.serverEvents.slice(before);
      assert.equal(events.length, 1);
      assert.equal(events[0].event, 'grant.error');
      assert.equal(events[0].errorDetail, 'client certificate was not provided');
      assert.equal(events[0].clientId, server.clients.tlsClientAuth.clientId);
      assert.equal(events[0].listener, 'mtls');
    });

    it('fails on the issuer listener', async function () {
      const before = server.serverEvents.length;
      const { status } = await postForm(
        discovery.token_endpoint as string,
        { grant_type: 'client_credentials', client_id: server.clients.tlsClientAuth.clientId },
        clientAgent,
      );
      assert.equal(status, 401);
      const events = server.serverEvents.slice(before);
      assert.equal(events[0]?.errorDetail, 'client certificate was not provided');
      assert.equal(events[0]?.listener, 'issuer');
    });

    for (const name of ['expiredClient', 'unknownCaClient', 'selfSignedClient'] as const) {
      it(`rejects ${name} for tls_client_auth`, async function () {
        const files = server.certificates[name];
        const agent = certificateAgent(server, files.certificate, files.key);
        agents.push(agent);
        const before = server.serverEvents.length;
        const { status, body } = await postForm(
          alias('token_endpoint'),
          { grant_type: 'client_credentials', client_id: server.clients.tlsClientAuth.clientId },
          agent,
        );
        assert.equal(status, 401);
        assert.equal(body.error, 'invalid_client');
        const events = server.serverEvents.slice(before);
        assert.equal(events[0]?.errorDetail, 'client certificate was not verified');
      });
    }

    it('accepts self_signed_tls_client_auth', async function () {
      const files = server.certificates.selfSignedClient;
      const agent = certificateAgent(server, files.certificate, files.key);
      agents.push(agent);
      const { status, body } = await postForm(
        alias('token_endpoint'),
        {
          grant_type: 'client_credentials',
          client_id: server.clients.selfSignedTlsClientAuth.clientId,
        },
        agent,
      );
      assert.equal(status, 200);
      const payload = decodeJwtPayload(body.access_token);
      assert.deepEqual(payload.cnf, { 'x5t#S256': thumbprintOf(files.certificate) });
    });

    it('accepts client_secret_post', async function () {
      const client = server.clients.clientSecretPost;
      const { status, body } = await postForm(
        discovery.token_endpoint as string,
        {
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.clientSecret,
        },
        plain,
      );
      assert.equal(status, 200);
      assert.equal('cnf' in decodeJwtPayload(body.access_token), false);
    });
  });

  describe('pushed authorization request', function () {
    it('returns request_uri through the alias', async function () {
      const pkce = createPkce();
      const { status, body } = await pushAuthorizationRequest({
        redirect_uri: 'http://127.0.0.1:50111/callback',
        scope: 'openid',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      assert.equal(status, 201);
      assert.match(String(body.request_uri), /^urn:ietf:params:oauth:request_uri:/);
      assert.equal(typeof body.expires_in, 'number');
      assert.ok((body.expires_in as number) > 0);
    });
  });

  describe('login page', function () {
    it('loads nothing from other hosts', async function () {
      const pkce = createPkce();
      const authorization = new URL(String(discovery.authorization_endpoint));
      authorization.search = new URLSearchParams({
        client_id: server.clients.none.clientId,
        response_type: 'code',
        redirect_uri: server.clients.none.redirectUri,
        scope: 'openid',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }).toString();
      const start = await fetch(authorization, { dispatcher: plain, redirect: 'manual' });
      const location = start.headers.get('location');
      assert.equal(start.status, 303, 'the authorization endpoint did not redirect to a login');
      assert.ok(location, 'the redirect has no Location');
      const cookie = start.headers
        .getSetCookie()
        .map((entry) => entry.split(';')[0])
        .join('; ');
      const login = await fetch(new URL(location, authorization), {
        dispatcher: plain,
        headers: { cookie },
      });
      const html = await login.text();
      assert.equal(login.status, 200);
      assert.match(html, /Sign-in/);
      assert.doesNotMatch(html, /fonts\.googleapis\.com/);
      assert.doesNotMatch(html, /(src|href)="https?:\/\/(?!127\.0\.0\.1)/);
    });
  });

  describe('interaction helper', function () {
    it('returns a code for PAR', async function () {
      const pkce = createPkce();
      const redirectUri = 'http://127.0.0.1:50112/callback';
      const par = await pushAuthorizationRequest({
        redirect_uri: redirectUri,
        scope: 'openid api:read',
        state: 'state-1',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      assert.equal(par.status, 201);

      const result = await completeAuthorization(authorizationUrl(par.body.request_uri as string), {
        ca: readFileSync(server.certificates.ca.certificate),
      });
      assert.equal(result.delivery, 'query');
      assert.ok(result.url.startsWith(`${redirectUri}?`), result.url);
      assert.equal(result.parameters.state, 'state-1');
      assert.equal(result.parameters.iss, server.issuer);
      assert.equal(typeof result.parameters.code, 'string');

      const token = await postForm(
        alias('token_endpoint'),
        {
          grant_type: 'authorization_code',
          client_id: server.clients.tlsClientAuth.clientId,
          code: result.parameters.code,
          redirect_uri: redirectUri,
          code_verifier: pkce.verifier,
        },
        clientAgent,
      );
      assert.equal(token.status, 200);
      assert.equal(typeof token.body.refresh_token, 'string');
      const payload = decodeJwtPayload(token.body.access_token);
      assert.deepEqual(payload.cnf, { 'x5t#S256': server.certificates.client.thumbprint });
      assert.equal(payload.aud, 'https://api.test.example');
    });

    it('returns a JARM response', async function () {
      const pkce = createPkce();
      const par = await pushAuthorizationRequest({
        redirect_uri: 'http://127.0.0.1:50113/callback',
        scope: 'openid',
        response_mode: 'jwt',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      assert.equal(par.status, 201);
      const result = await completeAuthorization(authorizationUrl(par.body.request_uri as string), {
        dispatcher: plain,
      });
      assert.equal(result.delivery, 'query');
      assert.equal('code' in result.parameters, false);
      const payload = decodeJwtPayload(result.parameters.response);
      assert.equal(payload.iss, server.issuer);
      assert.equal(payload.aud, server.clients.tlsClientAuth.clientId);
      assert.equal(typeof payload.code, 'string');
    });

    it('returns form_post fields', async function () {
      const pkce = createPkce();
      const redirectUri = 'http://127.0.0.1:50114/callback';
      const par = await pushAuthorizationRequest({
        redirect_uri: redirectUri,
        scope: 'openid',
        state: 'state-2',
        response_mode: 'form_post',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      assert.equal(par.status, 201);
      const result = await completeAuthorization(authorizationUrl(par.body.request_uri as string), {
        dispatcher: plain,
      });
      assert.equal(result.delivery, 'form_post');
      assert.equal(result.url, redirectUri);
      assert.equal(result.parameters.state, 'state-2');
      assert.equal(typeof result.parameters.code, 'string');
    });
  });
});
