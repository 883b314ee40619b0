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
  /** Offset and length of the value (or of the syntax error) in the text. */
  offset?: number;
  length?: number;
  /** `warning` for values that are ignored but do not stop the entry from loading. */
  severity: 'error' | 'warning';
  message: string;
}

export interface ParsedConfig {
  servers: ServerConfig[];
  problems: ConfigProblem[];
}

const DISCOVERY_KINDS = ['oidc', 'oauth2', 'auto'];

/** Member names that would hold a secret; the parser warns about them and never uses them. */
const SECRET_MEMBERS = [
  'client_secret',
  'clientSecret',
  'keyPassphrase',
  'passphrase',
  'signingKeyPassphrase',
  'refresh_token',
];

/** Derives a stable identifier from an issuer URL, for servers whose file entry has none. */
export function serverIdFromIssuer(issuer: string): string {
  return issuer
    .replace(/^https?:\/\//, '')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Checks an issuer identifier (RFC 8414 section 2): an https URL without query or fragment. */
export function validateIssuer(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'Enter an https URL such as https://login.example.com.';
  }
  if (url.protocol !== 'https:') return 'The issuer must be an https URL.';
  if (url.search || url.hash) return 'The issuer must have no query or fragment.';
  return undefined;
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

  add(
    path: (string | number)[],
    message: string,
    severity: ConfigProblem['severity'] = 'error',
  ): void {
    const node = this.tree && jsonc.findNodeAtLocation(this.tree, path);
    // A value's own node; for a member that is missing, the object that should contain it.
    const target = node ?? this.closestNode(path);
    this.problems.push({
      path: formatPath(path),
      line: target ? lineOf(this.text, target.offset) : undefined,
      offset: target?.offset,
      length: target?.length,
      severity,
      message,
    });
  }

  private closestNode(path: (string | number)[]): jsonc.Node | undefined {
    for (let end = path.length - 1; end >= 0 && this.tree; end -= 1) {
      const node = jsonc.findNodeAtLocation(this.tree, path.slice(0, end));
      if (node) return node;
    }
    return this.tree;
  }
}

export function formatPath(path: (string | number)[]): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      return index === 0 ? segment : `.${segment}`;
    })
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
  for (const name of SECRET_MEMBERS) {
    if (name in object) {
      problems.add(
        [...path, name],
        `${name} is ignored: secrets are kept in VS Code's secret storage, never in this file. Remove it from the file.`,
        'warning',
      );
    }
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
    signingKeyId: optionalString(object, 'signingKeyId', path, problems),
    signingAlgorithm: optionalString(object, 'signingAlgorithm', path, problems),
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
  const issuerProblem = validateIssuer(object.issuer);
  if (issuerProblem) {
    problems.add([...path, 'issuer'], `issuer ${JSON.stringify(object.issuer)}: ${issuerProblem}`);
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
      offset: error.offset,
      length: error.length,
      severity: 'error',
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

/** The members of a server entry that the UI edits; any other member is left as it is. */
export const SERVER_MEMBERS = ['id', 'label', 'issuer', 'discovery', 'extraCaFiles'] as const;

/** The members of a client entry that the UI edits; any other member is left as it is. */
export const CLIENT_MEMBERS = [
  'client_id',
  'token_endpoint_auth_method',
  'use_mtls_endpoint_aliases',
  'certificateFile',
  'keyFile',
  'signingKeyFile',
  'signingKeyId',
  'signingAlgorithm',
  'scope',
  'resource',
  'response_mode',
] as const;

export type ServerChanges = Partial<Pick<ServerConfig, (typeof SERVER_MEMBERS)[number]>>;

type Entry = Record<string, unknown>;

function parseEntries(text: string): { servers?: unknown[] } {
  const parsed = jsonc.parse(text, [], { allowTrailingComma: true }) as unknown;
  return parsed !== null && typeof parsed === 'object' ? (parsed as { servers?: unknown[] }) : {};
}

function isEntry(value: unknown): value is Entry {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function entryServerId(entry: Entry): string {
  return typeof entry.id === 'string' ? entry.id : serverIdFromIssuer(String(entry.issuer));
}

/** Returns the index of a server entry in the file text, or -1. */
export function findServerIndex(text: string, serverId: string): number {
  const servers = parseEntries(text).servers;
  if (!Array.isArray(servers)) return -1;
  return servers.findIndex((entry) => isEntry(entry) && entryServerId(entry) === serverId);
}

/** Returns the JSON path of a server entry, or of one of its clients, or undefined. */
export function entryPath(
  text: string,
  serverId: string,
  clientId?: string,
): (string | number)[] | undefined {
  const serverIndex = findServerIndex(text, serverId);
  if (serverIndex === -1) return undefined;
  if (clientId === undefined) return ['servers', serverIndex];
  const server = parseEntries(text).servers?.[serverIndex] as Entry;
  const clients = Array.isArray(server.clients) ? server.clients : [];
  const clientIndex = clients.findIndex(
    (client) => isEntry(client) && client.client_id === clientId,
  );
  return clientIndex === -1 ? undefined : ['servers', serverIndex, 'clients', clientIndex];
}

/** Returns the offset and one-based line of the value at a JSON path, or undefined. */
export function locatePath(
  text: string,
  path: (string | number)[],
): { offset: number; length: number; line: number } | undefined {
  const tree = jsonc.parseTree(text, [], { allowTrailingComma: true });
  const node = tree && jsonc.findNodeAtLocation(tree, path);
  if (!node) return undefined;
  return { offset: node.offset, length: node.length, line: lineOf(text, node.offset) };
}

function applyModification(text: string, path: (string | number)[], value: unknown): string {
  const edits = jsonc.modify(text, path, value, { formattingOptions: FORMAT });
  return jsonc.applyEdits(text, edits);
}

/**
 * Sets each listed member of the object at `path` one by one: a member whose value is undefined
 * is removed, an unchanged member is not touched, and members not listed are left as written.
 */
function modifyMembers(
  text: string,
  path: (string | number)[],
  current: Entry,
  values: Entry,
  members: readonly string[],
): string {
  let result = text;
  for (const member of members) {
    const value = values[member];
    if (JSON.stringify(value) === JSON.stringify(current[member])) continue;
    if (value === undefined && !(member in current)) continue;
    result = applyModification(result, [...path, member], value);
  }
  return result;
}

function withoutUndefined(value: object): Entry {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}

/**
 * Returns the file text with a new server appended to `servers`. The rest of the file (comments,
 * unknown keys, formatting) stays as the user wrote it.
 */
export function addServerEntry(text: string, server: ServerConfig): string {
  const source = text.trim().length === 0 ? '{\n  "servers": []\n}\n' : text;
  const servers = parseEntries(source).servers;
  if (findServerIndex(source, server.id) !== -1) {
    throw new Error(`A server with id ${server.id} is already in the file.`);
  }
  const entry = withoutUndefined(server);
  if (!Array.isArray(servers)) return applyModification(source, ['servers'], [entry]);
  const edits = jsonc.modify(source, ['servers', servers.length], entry, {
    formattingOptions: FORMAT,
    isArrayInsertion: true,
  });
  return jsonc.applyEdits(source, edits);
}

/** Returns the file text with the listed members of one server changed, and nothing else. */
export function updateServerEntry(text: string, serverId: string, changes: ServerChanges): string {
  const index = findServerIndex(text, serverId);
  if (index === -1) throw new Error(`The file has no server with id ${serverId}.`);
  const current = parseEntries(text).servers![index] as Entry;
  const members = SERVER_MEMBERS.filter((member) => member in changes);
  return modifyMembers(text, ['servers', index], current, changes, members);
}

/** Returns the file text without the server with this id, or the text unchanged. */
export function removeServerEntry(text: string, serverId: string): string {
  const index = findServerIndex(text, serverId);
  if (index === -1) return text;
  return applyModification(text, ['servers', index], undefined);
}

/**
 * Returns the file text with a client added to a server, or, when `previousClientId` (default:
 * the client's own id) is there already, with that client's known members changed in place.
 */
export function upsertClientEntry(
  text: string,
  serverId: string,
  client: ClientConfig,
  previousClientId = client.client_id,
): string {
  const serverIndex = findServerIndex(text, serverId);
  if (serverIndex === -1) throw new Error(`The file has no server with id ${serverId}.`);
  const server = parseEntries(text).servers![serverIndex] as Entry;
  const clientsPath = ['servers', serverIndex, 'clients'];
  if (!Array.isArray(server.clients)) {
    return applyModification(text, clientsPath, [withoutUndefined(client)]);
  }
  const clients = server.clients as unknown[];
  const index = clients.findIndex(
    (entry) => isEntry(entry) && entry.client_id === previousClientId,
  );
  if (index === -1) {
    const edits = jsonc.modify(text, [...clientsPath, clients.length], withoutUndefined(client), {
      formattingOptions: FORMAT,
      isArrayInsertion: true,
    });
    return jsonc.applyEdits(text, edits);
  }
  const values = { ...client } as Entry;
  return modifyMembers(text, [...clientsPath, index], clients[index] as Entry, values, [
    ...CLIENT_MEMBERS,
  ]);
}

/** Returns the file text without one client of a server, or the text unchanged. */
export function removeClientEntry(text: string, serverId: string, clientId: string): string {
  const path = entryPath(text, serverId, clientId);
  return path ? applyModification(text, path, undefined) : text;
}
