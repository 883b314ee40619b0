/**
 * Builds a curl command that repeats a recorded request. Secrets never appear in it: the recorded
 * exchange holds only redaction markers, and each marker becomes an environment variable that the
 * user sets, named after the parameter (`client_secret` becomes `$CLIENT_SECRET`).
 */
import type { HeaderPair, RecordedExchange } from '../src/engine/exchange';
import { isFormType, isJsonType, isRedacted, parseForm, splitRedacted } from './format';

type Piece = { literal: string } | { variable: string };

export interface CurlCommand {
  /** The command, preceded by a comment naming the variables to set when there are any. */
  text: string;
  /** Environment variables the command reads, in order of first use. */
  variables: string[];
}

export interface CurlContext {
  /** Used in `--user` for HTTP Basic client authentication, whose recorded value is redacted. */
  client_id?: string;
}

/** Headers that curl sets itself, or that would change how it reads the response. */
const SKIPPED_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'accept-encoding',
]);

/** Characters that need no quoting inside a double-quoted shell word. */
const PLAIN_LITERAL = /^[A-Za-z0-9_./:@%+=,-]*$/;

/** Private-use code points that JSON.stringify keeps as they are, used to mark secrets in JSON. */
const SENTINEL_START = '\uE000';
const SENTINEL_END = '\uE001';

function singleQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function variableReference(name: string, next: Piece | undefined): string {
  const followedByWordCharacter =
    next !== undefined && 'literal' in next && /^\w/.test(next.literal);
  return followedByWordCharacter ? `\${${name}}` : `$${name}`;
}

/**
 * Quotes literal pieces and references variable pieces so that the shell reads one word.
 * Plain literals share one double-quoted string with the variables; any other literal is
 * single-quoted, because double quotes would still expand `$`, backticks and `!`.
 */
function shellWord(pieces: Piece[]): string {
  if (pieces.every((piece) => 'literal' in piece)) {
    return singleQuote(pieces.map((piece) => ('literal' in piece ? piece.literal : '')).join(''));
  }
  const allPlain = pieces.every(
    (piece) => 'variable' in piece || PLAIN_LITERAL.test(piece.literal),
  );
  const parts = pieces.map((piece, index) => {
    if ('literal' in piece) return allPlain ? piece.literal : singleQuote(piece.literal);
    const reference = variableReference(piece.variable, pieces[index + 1]);
    return allPlain ? reference : `"${reference}"`;
  });
  return allPlain ? `"${parts.join('')}"` : parts.join('');
}

/** Converts a parameter or header name into an environment variable name. */
export function variableName(name: string): string {
  const upper = name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(upper) ? `_${upper}` : upper;
}

class CurlBuilder {
  readonly lines: string[][] = [];
  readonly variables: string[] = [];

  use(name: string): Piece {
    if (!this.variables.includes(name)) this.variables.push(name);
    return { variable: name };
  }

  /** Pieces of `text` with each redaction marker replaced by a variable named `name`. */
  replaceMarkers(text: string, name: string): Piece[] {
    return splitRedacted(text).map((piece) =>
      piece.redacted ? this.use(name) : { literal: piece.text },
    );
  }

  add(...words: string[]): void {
    this.lines.push(words);
  }
}

function authorizationArguments(
  builder: CurlBuilder,
  name: string,
  value: string,
  context: CurlContext,
): string[] {
  const space = value.indexOf(' ');
  const scheme = space > 0 ? value.slice(0, space) : '';
  if (scheme.toLowerCase() === 'basic') {
    // NOTE: curl base64-encodes "id:secret" as given, while RFC 6749 section 2.3.1 first
    // form-encodes both, so a client_id or secret with reserved characters needs encoding by hand.
    const user: Piece = context.client_id
      ? { literal: context.client_id }
      : builder.use('CLIENT_ID');
    return ['--user', shellWord([user, { literal: ':' }, builder.use('CLIENT_SECRET')])];
  }
  const tokenSchemes = ['bearer', 'dpop'];
  const variable = tokenSchemes.includes(scheme.toLowerCase())
    ? 'ACCESS_TOKEN'
    : variableName(`${name}_credentials`);
  const credentials = builder.replaceMarkers(value.slice(scheme ? space + 1 : 0), variable);
  const prefix = scheme ? `${name}: ${scheme} ` : `${name}: `;
  return ['--header', shellWord([{ literal: prefix }, ...credentials])];
}

