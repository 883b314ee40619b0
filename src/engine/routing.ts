/**
 * Which URL each endpoint of an authorization server is called at, and why.
 *
 * oauth4webapi 3 routes a request to `mtls_endpoint_aliases[endpoint]` when the client metadata has
 * `use_mtls_endpoint_aliases: true` and the alias exists, and to the top-level endpoint otherwise,
 * without saying which it chose. This table makes that choice visible, and the HTTP client checks
 * every request against it, so what the user sees is where the request went.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-5 (mtls_endpoint_aliases)
 */

/** Endpoints that oauth4webapi 3 resolves through `mtls_endpoint_aliases` when asked to. */
export const ALIASABLE_ENDPOINTS = [
  'pushed_authorization_request_endpoint',
  'token_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'userinfo_endpoint',
  'device_authorization_endpoint',
  'backchannel_authentication_endpoint',
  'registration_endpoint',
] as const;

/** Endpoints the browser visits; mTLS aliases never apply to them. */
export const FRONT_CHANNEL_ENDPOINTS = ['authorization_endpoint', 'end_session_endpoint'] as const;

export type AliasableEndpoint = (typeof ALIASABLE_ENDPOINTS)[number];
export type FrontChannelEndpoint = (typeof FRONT_CHANNEL_ENDPOINTS)[number];
export type EndpointName = AliasableEndpoint | FrontChannelEndpoint | 'jwks_uri';

export type RouteChannel = 'back-channel' | 'front-channel' | 'keys';

export interface RouteEntry {
  endpoint: EndpointName;
  channel: RouteChannel;
  /** The top-level metadata value, when the metadata has one. */
  plainUrl?: string;
  /** The `mtls_endpoint_aliases` value, when the metadata has one. */
  aliasUrl?: string;
  /** The URL requests go to; absent when the endpoint is in neither place. */
  url?: string;
  viaAlias: boolean;
  /** Whether the client certificate is configured on the connection to `url`. */
  presentsCertificate: boolean;
  /** One sentence saying why `url` was chosen and whether a certificate goes with it. */
  reason: string;
}

export interface RoutingOptions {
  use_mtls_endpoint_aliases: boolean;
  hasClientCertificate: boolean;
}

type Metadata = Record<string, unknown>;

function stringMember(object: unknown, name: string): string | undefined {
  if (object === null || typeof object !== 'object') return undefined;
  const value = (object as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function aliasableReason(
  endpoint: AliasableEndpoint,
  metadata: Metadata,
  options: RoutingOptions,
  aliasUrl: string | undefined,
): string {
  const hasAliasesMember = metadata.mtls_endpoint_aliases !== undefined;
  if (options.use_mtls_endpoint_aliases) {
    if (aliasUrl)
      return `${endpoint} goes to the mTLS alias because aliases are on and the metadata has one.`;
    if (hasAliasesMember)
      return `${endpoint} goes to the plain URL because aliases are on but mtls_endpoint_aliases has no entry for it.`;
    return `${endpoint} goes to the plain URL because aliases are on but the metadata has no mtls_endpoint_aliases.`;
  }
  if (aliasUrl)
    return `${endpoint} goes to the plain URL because aliases are off (the metadata has an alias for it).`;
  return `${endpoint} goes to the plain URL because aliases are off.`;
}

function certificateClause(options: RoutingOptions): string {
  return options.hasClientCertificate
    ? ' The client certificate is offered if the server asks for one.'
    : ' No client certificate is configured.';
}

function routeAliasable(
  endpoint: AliasableEndpoint,
  metadata: Metadata,
  options: RoutingOptions,
): RouteEntry {
  const plainUrl = stringMember(metadata, endpoint);
  const aliasUrl = stringMember(metadata.mtls_endpoint_aliases, endpoint);
  const viaAlias = options.use_mtls_endpoint_aliases && aliasUrl !== undefined;
  const url = viaAlias ? aliasUrl : plainUrl;
  const reason =
    url === undefined
      ? `${endpoint} is not in the metadata.`
      : aliasableReason(endpoint, metadata, options, aliasUrl) + certificateClause(options);
  return {
    endpoint,
    channel: 'back-channel',
    plainUrl,
    aliasUrl,
    url,
    viaAlias,
    presentsCertificate: url !== undefined && options.hasClientCertificate,
    reason,
  };
}

function routeFrontChannel(endpoint: FrontChannelEndpoint, metadata: Metadata): RouteEntry {
  const plainUrl = stringMember(metadata, endpoint);
  return {
    endpoint,
    channel: 'front-channel',
    plainUrl,
    url: plainUrl,
    viaAlias: false,
    presentsCertificate: false,
    reason:
      plainUrl === undefined
        ? `${endpoint} is not in the metadata.`
        : `${endpoint} is opened in the browser, so mTLS aliases and the client certificate do not apply.`,
  };
}

function routeKeys(metadata: Metadata): RouteEntry {
  const plainUrl = stringMember(metadata, 'jwks_uri');
  return {
    endpoint: 'jwks_uri',
    channel: 'keys',
    plainUrl,
    url: plainUrl,
    viaAlias: false,
    presentsCertificate: false,
    reason:
      plainUrl === undefined
        ? 'jwks_uri is not in the metadata.'
        : 'jwks_uri holds public keys: it is fetched from the plain URL without a client certificate.',
  };
}

/**
 * Builds the routing table for every endpoint the explorer knows: front-channel endpoints, the
 * aliasable back-channel endpoints in RFC order, then `jwks_uri`.
 */
export function routeEndpoints(metadata: Metadata, options: RoutingOptions): RouteEntry[] {
  return [
    ...FRONT_CHANNEL_ENDPOINTS.map((endpoint) => routeFrontChannel(endpoint, metadata)),
    ...ALIASABLE_ENDPOINTS.map((endpoint) => routeAliasable(endpoint, metadata, options)),
    routeKeys(metadata),
  ];
}

/** Returns the routing decision for one endpoint. */
export function routeEndpoint(
  metadata: Metadata,
  endpoint: EndpointName,
  options: RoutingOptions,
): RouteEntry {
  if ((ALIASABLE_ENDPOINTS as readonly string[]).includes(endpoint)) {
    return routeAliasable(endpoint as AliasableEndpoint, metadata, options);
  }
  if (endpoint === 'jwks_uri') return routeKeys(metadata);
  return routeFrontChannel(endpoint as FrontChannelEndpoint, metadata);
}
