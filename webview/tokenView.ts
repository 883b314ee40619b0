/**
 * One inspected token: its verification and certificate-binding status, then header, claims and
 * signature, and the raw token. The host has already decoded and verified it.
 */
import type {
  BindingResult,
  DecodedJws,
  InspectedToken,
  VerificationResult,
} from '../src/engine/tokens';
import { codeBlock, jsonBlock } from './bodyView';
import { CLAIM_EXPLANATIONS, TIME_CLAIMS } from './claims';
import { button, h, srOnly, type Child } from './dom';
import { formatRelative } from './format';

type Tone = 'ok' | 'warning' | 'error' | 'neutral';

function statusLine(tone: Tone, kind: string, label: string, text: Child[]): HTMLElement {
  return h('p', { class: `status-line-${tone} ${kind}` }, h('strong', {}, `${label}: `), ...text);
}

function verificationLine(result: VerificationResult): HTMLElement {
  switch (result.status) {
    case 'verified': {
      const kid = result.kid ? `, kid ${result.kid}` : '';
      return statusLine('ok', 'verification verified', 'Signature verified', [
        `${result.alg}${kid}, with a key from ${result.keySource}`,
      ]);
    }
    case 'failed': {
      const facts = [result.alg && `alg ${result.alg}`, result.kid && `kid ${result.kid}`].filter(
        Boolean,
      );
      const suffix = facts.length > 0 ? ` (${facts.join(', ')})` : '';
      return statusLine('error', 'verification failed', 'Signature verification failed', [
        `${result.reason}${suffix}`,
      ]);
    }
    case 'unsecured':
      return statusLine('error', 'verification unsecured', 'Unsecured token (alg: none)', [
        result.reason,
      ]);
    case 'encrypted':
      return statusLine('neutral', 'verification encrypted', 'Encrypted (JWE)', [result.reason]);
    case 'opaque':
      return statusLine('neutral', 'verification opaque', 'Opaque token', [result.reason]);
    case 'skipped':
      return statusLine('warning', 'verification skipped', 'Signature not verified', [
        result.reason,
      ]);
  }
}

function bindingLine(binding: BindingResult): HTMLElement {
  switch (binding.status) {
    case 'match':
      return statusLine('ok', 'binding match', 'Certificate binding', [
        'cnf["x5t#S256"] matches the client certificate ',
        h('code', {}, binding.thumbprint),
      ]);
    case 'mismatch':
      return statusLine('error', 'binding mismatch', 'Certificate binding mismatch', [
        'the token is bound to ',
        h('code', { class: 'binding-actual' }, binding.actual),
        ' but the client certificate is ',
        h('code', { class: 'binding-expected' }, binding.expected),
      ]);
    case 'absent':
      return statusLine('neutral', 'binding absent', 'Certificate binding', [binding.reason]);
    case 'no-certificate':
      return statusLine('warning', 'binding no-certificate', 'Certificate binding', [
        'the token is bound to certificate ',
        h('code', {}, binding.actual),
        ', but the run used no client certificate',
      ]);
  }
}

function timeValue(value: unknown, now: number): Child {
  if (typeof value !== 'number' || !Number.isFinite(value)) return JSON.stringify(value);
  const date = new Date(value * 1000);
  if (Number.isNaN(date.getTime())) return String(value);
  return h(
    'span',
    { class: 'time-claim' },
    h('span', { class: 'iso' }, date.toISOString()),
    ' ',
    h('span', { class: 'relative' }, `(${formatRelative(date.getTime(), now)})`),
    h('span', { class: 'raw-number' }, ` ${value}`),
  );
}

function claimValue(name: string, value: unknown, now: number): Child {
  if (TIME_CLAIMS.has(name)) return timeValue(value, now);
  if (typeof value === 'string') return value;
  return h('code', { class: 'json-value' }, JSON.stringify(value));
}

function claimName(name: string): HTMLElement {
  const explanation = CLAIM_EXPLANATIONS[name];
  if (!explanation) return h('span', { class: 'claim-name' }, name);
  return h(
    'span',
    { class: 'claim-name registered', tabindex: 0, 'data-tip': explanation },
    name,
    srOnly(`: ${explanation}`),
  );
}

function claimsTable(claims: Record<string, unknown>, now: number): HTMLElement {
  const rows = Object.entries(claims).map(([name, value]) =>
    h(
      'tr',
      { 'data-claim': name },
      h('th', { scope: 'row' }, claimName(name)),
      h('td', {}, claimValue(name, value, now)),
    ),
  );
  return h(
    'table',
    { class: 'pairs claims' },
    h('caption', { class: 'visually-hidden' }, 'Claims'),
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, 'Claim'), h('th', { scope: 'col' }, 'Value')),
    ),
    h('tbody', {}, ...rows),
  );
}

function jwsParts(decoded: DecodedJws, now: number): Child[] {
  const payload = decoded.claims
    ? claimsTable(decoded.claims, now)
    : codeBlock(decoded.payloadText ?? '', 'Payload');
  const signatures = decoded.signatures.map((entry) =>
    h('code', { class: 'signature' }, entry.signature.length > 0 ? entry.signature : '(empty)'),
  );
  return [
    h('h4', {}, `Header (JWS, ${decoded.serialization} serialization)`),
    jsonBlock(decoded.header, 'Header'),
    h('h4', {}, decoded.claims ? 'Claims' : 'Payload'),
    payload,
    h('h4', {}, decoded.signatures.length > 1 ? 'Signatures' : 'Signature'),
    ...signatures,
  ];
}

function decodedParts(token: InspectedToken, now: number): Child[] {
  const decoded = token.decoded;
  if (token.decodeError || !decoded) {
    return [
      h(
        'p',
        { class: 'decode-error', role: 'note' },
        h('strong', {}, 'Could not decode: '),
        token.decodeError ?? 'no decoded form was sent.',
      ),
    ];
  }
  if (decoded.format === 'jwe') {
    return [
      h('h4', {}, 'Protected header (JWE)'),
      jsonBlock(decoded.header, 'JWE protected header'),
    ];
  }
  if (decoded.format === 'opaque') {
    return [
      h('p', {}, `Opaque token of ${decoded.length} characters; only the server can read it.`),
    ];
  }
  return jwsParts(decoded, now);
}

/** Renders one token; `now` (milliseconds) is the reference for relative times. */
export function renderToken(
  token: InspectedToken,
  copy: (text: string, what: string) => void,
  now = Date.now(),
): HTMLElement {
  const failedDecode = token.decodeError !== undefined || token.decoded === undefined;
  const raw = h(
    'details',
    { class: 'raw-token', open: failedDecode },
    h('summary', {}, 'Raw token'),
    codeBlock(token.token, `Raw ${token.label}`),
  );
  return h(
    'section',
    { class: 'token', 'data-label': token.label, 'aria-label': token.label },
    h('h3', {}, token.label),
    verificationLine(token.verification),
    token.binding ? bindingLine(token.binding) : null,
    token.claimsValidation ? h('p', { class: 'claims-validation' }, token.claimsValidation) : null,
    ...decodedParts(token, now),
    h(
      'div',
      { class: 'actions' },
      button('Copy token', () => copy(token.token, token.label), {
        label: `Copy the ${token.label}`,
      }),
    ),
    raw,
  );
}
