/**
 * Builds a POSIX shell script of curl commands that repeats the HTTP requests of a recorded run.
 * No secret is written into the script: the recorded exchanges hold only redaction markers, and
 * each marker becomes an environment variable that the script requires before it sends anything.
 * Certificate, key and CA paths are variables too, with the configured files as defaults.
 */
import type { HeaderPair, RecordedExchange } from './exchange';

/** The run whose requests the script repeats. */
export interface CurlScriptInput {
  title: string;
  issuer: string;
  client_id: string;
  startedAt: string;
  exchanges: RecordedExchange[];
}

export interface CurlScriptOptions {
  /** Client certificate file, sent with `--cert` on requests that presented it in the run. */
  certificateFile?: string;
  /** Private key of the client certificate, sent with `--key`. */
  keyFile?: string;
  /** True when the key file is encrypted: curl then reads its passphrase from `$KEY_PASSPHRASE`. */
  keyEncrypted?: boolean;
  /** CA certificates for `--cacert`, which curl trusts in place of its default bundle. */
  caFiles?: string[];
}

export interface CurlScript {
  text: string;
  /** Environment variables the user must set, in order of first use. */
  secretVariables: string[];
}

/**
 * The marker that `redactValue` in redaction.ts writes in place of a secret:
 * `[redacted: N chars, sha256 XXXXXXXX]`.
 */
const REDACTION_MARKER = /\[redacted: \d+ chars, sha256 [A-Za-z0-9_-]+\]/;

/** Headers that curl sets itself, or that would change how it reads the response. */
const SKIPPED_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'accept-encoding',
  'user-agent',
]);

/** Form parameters that a server accepts once, so the script takes them from the environment. */
const SINGLE_USE_PARAMETERS: Record<string, string> = {
  code: 'AUTHORIZATION_CODE',
};

/** Help shown next to each variable, for the names the flows produce. */
const VARIABLE_HELP: Record<string, string> = {
  CLIENT_SECRET: 'the client secret',
  CLIENT_ASSERTION: 'a fresh private_key_jwt client assertion (a signed JWT, valid for minutes)',
  CODE_VERIFIER: 'the PKCE code_verifier of the authorization request',
  REFRESH_TOKEN: 'the refresh token',
  ACCESS_TOKEN: 'the access token',
  TOKEN: 'the token to introspect or revoke',
  AUTHORIZATION_CODE: 'a new authorization code (each code is accepted once)',
  KEY_PASSPHRASE: 'the passphrase of the private key',
};

type Piece = { literal: string } | { variable: string };

function singleQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Joins pieces into one shell word, with literals in single quotes and variables in double quotes. */
function shellWord(pieces: Piece[]): string {
  if (pieces.length === 0) return "''";
  const merged: Piece[] = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (last && 'literal' in last && 'literal' in piece) last.literal += piece.literal;
    else merged.push({ ...piece });
  }
  return merged
    .map((piece) => ('literal' in piece ? singleQuote(piece.literal) : `"\${${piece.variable}}"`))
    .join('');
}

/** Converts a parameter or header name into an environment variable name. */
export function variableName(name: string): string {
  const upper = name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(upper) ? `_${upper}` : upper;
}

class ScriptBuilder {
  readonly secrets: string[] = [];

  use(name: string): { variable: string } {
    if (!this.secrets.includes(name)) this.secrets.push(name);
    return { variable: name };
  }

  /** Splits `text` at redaction markers, each of which becomes the variable `name`. */
  replaceMarkers(text: string, name: string): Piece[] {
    const pieces: Piece[] = [];
    let rest = text;
    for (let match = REDACTION_MARKER.exec(rest); match; match = REDACTION_MARKER.exec(rest)) {
      if (match.index > 0) pieces.push({ literal: rest.slice(0, match.index) });
      pieces.push(this.use(name));
      rest = rest.slice(match.index + match[0].length);
    }
    if (rest.length > 0) pieces.push({ literal: rest });
    return pieces;
  }
}

function headerArguments(
  builder: ScriptBuilder,
  [name, value]: HeaderPair,
  client_id: string,
): string[] {
  const lower = name.toLowerCase();
  if (SKIPPED_HEADERS.has(lower)) return [];
  const space = value.indexOf(' ');
  const scheme = space > 0 ? value.slice(0, space) : '';
  const redacted = REDACTION_MARKER.test(value);
  if (lower === 'authorization' && redacted && scheme.toLowerCase() === 'basic') {
    // NOTE: curl base64-encodes "id:secret" as given, but RFC 6749 section 2.3.1 form-encodes
    // both first, so a client_id or secret with reserved characters must be encoded by hand.
    return ['--user', shellWord([{ literal: `${client_id}:` }, builder.use('CLIENT_SECRET')])];
  }
  if (lower === 'authorization' && redacted) {
    const variable = ['bearer', 'dpop'].includes(scheme.toLowerCase())
      ? 'ACCESS_TOKEN'
      : 'AUTHORIZATION_CREDENTIALS';
    const credentials = builder.replaceMarkers(value.slice(space + 1), variable);
    return ['--header', shellWord([{ literal: `${name}: ${scheme} ` }, ...credentials])];
  }
  return [
    '--header',
    shellWord([{ literal: `${name}: ` }, ...builder.replaceMarkers(value, variableName(name))]),
  ];
}

function formArguments(builder: ScriptBuilder, text: string): string[] {
  const words: string[] = [];
  for (const [name, value] of new URLSearchParams(text)) {
    const prefix = { literal: `${name}=` };
    const single = SINGLE_USE_PARAMETERS[name];
    let pieces: Piece[];
    if (single) pieces = [prefix, builder.use(single)];
    else if (REDACTION_MARKER.test(value)) pieces = [prefix, builder.use(variableName(name))];
    else pieces = [{ literal: `${name}=${value}` }];
    words.push('--data-urlencode', shellWord(pieces));
  }
  return words;
}

