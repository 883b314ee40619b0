/**
 * The timeline's row elements. An exchange row is built once and filled again for whichever
 * exchange scrolls into view, so scrolling rewrites text and attributes instead of building
 * elements. An exchange that failed its shape check gets a row that marks it malformed and cannot
 * expand.
 */
import type { RecordedExchange } from '../src/engine/exchange';
import { h, srOnly } from './dom';
import { formatDuration, statusClass } from './format';
import { NO_ROUTE_REASON, routeKind, routeSummary } from './routeTag';

const NO_ROUTE_DESCRIPTION = 'A metadata document, fetched from the URL given.';

/** A row in the list: the list item, its focusable row, and the exchange it shows. */
export interface TimelineRow {
  readonly item: HTMLElement;
  readonly row: HTMLElement;
  /** The exchange value from the run that the row was last filled from, checked or not. */
  source: unknown;
  /** Set for rows that can be filled again for another exchange. */
  readonly reusable: boolean;
}

function isFailure(exchange: RecordedExchange): boolean {
  return exchange.error !== undefined || (exchange.response?.status ?? 0) >= 400;
}

function statusText(exchange: RecordedExchange): string {
  if (exchange.response)
    return `${exchange.response.status} ${exchange.response.statusText}`.trim();
  if (exchange.error) return exchange.error.code;
  return 'no response';
}

function rowLabel(exchange: RecordedExchange, index: number): string {
  const certificate = exchange.tls?.clientCertificate;
  const certificateText = certificate
    ? `client certificate ${certificate.subject} offered`
    : 'no client certificate';
  const failure = isFailure(exchange) ? ', failed' : '';
  return (
    `${index + 1}. ${exchange.method} ${exchange.endpoint} ${exchange.url}, ${routeSummary(exchange.route)}, ` +
    `${certificateText}, ${statusText(exchange)}${failure}, ${formatDuration(exchange.durationMs)}`
  );
}

/** Sets an attribute, or removes it when `value` is undefined. */
function setOptional(element: Element, name: string, value: string | undefined): void {
  if (value === undefined) element.removeAttribute(name);
  else element.setAttribute(name, value);
}

/** A row for a well-formed exchange, filled by `show` and filled again when it is reused. */
export class ExchangeRow implements TimelineRow {
  readonly item: HTMLElement;
  readonly row: HTMLElement;
  source: unknown;
  readonly reusable = true;
  private readonly index = h('span', { class: 'cell index' });
  private readonly method = h('span', { class: 'cell method' });
  private readonly endpoint = h('span', { class: 'cell endpoint' });
  private readonly url = h('span', { class: 'cell url' });
  private readonly routeTag = h('span');
  private readonly certificate = h('span');
  private readonly failureMark = h('span', { class: 'failure-mark', 'aria-hidden': 'true' }, '✕ ');
  private readonly statusValue = document.createTextNode('');
  private readonly status = h('span', { class: 'cell status' });
  private readonly duration = h('span', { class: 'cell duration' });
  private readonly reason = srOnly('');

  constructor() {
    this.row = h(
      'div',
      { role: 'button', tabindex: -1 },
      this.index,
      this.method,
      this.endpoint,
      this.url,
      h('span', { class: 'cell route' }, this.routeTag),
      this.certificate,
      this.status,
      this.duration,
      this.reason,
    );
    this.item = h('div', { class: 'exchange', role: 'listitem' }, this.row);
  }

  /** Fills the row for the exchange at `index`, without its detail. */
  show(exchange: RecordedExchange, index: number, expanded: boolean): void {
    const failed = isFailure(exchange);
    const reasonId = `exchange-reason-${index}`;
    this.source = exchange;
    this.item.setAttribute('aria-posinset', String(index + 1));
    this.row.className = `exchange-row status-${statusClass(exchange.response?.status)}${failed ? ' failed' : ''}`;
    this.row.setAttribute('data-index', String(index));
    this.row.setAttribute('aria-expanded', String(expanded));
    this.row.setAttribute('aria-controls', `exchange-detail-${index}`);
    this.row.setAttribute('aria-label', rowLabel(exchange, index));
    this.row.setAttribute('aria-describedby', reasonId);
    this.index.textContent = String(index + 1);
    this.method.textContent = exchange.method;
    this.endpoint.textContent = exchange.endpoint;
    this.url.textContent = exchange.url;
    this.showRoute(exchange);
    this.showCertificate(exchange);
    this.statusValue.data = statusText(exchange);
    if (failed) this.status.replaceChildren(this.failureMark, this.statusValue);
    else this.status.replaceChildren(this.statusValue);
    this.duration.textContent = formatDuration(exchange.durationMs);
    this.reason.id = reasonId;
    this.reason.textContent = exchange.route?.reason ?? NO_ROUTE_DESCRIPTION;
  }

  private showRoute(exchange: RecordedExchange): void {
    const kind = routeKind(exchange.route);
    this.routeTag.className = `tag route-${kind}`;
    this.routeTag.setAttribute('data-tip', exchange.route?.reason ?? NO_ROUTE_REASON);
    this.routeTag.textContent = kind === 'none' ? '—' : kind;
  }

  private showCertificate(exchange: RecordedExchange): void {
    const certificate = exchange.tls?.clientCertificate;
    this.certificate.className = `cell cert ${certificate ? 'cert-offered' : 'cert-none'}`;
    setOptional(
      this.certificate,
      'data-tip',
      certificate
        ? `Client certificate offered: ${certificate.subject}, x5t#S256 ${certificate.x5tS256}`
        : undefined,
    );
    this.certificate.textContent = certificate ? 'cert' : 'none';
  }
}

/**
 * Builds the row for an exchange whose shape the inspector cannot render. It takes part in keyboard
 * navigation like any row, but it is disabled because there is no detail to expand.
 */
export function malformedRow(source: unknown, index: number): TimelineRow {
  const text =
    'Malformed exchange: the extension host sent it in a shape the inspector cannot show.';
  const row = h(
    'div',
    {
      class: 'exchange-row malformed',
      role: 'button',
      tabindex: -1,
      'data-index': index,
      'aria-disabled': 'true',
      'aria-label': `${index + 1}. ${text}`,
    },
    h('span', { class: 'cell index' }, index + 1),
    h('span', { class: 'cell malformed-message' }, text),
  );
  const item = h('div', { class: 'exchange', role: 'listitem', 'aria-posinset': index + 1 }, row);
  return { item, row, source, reusable: false };
}
