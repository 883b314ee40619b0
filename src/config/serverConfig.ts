import * as jsonc from 'jsonc-parser';
import { CLIENT_AUTH_METHODS, type ClientAuthMethod } from '../engine/clientAuthMethods';

/**
 * One client of a server as kept in `.vscode/oauth-explorer.json`. Secrets are never here: client
 * secrets, key passphrases and refresh tokens live in VS Code's SecretStorage.
 */
export interface ClientConfig {
  client_id: string;
  token_endpoint_auth_method: ClientAuthMethod;
  /** Route requests to `mtls_endpoint_aliases` (RFC 8705 section 5); the setting's default when absent. */
  use_mtls_endpoint_aliases?: boolean;
  /** PEM client certificate, relative to the workspace folder or absolute. */
  certificateFile?: string;
  /** PEM private key of the client certificate. */
  keyFile?: string;
  /** PEM private key or private JWK for private_key_jwt. */
  signingKeyFile?: string;
  signingKeyId?: string;
  signingAlgorithm?: string;
  /** Default scope for flows run as this client. */
  scope?: string;
  /** Default RFC 8707 resource indicators. */
  resource?: string[];
  /** Default response_mode for the authorization code flow. */
  response_mode?: string;
}

export interface ServerConfig {
  /** Stable identifier, used to key secrets; derived from the issuer when absent in the file. */
  id: string;
  label?: string;
  issuer: string;
  discovery?: 'oidc' | 'oauth2' | 'auto';
  /** PEM CA certificates trusted for this server in addition to the system roots. */
  extraCaFiles?: string[];
  clients: ClientConfig[];
}

export interface ConfigProblem {
  /** JSON path of the value at fault, such as `servers[0].clients[1].token_endpoint_auth_method`. */
  path: string;
  /** One-based line of the value, when the text is available. */
  line?: number;
  message: string;
}

export interface ParsedConfig {
  servers: ServerConfig[];
  problems: ConfigProblem[];
}

const DISCOVERY_KINDS = ['oidc', 'oauth2', 'auto'];

/** Derives a stable identifier from an issuer URL, for servers whose file entry has none. */
export function serverIdFromIssuer(issuer: string): string {
  return issuer
    .replace(/^https?:\/\//, '')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < text.length; index += 1) {
    if (text.charCodeAt(index) === 10) line += 1;
  }
  return line;
}

class ProblemCollector {
  readonly problems: ConfigProblem[] = [];
  constructor(
    private readonly text: string,
    private readonly tree: jsonc.Node | undefined,
  ) {}

  add(path: (string | number)[], message: string): void {
    const node = this.tree && jsonc.findNodeAtLocation(this.tree, path);
    this.problems.push({
      path: formatPath(path),
      line: node ? lineOf(this.text, node.offset) : undefined,
      message,
    });
  }
}

