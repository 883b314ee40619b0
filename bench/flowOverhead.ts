/**
 * Flow overhead and connection reuse: discovery, PAR, the code exchange and a client credentials
 * grant through the engine, against the same HTTP requests sent by a bare undici script, both
 * against the oidc-provider test server on 127.0.0.1.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import * as jose from 'jose';
import { Agent, fetch } from 'undici';
import type { ClientProfile } from '../src/engine/clientAuth';
import { discover } from '../src/engine/discovery';
import { FlowRun, type JwksCache } from '../src/engine/flowRun';
import {
  completeAuthorization,
  runClientCredentials,
  startAuthorization,
} from '../src/engine/flows';
import { HttpClient } from '../src/engine/httpClient';
import { loadCertificate } from '../test/integration/helpers';
import { completeAuthorization as signInAndConsent } from '../test/server/interaction';
import { API_RESOURCE, startTestServer, type TestServer } from '../test/server/provider';
import type { Figure } from './lib/figure';
import { runWhenMain } from './lib/report';
import { formatMs, interleave, median } from './lib/statistics';

const WARMUP_ROUNDS = 5;
const ROUNDS = 100;
/** Any port is accepted for the native test clients' loopback redirect URI (RFC 8252). */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const CLIENT_CREDENTIALS_SCOPE = 'api:read';
/** Matches the engine's defaults, so both sides have the same agent settings. */
const TIMEOUT_MS = { connect: 10_000, response: 30_000 };

/** Plays the browser between PAR and the code exchange. No contender's timing includes it. */
type SignIn = (authorizationUrl: string) => Promise<URLSearchParams>;

interface Contender {
  /** Runs one flow set and returns the time spent in it, without the sign-in, in milliseconds. */
  round(): Promise<number>;
  close(): Promise<void>;
}

interface EngineContender extends Contender {
  handshakes(): number;
}

async function createEngine(server: TestServer, signIn: SignIn): Promise<EngineContender> {
  const ca = await readFile(server.certificates.ca.certificate, 'utf8');
  const http = new HttpClient({
    extraCaPem: [ca],
    connectTimeoutMs: TIMEOUT_MS.connect,
    responseTimeoutMs: TIMEOUT_MS.response,
  });
  const client: ClientProfile = {
    client_id: server.clients.tlsClientAuth.clientId,
    token_endpoint_auth_method: 'tls_client_auth',
    use_mtls_endpoint_aliases: true,
    clientCertificate: await loadCertificate(server.certificates.client),
  };
  // The extension keeps one JWKS cache per server, so runs after the first do not refetch it.
  const jwksCache: JwksCache = {};
  const newRun = (metadata: FlowRun['metadata'], title: string) =>
    new FlowRun({ http, metadata, client, title, jwksCache });

  return {
    async round() {
      const started = performance.now();
      const { metadata } = await discover(http, server.issuer, 'oidc');
      const run = newRun(metadata, 'Authorization code');
      const pending = await startAuthorization(run, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
      });
      const beforeSignIn = performance.now();
      const callback = await signIn(pending.authorizationUrl);
      const afterSignIn = performance.now();
      await completeAuthorization(run, pending, callback);
      await runClientCredentials(newRun(metadata, 'Client credentials'), {
        scope: CLIENT_CREDENTIALS_SCOPE,
        resource: [API_RESOURCE],
      });
      return beforeSignIn - started + (performance.now() - afterSignIn);
    },
    handshakes: () => http.handshakes,
    close: () => http.close(),
  };
}

function randomValue(): string {
  return randomBytes(32).toString('base64url');
}

async function postForm(
  url: string,
  form: Record<string, string>,
  agent: Agent,
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
    },
    body: new URLSearchParams(form).toString(),
    dispatcher: agent,
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    throw new Error(`POST ${url} failed with HTTP ${response.status}: ${JSON.stringify(body)}`);
  }
  return body;
}

