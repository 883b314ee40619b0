/**
 * The expanded view of one exchange: routing, TLS, the request and the response, with copy
 * buttons. It is built only when a row is expanded.
 */
import type { HeaderPair, RecordedCertificate, RecordedExchange } from '../src/engine/exchange';
import { renderBody, markedText } from './bodyView';
import { buildCurlCommand } from './curl';
import { button, h, pairTable, type Child } from './dom';
import { formatBytes, formatTimestamp } from './format';
import { routeSummary, routeTag } from './routeTag';

export interface DetailContext {
  /** The run's client_id, for `--user` in copied curl commands. */
  client_id: string;
  /** Sends text to the host's clipboard; `what` names it in the announcement. */
  copy(text: string, what: string): void;
}

function headersTable(headers: HeaderPair[], caption: string): HTMLElement {
  if (headers.length === 0) return h('p', { class: 'empty' }, 'No headers.');
  const pairs = headers.map(([name, value]): [string, Child] => [
    name,
    h('span', { class: 'value' }, ...markedText(value)),
  ]);
  return pairTable(caption, pairs, ['Header', 'Value']);
}

function certificateFacts(certificate: RecordedCertificate): Array<[string, Child]> {
  return [
    ['Subject', certificate.subject],
    ['Issuer', certificate.issuer],
    ['Valid to', formatTimestamp(certificate.validTo)],
    ['x5t#S256', h('code', {}, certificate.x5tS256)],
  ];
}

function tlsSection(exchange: RecordedExchange): HTMLElement {
  const tls = exchange.tls;
  const client = tls?.clientCertificate;
  const server = tls?.serverCertificate;
  const clientPart = client
    ? pairTable('Client certificate', certificateFacts(client))
    : h(
        'p',
        { class: 'no-certificate' },
        'No client certificate was configured on this connection.',
      );
  const serverPart = server
    ? pairTable('Server certificate', certificateFacts(server))
    : h('p', {}, 'No server certificate was recorded: plain HTTP, or the connection failed first.');
  return h(
    'section',
    { class: 'detail-section tls', 'aria-label': 'TLS' },
    h('h4', {}, 'TLS'),
    h('p', {}, `Protocol: ${tls?.protocol ?? 'not recorded'}`),
    h('h5', {}, 'Client certificate, offered when the server asks for one'),
    clientPart,
    h('h5', {}, 'Server certificate'),
    serverPart,
  );
}

function routingSection(exchange: RecordedExchange): HTMLElement {
  const route = exchange.route;
  const urls: Array<[string, Child]> = route
    ? [
        ['Plain URL', route.plainUrl ?? 'not in the metadata'],
        ['Alias URL', route.aliasUrl ?? 'not in mtls_endpoint_aliases'],
        ['URL used', exchange.url],
      ]
    : [['URL used', exchange.url]];
  return h(
    'section',
    { class: 'detail-section', 'aria-label': 'Routing' },
    h('h4', {}, 'Routing ', routeTag(route)),
    h(
      'p',
      { class: 'route-reason' },
      route ? route.reason : `${routeSummary(route)}: this is a metadata document.`,
    ),
    pairTable('Routing URLs', urls),
  );
}

function requestSection(exchange: RecordedExchange): HTMLElement {
  return h(
    'section',
    { class: 'detail-section', 'aria-label': 'Request' },
    h('h4', {}, 'Request'),
    h('p', { class: 'request-line' }, h('code', {}, `${exchange.method} ${exchange.url}`)),
    headersTable(exchange.request.headers, 'Request headers'),
    renderBody(exchange.request.body, 'Request body'),
  );
}

function responseSection(exchange: RecordedExchange): HTMLElement {
  const response = exchange.response;
  const parts: Child[] = [h('h4', {}, 'Response')];
  if (exchange.error) {
    parts.push(
      h(
        'p',
        { class: 'exchange-error', role: 'note' },
        h('code', {}, exchange.error.code),
        ' ',
        exchange.error.message,
      ),
    );
  }
  if (response) {
    parts.push(
      h(
        'p',
        { class: 'status-line' },
        `${response.status} ${response.statusText}`,
        h('span', { class: 'size' }, ` ${formatBytes(response.size)}`),
      ),
      headersTable(response.headers, 'Response headers'),
      renderBody(response.body, 'Response body'),
    );
  } else if (!exchange.error) {
    parts.push(h('p', { class: 'empty' }, 'No response was recorded.'));
  }
  return h('section', { class: 'detail-section', 'aria-label': 'Response' }, ...parts);
}

function actions(exchange: RecordedExchange, context: DetailContext): HTMLElement {
  const requestBody = exchange.request.body?.text;
  const responseBody = exchange.response?.body?.text;
  return h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': 'Copy' },
    button('Copy URL', () => context.copy(exchange.url, 'URL'), { label: 'Copy the request URL' }),
    requestBody
      ? button('Copy request body', () => context.copy(requestBody, 'request body'))
      : null,
    responseBody
      ? button('Copy response body', () => context.copy(responseBody, 'response body'))
      : null,
    button(
      'Copy as curl',
      () =>
        context.copy(
          buildCurlCommand(exchange, { client_id: context.client_id }).text,
          'curl command',
        ),
      { label: 'Copy as a curl command, with secrets as environment variables' },
    ),
  );
}

/** Builds the detail region of one exchange; `id` is the element id the row's aria-controls names. */
export function renderExchangeDetail(
  exchange: RecordedExchange,
  context: DetailContext,
  id: string,
): HTMLElement {
  return h(
    'div',
    {
      class: 'exchange-detail',
      id,
      role: 'region',
      'aria-label': `${exchange.method} ${exchange.endpoint} details`,
    },
    actions(exchange, context),
    routingSection(exchange),
    tlsSection(exchange),
    requestSection(exchange),
    responseSection(exchange),
  );
}