export function formatPath(path: (string | number)[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`,
    )
    .join('');
}

function optionalString(
  value: Record<string, unknown>,
  name: string,
  path: (string | number)[],
  problems: ProblemCollector,
): string | undefined {
  const member = value[name];
  if (member === undefined) return undefined;
  if (typeof member !== 'string') {
    problems.add([...path, name], `${name} must be a string.`);
    return undefined;
  }
  return member;
}

function optionalStrings(
  value: Record<string, unknown>,
  name: string,
  path: (string | number)[],
  problems: ProblemCollector,
): string[] | undefined {
  const member = value[name];
  if (member === undefined) return undefined;
  if (!Array.isArray(member) || member.some((item) => typeof item !== 'string')) {
    problems.add([...path, name], `${name} must be a list of strings.`);
    return undefined;
  }
  return member as string[];
}

function parseClient(
  value: unknown,
  path: (string | number)[],
  problems: ProblemCollector,
): ClientConfig | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.add(path, 'Each client must be a JSON object.');
    return undefined;
  }
  const object = value as Record<string, unknown>;
  const clientId = object.client_id;
  if (typeof clientId !== 'string' || clientId.length === 0) {
    problems.add([...path, 'client_id'], 'client_id must be a non-empty string.');
    return undefined;
  }
  const method = object.token_endpoint_auth_method;
  if (!CLIENT_AUTH_METHODS.includes(method as ClientAuthMethod)) {
    problems.add(
      [...path, 'token_endpoint_auth_method'],
      `token_endpoint_auth_method ${JSON.stringify(method)} is not one of ${CLIENT_AUTH_METHODS.join(', ')}.`,
    );
    return undefined;
  }
  const aliases = object.use_mtls_endpoint_aliases;
  if (aliases !== undefined && typeof aliases !== 'boolean') {
    problems.add(
      [...path, 'use_mtls_endpoint_aliases'],
      'use_mtls_endpoint_aliases must be true or false.',
    );
  }
  return {
    ...(object as Partial<ClientConfig>),
    client_id: clientId,
    token_endpoint_auth_method: method as ClientAuthMethod,
    use_mtls_endpoint_aliases: typeof aliases === 'boolean' ? aliases : undefined,
    certificateFile: optionalString(object, 'certificateFile', path, problems),
    keyFile: optionalString(object, 'keyFile', path, problems),
    signingKeyFile: optionalString(object, 'signingKeyFile', path, problems),
    scope: optionalString(object, 'scope', path, problems),
    resource: optionalStrings(object, 'resource', path, problems),
    response_mode: optionalString(object, 'response_mode', path, problems),
  };
}

function parseServer(
  value: unknown,
  path: (string | number)[],
  problems: ProblemCollector,
): ServerConfig | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.add(path, 'Each server must be a JSON object.');
    return undefined;
  }
  const object = value as Record<string, unknown>;
  if (typeof object.issuer !== 'string' || object.issuer.length === 0) {
    problems.add([...path, 'issuer'], 'issuer must be a non-empty string.');
    return undefined;
  }
  const discovery = object.discovery;
  if (discovery !== undefined && !DISCOVERY_KINDS.includes(discovery as string)) {
    problems.add([...path, 'discovery'], `discovery must be one of ${DISCOVERY_KINDS.join(', ')}.`);
  }
  const clientValues = object.clients ?? [];
  if (!Array.isArray(clientValues)) problems.add([...path, 'clients'], 'clients must be a list.');
  const clients = (Array.isArray(clientValues) ? clientValues : [])
    .map((client, index) => parseClient(client, [...path, 'clients', index], problems))
    .filter((client): client is ClientConfig => client !== undefined);

  return {
    ...(object as Partial<ServerConfig>),
    id: optionalString(object, 'id', path, problems) ?? serverIdFromIssuer(object.issuer),
    label: optionalString(object, 'label', path, problems),
    issuer: object.issuer,
    discovery: DISCOVERY_KINDS.includes(discovery as string)
      ? (discovery as ServerConfig['discovery'])
      : undefined,
    extraCaFiles: optionalStrings(object, 'extraCaFiles', path, problems),
    clients,
  };
}

/**
 * Parses the configuration file (JSON with comments). Syntax errors and invalid values are
 * reported with their path and line; valid entries are returned alongside, so one bad server does
 * not hide the others.
 */
export function parseConfig(text: string): ParsedConfig {
  const syntaxErrors: jsonc.ParseError[] = [];
  const value: unknown = jsonc.parse(text, syntaxErrors, { allowTrailingComma: true });
  const tree = jsonc.parseTree(text, [], { allowTrailingComma: true });
  const problems = new ProblemCollector(text, tree);
  for (const error of syntaxErrors) {
    problems.problems.push({
      path: '',
      line: lineOf(text, error.offset),
      message: `Invalid JSON: ${jsonc.printParseErrorCode(error.error)}.`,
    });
  }
  if (syntaxErrors.length > 0) return { servers: [], problems: problems.problems };
  if (text.trim().length === 0) return { servers: [], problems: [] };

  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.add([], 'The file must hold a JSON object with a "servers" list.');
    return { servers: [], problems: problems.problems };
  }
  const serverValues = (value as { servers?: unknown }).servers ?? [];
  if (!Array.isArray(serverValues)) {
    problems.add(['servers'], 'servers must be a list.');
    return { servers: [], problems: problems.problems };
  }
  const servers = serverValues
    .map((server, index) => parseServer(server, ['servers', index], problems))
    .filter((server): server is ServerConfig => server !== undefined);
  const seen = new Set<string>();
  servers.forEach((server, index) => {
    if (seen.has(server.id))
      problems.add(['servers', index, 'id'], `The server id ${server.id} is used twice.`);
    seen.add(server.id);
  });
  return { servers, problems: problems.problems };
}

const FORMAT: jsonc.FormattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };

/**
 * Returns the file text with one server added or replaced, changing only that entry so the rest
 * of the file (comments, unknown keys, formatting) stays as the user wrote it.
 */
export function upsertServer(text: string, server: ServerConfig): string {
  const source = text.trim().length === 0 ? '{\n  "servers": []\n}\n' : text;
  const parsed = jsonc.parse(source, [], { allowTrailingComma: true }) as { servers?: unknown[] };
  const servers = Array.isArray(parsed?.servers) ? parsed.servers : undefined;
  const index = (servers ?? []).findIndex(
    (entry) =>
      entry !== null &&
      typeof entry === 'object' &&
      ((entry as { id?: string }).id === server.id ||
        ((entry as { id?: string }).id === undefined &&
          serverIdFromIssuer(String((entry as { issuer?: string }).issuer)) === server.id)),
  );
  const path =
    servers === undefined ? ['servers'] : ['servers', index === -1 ? servers.length : index];
  const value = servers === undefined ? [server] : server;
  const edits = jsonc.modify(source, path, value, {
    formattingOptions: FORMAT,
    isArrayInsertion: servers !== undefined && index === -1,
  });
  return jsonc.applyEdits(source, edits);
}

/** Returns the file text without the server with this id. */
export function removeServer(text: string, serverId: string): string {
  const parsed = jsonc.parse(text, [], { allowTrailingComma: true }) as { servers?: unknown[] };
  const servers = Array.isArray(parsed?.servers) ? parsed.servers : [];
  const index = servers.findIndex(
    (entry) =>
      entry !== null &&
      typeof entry === 'object' &&
      ((entry as { id?: string }).id ??
        serverIdFromIssuer(String((entry as { issuer?: string }).issuer))) === serverId,
  );
  if (index === -1) return text;
  const edits = jsonc.modify(text, ['servers', index], undefined, { formattingOptions: FORMAT });
  return jsonc.applyEdits(text, edits);
}