/**
 * The same four requests through HttpClient.send alone (pooled agents, recording, redaction), with
 * no oauth4webapi and no token verification, to show which layer the overhead comes from.
 */
async function createRecordingOnly(server: TestServer, signIn: SignIn): Promise<Contender> {
  const ca = await readFile(server.certificates.ca.certificate, 'utf8');
  const http = new HttpClient({
    extraCaPem: [ca],
    connectTimeoutMs: TIMEOUT_MS.connect,
    responseTimeoutMs: TIMEOUT_MS.response,
  });
  const clientCertificate = await loadCertificate(server.certificates.client);
  const client_id = server.clients.tlsClientAuth.clientId;
  const post = async (endpoint: string, url: string, form: Record<string, string>) => {
    const { response } = await http.send({
      endpoint,
      url,
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams(form),
      clientCertificate,
    });
    return (await response.json()) as Record<string, unknown>;
  };

  return {
    async round() {
      const started = performance.now();
      const { response } = await http.send({
        endpoint: 'discovery',
        url: `${server.issuer}/.well-known/openid-configuration`,
        method: 'GET',
        headers: { accept: 'application/json' },
      });
      const metadata = (await response.json()) as {
        authorization_endpoint: string;
        mtls_endpoint_aliases: Record<string, string>;
      };
      const aliases = metadata.mtls_endpoint_aliases;
      const verifier = randomValue();
      const pushed = await post(
        'pushed_authorization_request_endpoint',
        aliases.pushed_authorization_request_endpoint!,
        {
          client_id,
          response_type: 'code',
          redirect_uri: REDIRECT_URI,
          state: randomValue(),
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
          nonce: randomValue(),
          scope: 'openid',
        },
      );
      const authorizationUrl = new URL(metadata.authorization_endpoint);
      authorizationUrl.searchParams.set('client_id', client_id);
      authorizationUrl.searchParams.set('request_uri', String(pushed.request_uri));
      const beforeSignIn = performance.now();
      const callback = await signIn(authorizationUrl.href);
      const afterSignIn = performance.now();
      await post('token_endpoint', aliases.token_endpoint!, {
        grant_type: 'authorization_code',
        code: callback.get('code') ?? '',
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        client_id,
      });
      await post('token_endpoint', aliases.token_endpoint!, {
        grant_type: 'client_credentials',
        scope: CLIENT_CREDENTIALS_SCOPE,
        resource: API_RESOURCE,
        client_id,
      });
      return beforeSignIn - started + (performance.now() - afterSignIn);
    },
    close: () => http.close(),
  };
}

interface DiscoveredMetadata {
  issuer: string;
  authorization_endpoint: string;
  jwks_uri: string;
  mtls_endpoint_aliases: Record<string, string>;
}

/**
 * Checks that a careful client makes without the engine, as the engine makes them. They cover
 * the state of the authorization response, the ID token's signature and claims (iss, aud, exp,
 * iat, nonce), and the signature of every access token that is a JWT. The JWKS is fetched once
 * beforehand, as the engine's cached JWKS is.
 */
interface BareChecks {
  checkState(callback: URLSearchParams, state: string): void;
  checkTokens(
    response: Record<string, unknown>,
    metadata: DiscoveredMetadata,
    nonce?: string,
  ): Promise<void>;
}

function createBareChecks(getKey: jose.JWTVerifyGetKey, client_id: string): BareChecks {
  return {
    checkState(callback, state) {
      if (callback.get('state') !== state) throw new Error('The state does not match.');
    },
    async checkTokens(response, metadata, nonce) {
      const accessToken = response.access_token;
      if (typeof accessToken === 'string' && accessToken.split('.').length === 3) {
        await jose.compactVerify(accessToken, getKey);
      }
      if (typeof response.id_token !== 'string') return;
      const { payload } = await jose.jwtVerify(response.id_token, getKey, {
        issuer: metadata.issuer,
        audience: client_id,
        requiredClaims: ['iat', 'exp', 'sub'],
      });
      if (payload.nonce !== nonce) throw new Error('The ID token nonce does not match.');
    },
  };
}

