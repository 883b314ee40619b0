import * as oauth from 'oauth4webapi';
import type { Response } from 'undici';
import { ExplorerError } from './errors';
import type { RecordedExchange } from './exchange';
import type { HttpClient } from './httpClient';
import {
  describeValue,
  validateMetadata,
  type MetadataProblem,
  type ServerMetadata,
} from './metadata';

/**
 * `oidc`: OpenID Connect Discovery, `/.well-known/openid-configuration` appended to the issuer.
 * `oauth2`: RFC 8414, `/.well-known/oauth-authorization-server` inserted before the issuer's path.
 * `auto`: `oidc`, then `oauth2` when the first finds no document.
 */
export type DiscoveryKind = 'oidc' | 'oauth2' | 'auto';

export interface DiscoveryResult {
  metadata: ServerMetadata;
  kind: 'oidc' | 'oauth2';
  /** The URL the metadata was read from. */
  url: string;
  warnings: MetadataProblem[];
  /** Every discovery request made, including a failed first attempt under `auto`. */
  exchanges: RecordedExchange[];
}

/**
 * Computes the metadata URL for an issuer.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function discoveryUrl(issuer: URL, kind: 'oidc' | 'oauth2'): URL {
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
  const url = new URL(issuer.origin);
  url.pathname =
    kind === 'oidc'
      ? `${path}/.well-known/openid-configuration`
      : `/.well-known/oauth-authorization-server${path}`;
  return url;
}

/** Parses the issuer the user typed, rejecting what no issuer can be (RFC 8414 section 2). */
export function parseIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer.trim());
  } catch {
    throw new ExplorerError('INVALID_ISSUER', `The issuer "${issuer}" is not a valid URL.`, {
      hint: 'Enter the issuer identifier as an https URL, for example https://login.example.com.',
      detail: { issuer },
    });
  }
  if (url.protocol !== 'https:') {
    throw new ExplorerError('INVALID_ISSUER', `The issuer "${issuer}" does not use https.`, {
      hint: 'Issuer identifiers are https URLs (RFC 8414 section 2).',
      detail: { issuer },
    });
  }
  if (url.search || url.hash) {
    throw new ExplorerError(
      'INVALID_ISSUER',
      `The issuer "${issuer}" has a query or fragment component.`,
      { hint: 'Remove everything after "?" or "#".', detail: { issuer } },
    );
  }
  return url;
}

interface Attempt {
  kind: 'oidc' | 'oauth2';
  url: URL;
  response?: Response;
  exchange?: RecordedExchange;
}

function isDocumentMissing(attempt: Attempt): boolean {
  const status = attempt.response?.status;
  if (status === undefined) return false;
  if (status === 404 || status === 410) return true;
  const type = attempt.response?.headers.get('content-type') ?? '';
  return status === 200 && !type.includes('json');
}

async function readJson(attempt: Attempt, issuer: string): Promise<Record<string, unknown>> {
  const response = attempt.response!;
  const where = `The metadata at ${attempt.url.href}`;
  if (response.status !== 200) {
    throw new ExplorerError(
      'DISCOVERY_FAILED',
      `${where} could not be read: the server answered HTTP ${response.status} ${response.statusText}.`,
      {
        hint: 'Check the issuer URL and the discovery kind (OpenID Connect or RFC 8414).',
        detail: { issuer, url: attempt.url.href, status: response.status },
      },
    );
  }
  const text = await response.clone().text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const encoding = response.headers.get('content-encoding');
    if (encoding && encoding.toLowerCase() !== 'identity') {
      throw new ExplorerError(
        'RESPONSE_NOT_JSON',
        `${where} is not JSON: the response is compressed (content-encoding: ${encoding}).`,
        {
          hint: 'The client sends no accept-encoding header and does not decompress, so the server should not compress this response. Ask the server operator to send it uncompressed.',
          detail: { issuer, url: attempt.url.href, contentEncoding: encoding },
        },
      );
    }
    throw new ExplorerError(
      'RESPONSE_NOT_JSON',
      `${where} is not JSON: ${(cause as Error).message}.`,
      {
        hint: `It starts with ${JSON.stringify(text.slice(0, 60))}; check that the URL serves metadata.`,
        cause,
        detail: { issuer, url: attempt.url.href },
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ExplorerError('INVALID_METADATA', `${where} is JSON but not a JSON object.`, {
      hint: 'Metadata documents are JSON objects (RFC 8414 section 3.2).',
      detail: { issuer, url: attempt.url.href },
    });
  }
  return parsed as Record<string, unknown>;
}

/**
 * Writes a string for a message with every character outside printable ASCII escaped as `\u{...}`,
 * so a zero-width space or a decomposed accent shows up instead of looking like its neighbour.
 */
function escapeInvisible(text: string): string {
  let escaped = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    const printable = code >= 0x20 && code <= 0x7e;
    escaped += printable ? character : `\\u{${code.toString(16).toUpperCase()}}`;
  }
  return escaped;
}

/** Describes where two issuers first differ, by code point, with both characters escaped. */
function describeFirstDifference(expected: string, actual: string): string {
  const left = [...expected];
  const right = [...actual];
  let index = 0;
  while (index < left.length && index < right.length && left[index] === right[index]) index += 1;
  const quote = (character: string): string => `"${escapeInvisible(character)}"`;
  if (left[index] === undefined) {
    return `the expected issuer ends after character ${index}, and the server's continues with ${quote(right[index]!)}`;
  }
  if (right[index] === undefined) {
    return `the server's issuer ends after character ${index}, where ${quote(left[index]!)} is expected`;
  }
  return `they first differ at character ${index + 1}: ${quote(left[index]!)} expected, ${quote(right[index]!)} found`;
}