function addHeaders(builder: CurlBuilder, headers: HeaderPair[], context: CurlContext): void {
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (SKIPPED_HEADERS.has(lower)) continue;
    if ((lower === 'authorization' || lower === 'proxy-authorization') && isRedacted(value)) {
      builder.add(...authorizationArguments(builder, name, value, context));
      continue;
    }
    const pieces = builder.replaceMarkers(value, variableName(name));
    builder.add('--header', shellWord([{ literal: `${name}: ` }, ...pieces]));
  }
}

function addFormBody(builder: CurlBuilder, text: string, redacted: readonly string[]): void {
  for (const [name, value] of parseForm(text)) {
    const prefix = { literal: `${encodeURIComponent(name)}=` };
    if (redacted.includes(name) || isRedacted(value)) {
      builder.add('--data-urlencode', shellWord([prefix, builder.use(variableName(name))]));
    } else {
      builder.add('--data-urlencode', shellWord([{ literal: `${prefix.literal}${value}` }]));
    }
  }
}

/** Replaces redacted strings at any depth with numbered sentinels and records their names. */
function markJsonSecrets(value: unknown, memberName: string, names: string[]): unknown {
  if (typeof value === 'string' && isRedacted(value)) {
    names.push(memberName);
    return `${SENTINEL_START}${names.length - 1}${SENTINEL_END}`;
  }
  if (Array.isArray(value)) return value.map((item) => markJsonSecrets(item, memberName, names));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, member]) => [name, markJsonSecrets(member, name, names)]),
  );
}

function jsonBodyPieces(builder: CurlBuilder, text: string): Piece[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const names: string[] = [];
  const json = JSON.stringify(markJsonSecrets(parsed, 'secret', names));
  const sentinel = new RegExp(`${SENTINEL_START}(\\d+)${SENTINEL_END}`, 'g');
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of json.matchAll(sentinel)) {
    pieces.push({ literal: json.slice(last, match.index) });
    pieces.push(builder.use(variableName(names[Number(match[1])]!)));
    last = match.index + match[0].length;
  }
  pieces.push({ literal: json.slice(last) });
  return pieces;
}

function addBody(builder: CurlBuilder, exchange: RecordedExchange): void {
  const body = exchange.request.body;
  if (!body || body.text.length === 0) return;
  if (isFormType(body.contentType)) {
    addFormBody(builder, body.text, body.redacted);
    return;
  }
  const pieces = isJsonType(body.contentType) ? jsonBodyPieces(builder, body.text) : undefined;
  builder.add('--data-raw', shellWord(pieces ?? builder.replaceMarkers(body.text, 'SECRET')));
}

function methodArguments(method: string, hasBody: boolean): string[] {
  const upper = method.toUpperCase();
  const impliedByCurl = hasBody ? upper === 'POST' : upper === 'GET';
  return impliedByCurl ? [] : ['--request', upper];
}

function certificateHint(variables: string[]): string {
  const paths = variables.includes('CLIENT_CERT')
    ? ' (CLIENT_CERT and CLIENT_KEY are paths of PEM files)'
    : '';
  return `# Set these environment variables first: ${variables.join(', ')}${paths}.`;
}

/**
 * Builds the command for one exchange. The client certificate becomes `--cert "$CLIENT_CERT"
 * --key "$CLIENT_KEY"` when the connection offered one.
 */
export function buildCurlCommand(
  exchange: RecordedExchange,
  context: CurlContext = {},
): CurlCommand {
  const builder = new CurlBuilder();
  const hasBody = (exchange.request.body?.text.length ?? 0) > 0;
  builder.add('curl', ...methodArguments(exchange.method, hasBody), singleQuote(exchange.url));
  if (exchange.tls?.clientCertificate) {
    builder.add('--cert', shellWord([builder.use('CLIENT_CERT')]));
    builder.add('--key', shellWord([builder.use('CLIENT_KEY')]));
  }
  addHeaders(builder, exchange.request.headers, context);
  addBody(builder, exchange);

  const command = builder.lines.map((words) => words.join(' ')).join(' \\\n  ');
  const text =
    builder.variables.length > 0 ? `${certificateHint(builder.variables)}\n${command}` : command;
  return { text, variables: builder.variables };
}