/**
 * The baseline: the requests the engine sends, with undici alone. Like the engine, it keeps one
 * agent without a client certificate (issuer listener) and one with it (mTLS listener), both
 * trusting Node's roots plus the test CA. With `withChecks`, it also makes the checks the
 * engine makes (see BareChecks). Without, it only sends the requests and parses the JSON.
 */
async function createBare(
  server: TestServer,
  signIn: SignIn,
  withChecks: boolean,
): Promise<Contender> {
  const ca = await readFile(server.certificates.ca.certificate, 'utf8');
  const [certificate, key] = await Promise.all([
    readFile(server.certificates.client.certificate, 'utf8'),
    readFile(server.certificates.client.key, 'utf8'),
  ]);
  const timeouts = { headersTimeout: TIMEOUT_MS.response, bodyTimeout: TIMEOUT_MS.response };
  const trust = [...rootCertificates, ca];
  const plain = new Agent({ ...timeouts, connect: { timeout: TIMEOUT_MS.connect, ca: trust } });
  const mutual = new Agent({
    ...timeouts,
    connect: { timeout: TIMEOUT_MS.connect, ca: trust, cert: certificate, key },
  });
  const client_id = server.clients.tlsClientAuth.clientId;
  const fetchMetadata = async () => {
    const discovery = await fetch(`${server.issuer}/.well-known/openid-configuration`, {
      headers: { accept: 'application/json' },
      dispatcher: plain,
    });
    return (await discovery.json()) as DiscoveredMetadata;
  };
  let checks: BareChecks | undefined;
  if (withChecks) {
    const jwks = await fetch((await fetchMetadata()).jwks_uri, { dispatcher: plain });
    const getKey = jose.createLocalJWKSet((await jwks.json()) as jose.JSONWebKeySet);
    checks = createBareChecks(getKey, client_id);
  }

  return {
    async round() {
      const started = performance.now();
      const metadata = await fetchMetadata();
      const aliases = metadata.mtls_endpoint_aliases;
      const verifier = randomValue();
      const state = randomValue();
      const nonce = randomValue();
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const pushed = await postForm(
        aliases.pushed_authorization_request_endpoint!,
        {
          client_id,
          response_type: 'code',
          redirect_uri: REDIRECT_URI,
          state,
          code_challenge: challenge,
          code_challenge_method: 'S256',
          nonce,
          scope: 'openid',
        },
        mutual,
      );
      const authorizationUrl = new URL(metadata.authorization_endpoint);
      authorizationUrl.searchParams.set('client_id', client_id);
      authorizationUrl.searchParams.set('request_uri', String(pushed.request_uri));
      const beforeSignIn = performance.now();
      const callback = await signIn(authorizationUrl.href);
      const afterSignIn = performance.now();
      checks?.checkState(callback, state);
      const codeTokens = await postForm(
        aliases.token_endpoint!,
        {
          grant_type: 'authorization_code',
          code: callback.get('code') ?? '',
          redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
          client_id,
        },
        mutual,
      );
      await checks?.checkTokens(codeTokens, metadata, nonce);
      const clientTokens = await postForm(
        aliases.token_endpoint!,
        {
          grant_type: 'client_credentials',
          scope: CLIENT_CREDENTIALS_SCOPE,
          resource: API_RESOURCE,
          client_id,
        },
        mutual,
      );
      await checks?.checkTokens(clientTokens, metadata);
      return beforeSignIn - started + (performance.now() - afterSignIn);
    },
    close: async () => {
      await Promise.all([plain.close(), mutual.close()]);
    },
  };
}