function bodyArguments(builder: ScriptBuilder, exchange: RecordedExchange): string[] {
  const body = exchange.request.body;
  if (!body || body.text.length === 0) return [];
  if (/^application\/x-www-form-urlencoded/i.test(body.contentType ?? '')) {
    return formArguments(builder, body.text);
  }
  // JSON and other bodies: markers anywhere in the text become variables named "SECRET".
  return ['--data-binary', shellWord(builder.replaceMarkers(body.text, 'SECRET'))];
}

/** Returns whether the run presented the client certificate on this request's connection. */
function presentedCertificate(exchange: RecordedExchange): boolean {
  return Boolean(exchange.route?.presentsCertificate || exchange.tls?.clientCertificate);
}

function commandFor(
  builder: ScriptBuilder,
  exchange: RecordedExchange,
  input: CurlScriptInput,
  options: CurlScriptOptions,
): string[] {
  // --fail-with-body (curl 7.76 and later) stops the script at an HTTP error, with the
  // response still printed, and --write-out ends each response with a newline.
  const words: string[][] = [
    ['curl', '--silent', '--show-error', '--include', '--fail-with-body'],
    ['--write-out', "'\\n'"],
  ];
  if (options.caFiles?.length) words.push(['--cacert', '"${CA_FILE}"']);
  if (presentedCertificate(exchange) && options.certificateFile && options.keyFile) {
    words.push(['--cert', '"${CLIENT_CERTIFICATE}"', '--key', '"${CLIENT_KEY}"']);
    if (options.keyEncrypted)
      words.push(['--pass', `"\${${builder.use('KEY_PASSPHRASE').variable}}"`]);
  }
  if (exchange.method !== 'GET' || exchange.request.body) {
    words.push(['--request', exchange.method]);
  }
  for (const header of exchange.request.headers) {
    const argumentsForHeader = headerArguments(builder, header, input.client_id);
    if (argumentsForHeader.length > 0) words.push(argumentsForHeader);
  }
  const body = bodyArguments(builder, exchange);
  for (let index = 0; index < body.length; index += 2) words.push(body.slice(index, index + 2));
  words.push([singleQuote(exchange.url)]);
  return words.map((line) => line.join(' '));
}

function describeExchange(exchange: RecordedExchange, index: number): string[] {
  const lines = [`# ${index + 1}. ${exchange.endpoint}: ${exchange.method} ${exchange.url}`];
  if (exchange.route) lines.push(`#    ${exchange.route.reason}`);
  if (exchange.error) {
    lines.push(
      `#    In the run this request failed: ${exchange.error.code} ${exchange.error.message}`,
    );
  } else if (exchange.response) {
    lines.push(`#    In the run the server answered HTTP ${exchange.response.status}.`);
  }
  return lines.map((line) => line.replace(/[\r\n]+/g, ' '));
}

function header(
  input: CurlScriptInput,
  builder: ScriptBuilder,
  options: CurlScriptOptions,
): string[] {
  const lines = [
    '#!/bin/sh',
    `# ${input.title} as ${input.client_id} at ${input.issuer}, recorded ${input.startedAt}.`,
    '# Repeats each HTTP request of the run with curl. Secrets are not in this file: set the',
    '# variables below in the environment first. Requests that depend on an earlier response',
    '# (a code, a request_uri, a token) need the new value from that response.',
    'set -eu',
    '',
  ];
  for (const name of builder.secrets) {
    const help = VARIABLE_HELP[name] ?? `the value of ${name.toLowerCase()}`;
    lines.push(`: "\${${name}:?Set ${name} to ${help.replace(/"/g, "'")}.}"`);
  }
  if (options.certificateFile && options.keyFile) {
    lines.push(`CLIENT_CERTIFICATE="\${CLIENT_CERTIFICATE:-${options.certificateFile}}"`);
    lines.push(`CLIENT_KEY="\${CLIENT_KEY:-${options.keyFile}}"`);
  }
  if (options.caFiles?.length) {
    if (options.caFiles.length > 1) {
      lines.push('# curl reads one --cacert file: concatenate these into one to trust them all:');
      for (const file of options.caFiles) lines.push(`#   ${file}`);
    }
    lines.push(`CA_FILE="\${CA_FILE:-${options.caFiles[0]}}"`);
  }
  return lines;
}

/** Quotes a default path for use inside `"${NAME:-...}"`, where `$`, backquote, `"` and `\` are special. */
function escapeDefaults(options: CurlScriptOptions): CurlScriptOptions {
  const escape = (file: string) => file.replace(/[$`"\\]/g, '\\$&');
  return {
    ...options,
    certificateFile: options.certificateFile && escape(options.certificateFile),
    keyFile: options.keyFile && escape(options.keyFile),
    caFiles: options.caFiles?.map(escape),
  };
}

/**
 * Builds the script for a run. Requests are repeated in the order they were sent; those that
 * presented the client certificate get `--cert` and `--key`.
 */
export function buildCurlScript(
  input: CurlScriptInput,
  options: CurlScriptOptions = {},
): CurlScript {
  const builder = new ScriptBuilder();
  const escaped = escapeDefaults(options);
  const body: string[] = [];
  input.exchanges.forEach((exchange, index) => {
    body.push('', ...describeExchange(exchange, index));
    body.push(commandFor(builder, exchange, input, escaped).join(' \\\n  '));
  });
  const lines = [...header(input, builder, escaped), ...body, ''];
  return { text: lines.join('\n'), secretVariables: [...builder.secrets] };
}
