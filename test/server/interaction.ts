import { Agent, fetch, type Dispatcher, type Response } from 'undici';

export interface AuthorizationOptions {
  /** PEM of the CA that signed the server certificate. Required unless `dispatcher` is given. */
  ca?: string | Buffer;
  /** undici 7 dispatcher for every request. The caller keeps ownership of it. */
  dispatcher?: Dispatcher;
  /** Account that signs in on the login page. devInteractions accepts any name. */
  login?: string;
  /** Maximum number of HTTP requests before giving up. */
  maxRequests?: number;
}

export interface AuthorizationResponse {
  /**
   * How the server delivered the response: in the query or fragment of a redirect, or as the
   * auto-submitting form of `response_mode=form_post` (and `form_post.jwt`).
   */
  delivery: 'query' | 'fragment' | 'form_post';
  /** Redirect URL to the client's redirect URI, or the form's action for form_post. */
  url: string;
  /**
   * Response parameters: `code`, `state` and `iss`, or `response` for JARM, or `error` and
   * `error_description`.
   */
  parameters: Record<string, string>;
}

interface HtmlForm {
  action: string;
  method: string;
  fields: Array<{ name: string; value: string; type: string }>;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expires: number;
}

/** A cookie store for one host, enough for oidc-provider's path-scoped interaction cookies. */
class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  store(requestUrl: URL, setCookieHeaders: string[]): void {
    for (const header of setCookieHeaders) {
      const [pair, ...attributes] = header.split(';');
      const separator = pair.indexOf('=');
      if (separator <= 0) {
        continue;
      }
      const cookie: StoredCookie = {
        name: pair.slice(0, separator).trim(),
        value: pair.slice(separator + 1).trim(),
        path: defaultCookiePath(requestUrl.pathname),
        expires: Number.POSITIVE_INFINITY,
      };
      for (const attribute of attributes) {
        const [rawKey, ...rest] = attribute.split('=');
        const key = rawKey.trim().toLowerCase();
        const value = rest.join('=').trim();
        if (key === 'path' && value.startsWith('/')) {
          cookie.path = value;
        } else if (key === 'max-age') {
          cookie.expires = Date.now() + Number(value) * 1000;
        } else if (key === 'expires' && cookie.expires === Number.POSITIVE_INFINITY) {
          cookie.expires = Date.parse(value);
        }
      }
      const id = `${cookie.name};${cookie.path}`;
      if (cookie.expires <= Date.now()) {
        this.cookies.delete(id);
      } else {
        this.cookies.set(id, cookie);
      }
    }
  }

  header(requestUrl: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.cookies.values()]
      .filter((cookie) => cookie.expires > now && pathMatches(requestUrl.pathname, cookie.path))
      // RFC 6265 section 5.4: cookies with longer paths go first.
      .sort((left, right) => right.path.length - left.path.length);
    if (matching.length === 0) {
      return undefined;
    }
    return matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  }
}

/** RFC 6265 section 5.1.4: the request path up to, not including, its last slash. */
function defaultCookiePath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : requestPath.slice(0, lastSlash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) {
    return true;
  }
  if (!requestPath.startsWith(cookiePath)) {
    return false;
  }
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (entity, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#x')) {
      return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    }
    if (lower.startsWith('#')) {
      return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    }
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    return named[lower] ?? entity;
  });
}

function parseAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attributes[match[1].toLowerCase()] = decodeHtmlEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

/**
 * Finds the first form of a page. oidc-provider's pages (login, consent and form_post) are
 * generated with one form each and double-quoted attributes, which is all this parser handles.
 */
function parseFirstForm(html: string): HtmlForm | undefined {
  const match = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (match === null) {
    return undefined;
  }
  const formAttributes = parseAttributes(match[1]);
  const fields: HtmlForm['fields'] = [];
  for (const input of match[2].matchAll(/<input\b([^>]*)>/gi)) {
    const attributes = parseAttributes(input[1].replace(/\/$/, ''));
    if (attributes.name) {
      fields.push({
        name: attributes.name,
        value: attributes.value ?? '',
        type: (attributes.type ?? 'text').toLowerCase(),
      });
    }
  }
  return {
    action: formAttributes.action ?? '',
    method: (formAttributes.method ?? 'get').toLowerCase(),
    fields,
  };
}