export async function measureFlowOverhead(): Promise<Figure[]> {
  const server = await startTestServer();
  const caPem = await readFile(server.certificates.ca.certificate, 'utf8');
  // One agent for every sign-in, so its connections are warm too and its cost stays even.
  const browserAgent = new Agent({ connect: { ca: caPem } });
  const signIn: SignIn = async (authorizationUrl) => {
    const response = await signInAndConsent(authorizationUrl, { dispatcher: browserAgent });
    return new URLSearchParams(response.parameters);
  };
  const engine = await createEngine(server, signIn);
  const recording = await createRecordingOnly(server, signIn);
  const bare = await createBare(server, signIn, true);
  const bareRequests = await createBare(server, signIn, false);
  const contenders = {
    bare: bare.round,
    bareRequests: bareRequests.round,
    recording: recording.round,
    engine: engine.round,
  };

  try {
    await interleave(WARMUP_ROUNDS, contenders);
    const handshakesBefore = engine.handshakes();
    const samples = await interleave(ROUNDS, contenders);
    const extraHandshakes = engine.handshakes() - handshakesBefore;

    const bareMedian = median(samples.bare);
    const requestsMedian = median(samples.bareRequests);
    const recordingMedian = median(samples.recording);
    const engineMedian = median(samples.engine);
    return [
      {
        name: 'Flow overhead',
        value: engineMedian / bareMedian,
        unit: 'ratio',
        goal: { comparison: 'at most', limit: 1.1 },
        detail:
          `engine ${formatMs(engineMedian)}, bare undici with the same checks ` +
          `${formatMs(bareMedian)}; requests only: HttpClient ${formatMs(recordingMedian)}, ` +
          `bare undici ${formatMs(requestsMedian)} (medians of ${ROUNDS})`,
        method:
          `Median time of one set of discovery, PAR, code exchange and client credentials ` +
          `(tls_client_auth through the mTLS aliases) through the engine (HttpClient with ` +
          `recording and redaction, FlowRun routing, oauth4webapi checks, token signature ` +
          `verification with a cached JWKS), divided by the median of the same four requests ` +
          `sent by undici fetch alone with the same agent settings, which also makes the checks ` +
          `the protocol asks of a client and the engine makes: PKCE S256, state and nonce, the ` +
          `ID token's signature and claims (iss, aud, exp, iat, nonce) and the signature of the ` +
          `JWT access token, with jose and a JWKS fetched once. Both run against the ` +
          `oidc-provider test server in the same process on 127.0.0.1; warm connections, ` +
          `${WARMUP_ROUNDS} warm-up rounds, ${ROUNDS} rounds that rotate the order of the four ` +
          `contenders. The sign-in between PAR and the code exchange is excluded from every ` +
          `timing. "Requests only" sends the same four requests through HttpClient.send, and ` +
          `through bare undici, without oauth4webapi, checks or token verification.`,
        note:
          `Until this run the baseline sent the requests without any of those checks, so the ` +
          `figure charged the engine for verifying two signatures and the ID token claims; ` +
          `against that requests-only baseline the engine takes ` +
          `${(engineMedian / requestsMedian).toFixed(2)}×. HttpClient alone takes ` +
          `${(recordingMedian / requestsMedian).toFixed(2)}× bare fetch: it sends with undici's ` +
          `request() and builds one Response from the buffered body, where fetch builds its ` +
          `Request, Response and web streams. The in-process server answers in about ` +
          `${formatMs(requestsMedian / 4)} per request, so fixed client-side costs weigh far more ` +
          `here than against a remote server.`,
      },
      {
        name: 'TLS handshakes per flow',
        value: extraHandshakes / ROUNDS,
        unit: 'count',
        goal: { comparison: 'at most', limit: 0 },
        detail: `${extraHandshakes} handshakes in ${ROUNDS} flow sets after warm-up`,
        method:
          'TLS connections opened by the engine\u2019s AgentPool (its handshake count) during the ' +
          `${ROUNDS} measured flow sets above, divided by the number of sets; every set uses the ` +
          'same client certificate and follows the warm-up.',
      },
    ];
  } finally {
    await engine.close();
    await recording.close();
    await bare.close();
    await bareRequests.close();
    await browserAgent.close();
    await server.close();
  }
}

runWhenMain(import.meta.filename, measureFlowOverhead);