function issuerMismatchHint(expected: string, actual: unknown): string {
  const exactly = 'issuers are compared exactly, so enter the server’s value.';
  if (typeof actual !== 'string') {
    return 'The issuer member must be a string; report the malformed metadata to the server operator.';
  }
  if (actual.replace(/\/$/, '') === expected.replace(/\/$/, '')) {
    return `They differ only in a trailing slash; ${exactly}`;
  }
  const invisible = /\p{Cf}/gu;
  if (actual.replace(invisible, '') === expected.replace(invisible, '')) {
    return `They differ only in invisible formatting characters, shown escaped above; ${exactly}`;
  }
  if (actual.toLowerCase() === expected.toLowerCase()) {
    return `They differ only in letter case; ${exactly}`;
  }
  if (actual.normalize('NFC') === expected.normalize('NFC')) {
    return `They differ only in Unicode normalization (composed and decomposed forms of the same characters); ${exactly}`;
  }
  return 'Enter the issuer exactly as the server publishes it, or check that the URL points at the right server.';
}

function checkIssuerMatches(expected: string, metadata: Record<string, unknown>, url: URL): void {
  const actual = metadata.issuer;
  if (actual === expected) return;
  const served =
    typeof actual === 'string'
      ? `"${escapeInvisible(actual)}"; ${describeFirstDifference(expected, actual)}`
      : describeValue(actual);
  throw new ExplorerError(
    'ISSUER_MISMATCH',
    `The issuer in the metadata at ${url.href} does not match: expected "${escapeInvisible(expected)}", the server says ${served}.`,
    {
      hint: issuerMismatchHint(expected, actual),
      detail: { expected, actual: typeof actual === 'string' ? actual : served, url: url.href },
    },
  );
}

/**
 * Fetches and validates authorization server metadata. The issuer in the document must equal the
 * requested issuer character for character (OpenID Connect Discovery section 4.3, RFC 8414
 * section 3.3).
 */
export async function discover(
  http: HttpClient,
  issuer: string,
  kind: DiscoveryKind,
  signal?: AbortSignal,
): Promise<DiscoveryResult> {
  const issuerUrl = parseIssuer(issuer);
  const expected = issuer.trim();
  const exchanges: RecordedExchange[] = [];
  const kinds: ('oidc' | 'oauth2')[] = kind === 'auto' ? ['oidc', 'oauth2'] : [kind];

  let attempt: Attempt | undefined;
  for (const candidate of kinds) {
    attempt = await fetchMetadata(http, issuerUrl, candidate, exchanges, signal);
    if (!isDocumentMissing(attempt)) break;
  }
  if (kind === 'auto' && isDocumentMissing(attempt!)) {
    throw new ExplorerError(
      'DISCOVERY_FAILED',
      `No metadata was found for ${expected}: ${exchanges.map((exchange) => `${exchange.url} answered HTTP ${exchange.response?.status}`).join('; ')}.`,
      {
        hint: 'Check the issuer URL; some servers publish metadata only at a custom address.',
        detail: { issuer: expected, urls: exchanges.map((exchange) => exchange.url) },
      },
    );
  }

  const document = await readJson(attempt!, expected);
  checkIssuerMatches(expected, document, attempt!.url);
  const problems = validateOrExplain(document, attempt!);
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) {
    throw new ExplorerError(
      'INVALID_METADATA',
      `The metadata at ${attempt!.url.href} is invalid: ${errors.map((problem) => problem.message).join(' ')}`,
      {
        hint: 'The server publishes malformed metadata; report it to its operator.',
        detail: { url: attempt!.url.href, fields: errors.map((problem) => problem.field) },
      },
    );
  }

  // oauth4webapi's own checks run too, so flows never see metadata it would reject.
  const metadata = (await oauth.processDiscoveryResponse(
    issuerUrl,
    attempt!.response! as unknown as globalThis.Response,
  )) as ServerMetadata;
  return {
    metadata,
    kind: attempt!.kind,
    url: attempt!.url.href,
    warnings: problems.filter((problem) => problem.severity === 'warning'),
    exchanges,
  };
}

/**
 * Runs validateMetadata, turning any unexpected exception into INVALID_METADATA, so that discover()
 * rejects only with ExplorerErrors whatever the server sends.
 */
function validateOrExplain(document: Record<string, unknown>, attempt: Attempt): MetadataProblem[] {
  try {
    return validateMetadata(document, attempt.kind);
  } catch (cause) {
    throw new ExplorerError(
      'INVALID_METADATA',
      `The metadata at ${attempt.url.href} could not be checked: ${(cause as Error).message}.`,
      {
        hint: 'The server publishes malformed metadata; report it to its operator.',
        cause,
        detail: { url: attempt.url.href },
      },
    );
  }
}

async function fetchMetadata(
  http: HttpClient,
  issuer: URL,
  kind: 'oidc' | 'oauth2',
  exchanges: RecordedExchange[],
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  const url = discoveryUrl(issuer, kind);
  const fetchMetadataDocument = http.fetchFor({
    endpoint: 'discovery',
    signal,
    onRecorded: (exchange) => exchanges.push(exchange),
  });
  const response = await fetchMetadataDocument(url.href, {
    method: 'GET',
    headers: { accept: 'application/json' },
  });
  return { kind, url, response };
}