function redirectResponse(location: URL): AuthorizationResponse {
  // A response in the fragment leaves the query to the redirect URI's own parameters.
  if (location.hash.length > 1) {
    return {
      delivery: 'fragment',
      url: location.href,
      parameters: Object.fromEntries(new URLSearchParams(location.hash.slice(1))),
    };
  }
  return {
    delivery: 'query',
    url: location.href,
    parameters: Object.fromEntries(location.searchParams),
  };
}

async function describeFailure(response: Response, method: string, url: URL): Promise<Error> {
  const body = (await response.text()).replace(/\s+/g, ' ').slice(0, 500);
  return new Error(
    `Authorization step ${method} ${url.href} failed with HTTP ${response.status}: ${body}`,
  );
}

/**
 * Completes an authorization request against oidc-provider's devInteractions without a browser:
 * follows redirects by hand, keeps cookies, signs in on the login page and accepts the consent
 * page. Stops at the first redirect or form that leaves the authorization server's origin, which
 * is the response to the client's redirect URI, and returns it without requesting it.
 *
 * `authorizationUrl` is usually the PAR form `.../auth?client_id=...&request_uri=...`.
 */
export async function completeAuthorization(
  authorizationUrl: string,
  options: AuthorizationOptions,
): Promise<AuthorizationResponse> {
  if (options.dispatcher === undefined && options.ca === undefined) {
    throw new Error('completeAuthorization needs options.ca or options.dispatcher to reach HTTPS.');
  }
  const ownedAgent =
    options.dispatcher === undefined ? new Agent({ connect: { ca: options.ca } }) : undefined;
  const dispatcher = options.dispatcher ?? ownedAgent;
  const login = options.login ?? 'test-user';
  const maxRequests = options.maxRequests ?? 20;

  const serverOrigin = new URL(authorizationUrl).origin;
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let method = 'GET';
  let body: URLSearchParams | undefined;

  try {
    for (let count = 0; count < maxRequests; count += 1) {
      const headers: Record<string, string> = { accept: 'text/html' };
      const cookie = jar.header(url);
      if (cookie !== undefined) {
        headers.cookie = cookie;
      }
      const response = await fetch(url, { method, headers, body, redirect: 'manual', dispatcher });
      jar.store(url, response.headers.getSetCookie());

      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        const next = new URL(location, url);
        if (next.origin !== serverOrigin) {
          return redirectResponse(next);
        }
        url = next;
        method = 'GET';
        body = undefined;
        continue;
      }

      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.includes('text/html')) {
        throw await describeFailure(response, method, url);
      }
      const html = await response.text();
      const form = parseFirstForm(html);
      if (form === undefined) {
        const excerpt = html.replace(/\s+/g, ' ').slice(0, 500);
        throw new Error(
          `Authorization step ${method} ${url.href} returned HTTP ${response.status} without a form: ${excerpt}`,
        );
      }

      const action = new URL(form.action || url.href, url);
      const fields = Object.fromEntries(form.fields.map((field) => [field.name, field.value]));
      if (action.origin !== serverOrigin) {
        return { delivery: 'form_post', url: action.href, parameters: fields };
      }
      if (response.status >= 400) {
        throw new Error(
          `Authorization step ${method} ${url.href} failed with HTTP ${response.status}.`,
        );
      }

      // The login form requires a login name and a password. The consent form has only hidden fields.
      for (const field of form.fields) {
        if (field.name === 'login') {
          fields.login = login;
        } else if (field.type === 'password') {
          fields[field.name] = 'any password';
        }
      }
      url = action;
      method = form.method === 'post' ? 'POST' : 'GET';
      body = new URLSearchParams(fields);
      if (method === 'GET') {
        url.search = body.toString();
        body = undefined;
      }
    }
    throw new Error(
      `Authorization did not reach the redirect URI within ${maxRequests} requests; last request ${method} ${url.href}.`,
    );
  } finally {
    await ownedAgent?.close();
  }
}
