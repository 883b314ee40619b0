/**
 * Token verification: the inspector's decode-and-verify path (inspectToken) against jose's
 * jwtVerify, with the same keys and the same cached local JWKS.
 */
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { inspectToken, type KeySource } from '../src/engine/tokens';
import type { Figure } from './lib/figure';
import { runWhenMain } from './lib/report';
import { formatMs, interleave, median, sum } from './lib/statistics';

const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
type Algorithm = (typeof ALGORITHMS)[number];
const TOKEN_COUNT = 10_000;
const TOKENS_PER_ALGORITHM = TOKEN_COUNT / ALGORITHMS.length;
const WARMUP_ROUNDS = 1;
const ROUNDS = 7;
const ISSUER = 'https://issuer.bench.example';

interface SignedSet {
  algorithm: Algorithm;
  tokens: string[];
}

/** Creates one key pair per algorithm, a JWKS of the public keys, and the signed tokens. */
async function createTokens(): Promise<{ sets: SignedSet[]; jwks: jose.JSONWebKeySet }> {
  const jwks: jose.JSONWebKeySet = { keys: [] };
  const sets: SignedSet[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (const algorithm of ALGORITHMS) {
    const { privateKey, publicKey } = await jose.generateKeyPair(algorithm, { extractable: true });
    const kid = `${algorithm.toLowerCase()}-key`;
    jwks.keys.push({ ...(await jose.exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' });
    const tokens: string[] = [];
    for (let index = 0; index < TOKENS_PER_ALGORITHM; index += 1) {
      tokens.push(
        await new jose.SignJWT({ scope: 'api:read', client_id: 'bench-client' })
          .setProtectedHeader({ alg: algorithm, kid, typ: 'at+jwt' })
          .setIssuer(ISSUER)
          .setAudience('https://api.bench.example')
          .setSubject(`subject-${index}`)
          .setJti(randomUUID())
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(privateKey),
      );
    }
    sets.push({ algorithm, tokens });
  }
  return { sets, jwks };
}

async function timeInspector(tokens: readonly string[], keys: KeySource): Promise<number> {
  const started = performance.now();
  for (const token of tokens) {
    const inspected = await inspectToken('access_token', token, keys);
    if (inspected.verification.status !== 'verified') {
      throw new Error(`inspectToken did not verify a token: ${JSON.stringify(inspected)}`);
    }
  }
  return performance.now() - started;
}

async function timeJose(tokens: readonly string[], getKey: jose.JWTVerifyGetKey): Promise<number> {
  const started = performance.now();
  for (const token of tokens) await jose.jwtVerify(token, getKey);
  return performance.now() - started;
}

export async function measureTokenVerification(): Promise<Figure[]> {
  const { sets, jwks } = await createTokens();
  // One key set for both paths: jose imports each key once per set and keeps it.
  const getKey = jose.createLocalJWKSet(jwks);
  const keys: KeySource = { getKey, name: 'local JWKS' };

  const perAlgorithm = new Map<Algorithm, { inspector: number; jose: number }>();
  for (const { algorithm, tokens } of sets) {
    const contenders = {
      jose: () => timeJose(tokens, getKey),
      inspector: () => timeInspector(tokens, keys),
    };
    await interleave(WARMUP_ROUNDS, contenders);
    const samples = await interleave(ROUNDS, contenders);
    perAlgorithm.set(algorithm, {
      inspector: median(samples.inspector),
      jose: median(samples.jose),
    });
  }

  const inspectorTotal = sum([...perAlgorithm.values()].map((times) => times.inspector));
  const joseTotal = sum([...perAlgorithm.values()].map((times) => times.jose));
  const perSecond = (milliseconds: number) => Math.round((TOKEN_COUNT * 1000) / milliseconds);
  const figures: Figure[] = [
    {
      name: 'Token verification',
      value: joseTotal / inspectorTotal,
      unit: 'ratio',
      goal: { comparison: 'at least', limit: 0.9 },
      detail:
        `inspector ${perSecond(inspectorTotal)}/s, jose ${perSecond(joseTotal)}/s ` +
        `(${formatMs(inspectorTotal)} vs ${formatMs(joseTotal)} for ${TOKEN_COUNT})`,
      method:
        `Throughput of inspectToken (decode, signature verification, certificate binding check) ` +
        `divided by that of jose.jwtVerify (signature and claims), each verifying the same ` +
        `${TOKEN_COUNT} JWTs one after another, ${TOKENS_PER_ALGORITHM} per algorithm ` +
        `(${ALGORITHMS.join(', ')}), with one cached local JWKS for both; per algorithm the ` +
        `median of ${ROUNDS} interleaved rounds after ${WARMUP_ROUNDS} warm-up round, summed.`,
    },
  ];
  for (const [algorithm, times] of perAlgorithm) {
    figures.push({
      name: `Token verification ${algorithm}`,
      value: times.jose / times.inspector,
      unit: 'ratio',
      goal: { comparison: 'at least', limit: 0.9 },
      detail: `inspector ${formatMs(times.inspector)}, jose ${formatMs(times.jose)} for ${TOKENS_PER_ALGORITHM}`,
      method: `As "Token verification", for the ${algorithm} tokens only.`,
    });
  }
  return figures;
}

runWhenMain(import.meta.filename, measureTokenVerification);
