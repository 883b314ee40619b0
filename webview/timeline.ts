/**
 * The exchange timeline: one row per exchange, windowed so that only the rows near the visible
 * part of the list exist in the DOM. Collapsed rows have one fixed height (the CSS variable
 * `--timeline-row-height`); expanded rows add the measured height of their detail, so the
 * offset of every row is known without rendering it.
 */
import type { RecordedExchange } from '../src/engine/exchange';
import type { RunSnapshot } from '../src/shared/inspectorProtocol';
import { h, srOnly } from './dom';
import { renderExchangeDetail, type DetailContext } from './exchangeDetail';
import { formatDuration, statusClass } from './format';
import { routeSummary, routeTag } from './routeTag';

export interface TimelineOptions {
  isExpanded(runId: string, exchangeId: string): boolean;
  /** Records the new state of a row and returns whether it is now expanded. */
  toggle(runId: string, exchangeId: string): boolean;
  detailContext(): DetailContext;
}

/** Pixels rendered above and below the visible part, so short scrolls show rows at once. */
const OVERSCAN_PX = 600;
/** Height assumed for a detail until it has been measured. */
const ESTIMATED_DETAIL_HEIGHT_PX = 480;
/** Used when the CSS variable cannot be read. */
const FALLBACK_ROW_HEIGHT_PX = 26;
/** Height assumed for a hidden viewport, so a hidden tab still has its first rows. */
const HIDDEN_VIEWPORT_HEIGHT_PX = 600;

function isFailure(exchange: RecordedExchange): boolean {
  return exchange.error !== undefined || (exchange.response?.status ?? 0) >= 400;
}

function statusText(exchange: RecordedExchange): string {
  if (exchange.response)
    return `${exchange.response.status} ${exchange.response.statusText}`.trim();
  if (exchange.error) return exchange.error.code;
  return 'no response';
}

function certificateCell(exchange: RecordedExchange): HTMLElement {
  const certificate = exchange.tls?.clientCertificate;
  if (!certificate) return h('span', { class: 'cell cert cert-none' }, 'none');
  const tip = `Client certificate offered: ${certificate.subject}, x5t#S256 ${certificate.x5tS256}`;
  return h('span', { class: 'cell cert cert-offered', 'data-tip': tip }, 'cert');
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

export class Timeline {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly list: HTMLElement;
  private run: RunSnapshot | undefined;
  private expanded = new Set<string>();
  private offsets: number[] | undefined;
  private readonly detailHeights = new Map<string, number>();
  private readonly items = new Map<string, HTMLElement>();
  private readonly details = new Map<string, HTMLElement>();
  private activeIndex = 0;
  private frame = 0;
  private rowHeight = 0;

  constructor(private readonly options: TimelineOptions) {
    this.list = h('div', { class: 'timeline-list', role: 'list' });
    this.viewport = h('div', { class: 'timeline-viewport' }, this.list);
    const header = h(
      'div',
      { class: 'timeline-header', 'aria-hidden': 'true' },
      ...['#', 'Method', 'Endpoint', 'URL', 'Route', 'Cert', 'Status', 'Time'].map((title) =>
        h('span', { class: 'cell' }, title),
      ),
    );
    this.element = h('div', { class: 'timeline' }, header, this.viewport);
    this.viewport.addEventListener('scroll', () => this.scheduleRender(), { passive: true });
    this.list.addEventListener('click', (event) => this.onClick(event));
    this.list.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.list.addEventListener('focusin', (event) => this.onFocusIn(event));
    new ResizeObserver(() => this.scheduleRender()).observe(this.viewport);
  }

  private get exchanges(): RecordedExchange[] {
    return this.run?.exchanges ?? [];
  }

  /** Shows a run. The same run shown again (a newer state of it) keeps scroll and rows. */
  setRun(run: RunSnapshot): void {
    const sameRun = run.id === this.run?.id;
    this.run = run;
    this.offsets = undefined;
    this.expanded = new Set(
      run.exchanges
        .map((exchange) => exchange.id)
        .filter((id) => this.options.isExpanded(run.id, id)),
    );
    if (!sameRun) {
      this.items.clear();
      this.details.clear();
      this.detailHeights.clear();
      this.activeIndex = 0;
      this.list.replaceChildren();
      this.viewport.scrollTop = 0;
    }
    this.list.setAttribute('aria-label', `Exchanges of ${run.title}`);
    this.render();
  }

  /** Called after an exchange was appended to the shown run's list. */
  exchangeAdded(): void {
    this.offsets = undefined;
    this.scheduleRender();
  }

  scheduleRender(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  /** Renders the rows near the visible part now. */
  render(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.layout(true);
  }

  private layout(measureAgain: boolean): void {
    if (this.rowHeight === 0) this.rowHeight = this.readRowHeight();
    const offsets = (this.offsets ??= this.computeOffsets());
    const count = this.exchanges.length;
    const [first, last] = this.visibleRange(offsets);
    this.patch(first, last);
    // Style properties set through the CSSOM are allowed by a CSP without 'unsafe-inline'.
    this.list.style.paddingTop = `${count > 0 ? offsets[first]! : 0}px`;
    this.list.style.paddingBottom = `${count > 0 ? offsets[count]! - offsets[last + 1]! : 0}px`;
    if (this.measureDetails(first, last) && measureAgain) {
      this.offsets = undefined;
      this.layout(false);
    }
  }

  private readRowHeight(): number {
    const value = parseFloat(getComputedStyle(this.list).getPropertyValue('--timeline-row-height'));
    return Number.isFinite(value) && value > 0 ? value : FALLBACK_ROW_HEIGHT_PX;
  }

  private computeOffsets(): number[] {
    const exchanges = this.exchanges;
    const offsets = new Array<number>(exchanges.length + 1);
    offsets[0] = 0;
    for (let index = 0; index < exchanges.length; index += 1) {
      const id = exchanges[index]!.id;
      const detail = this.expanded.has(id)
        ? (this.detailHeights.get(id) ?? ESTIMATED_DETAIL_HEIGHT_PX)
        : 0;
      offsets[index + 1] = offsets[index]! + this.rowHeight + detail;
    }
    return offsets;
  }

  /** First and last index to render; last is first - 1 when there is nothing. */
  private visibleRange(offsets: number[]): [number, number] {
    const count = this.exchanges.length;
    if (count === 0) return [0, -1];
    const height = this.viewport.clientHeight || HIDDEN_VIEWPORT_HEIGHT_PX;
    const top = Math.max(0, this.viewport.scrollTop - OVERSCAN_PX);
    const bottom = this.viewport.scrollTop + height + OVERSCAN_PX;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (offsets[middle]! <= top) low = middle;
      else high = middle - 1;
    }
    let last = low;
    while (last + 1 < count && offsets[last + 1]! < bottom) last += 1;
    return [low, last];
  }

  /**
   * Makes the list hold exactly the items first..last, in order. Items that stay are not moved,
   * so a focused row keeps its focus.
   */
  private patch(first: number, last: number): void {
    const exchanges = this.exchanges;
    const wanted = new Set<string>();
    for (let index = first; index <= last; index += 1) wanted.add(exchanges[index]!.id);
    for (const [id, item] of this.items) {
      if (!wanted.has(id)) {
        item.remove();
        this.items.delete(id);
      }
    }
    const tabbable =
      this.activeIndex >= first && this.activeIndex <= last ? this.activeIndex : first;
    let cursor: ChildNode | null = this.list.firstChild;
    for (let index = first; index <= last; index += 1) {
      const exchange = exchanges[index]!;
      let item = this.items.get(exchange.id);
      if (!item) {
        item = this.buildItem(exchange, index);
        this.items.set(exchange.id, item);
      }
      if (item === cursor) cursor = cursor.nextSibling;
      else this.list.insertBefore(item, cursor);
      item.setAttribute('aria-setsize', String(exchanges.length));
      item.firstElementChild!.setAttribute('tabindex', index === tabbable ? '0' : '-1');
    }
  }

  /**
   * Stores the measured height of rendered details; returns whether any changed. A hidden tab
   * has no layout, so nothing is measured while the timeline is hidden.
   */
  private measureDetails(first: number, last: number): boolean {
    if (this.viewport.offsetParent === null) return false;
    let changed = false;
    for (let index = first; index <= last; index += 1) {
      const id = this.exchanges[index]!.id;
      if (!this.expanded.has(id)) continue;
      const height = this.items.get(id)!.offsetHeight - this.rowHeight;
      if (height !== this.detailHeights.get(id)) {
        this.detailHeights.set(id, height);
        changed = true;
      }
    }
    return changed;
  }

  private buildItem(exchange: RecordedExchange, index: number): HTMLElement {
    const failed = isFailure(exchange);
    const expanded = this.expanded.has(exchange.id);
    const reasonId = `exchange-reason-${index}`;
    const row = h(
      'div',
      {
        class: `exchange-row status-${statusClass(exchange.response?.status)}${failed ? ' failed' : ''}`,
        role: 'button',
        tabindex: -1,
        'data-index': index,
        'aria-expanded': String(expanded),
        'aria-controls': `exchange-detail-${index}`,
        'aria-label': rowLabel(exchange, index),
        'aria-describedby': reasonId,
      },
      h('span', { class: 'cell index' }, index + 1),
      h('span', { class: 'cell method' }, exchange.method),
      h('span', { class: 'cell endpoint' }, exchange.endpoint),
      h('span', { class: 'cell url' }, exchange.url),
      h('span', { class: 'cell route' }, routeTag(exchange.route)),
      certificateCell(exchange),
      h(
        'span',
        { class: 'cell status' },
        failed ? h('span', { class: 'failure-mark', 'aria-hidden': 'true' }, '✕ ') : null,
        statusText(exchange),
      ),
      h('span', { class: 'cell duration' }, formatDuration(exchange.durationMs)),
      srOnly(
        exchange.route?.reason ?? 'A metadata document, fetched from the URL given.',
        reasonId,
      ),
    );
    const item = h('div', { class: 'exchange', role: 'listitem', 'aria-posinset': index + 1 }, row);
    if (expanded) item.append(this.detailFor(exchange, index));
    return item;
  }

  private detailFor(exchange: RecordedExchange, index: number): HTMLElement {
    let detail = this.details.get(exchange.id);
    if (!detail) {
      detail = renderExchangeDetail(
        exchange,
        this.options.detailContext(),
        `exchange-detail-${index}`,
      );
      this.details.set(exchange.id, detail);
    }
    return detail;
  }

  /** Expands or collapses the row at `index`. */
  toggle(index: number): void {
    const exchange = this.exchanges[index];
    if (!exchange || !this.run) return;
    const expanded = this.options.toggle(this.run.id, exchange.id);
    const item = this.items.get(exchange.id);
    if (expanded) {
      this.expanded.add(exchange.id);
      item?.append(this.detailFor(exchange, index));
    } else {
      this.expanded.delete(exchange.id);
      this.details.get(exchange.id)?.remove();
      this.details.delete(exchange.id);
    }
    item?.firstElementChild?.setAttribute('aria-expanded', String(expanded));
    this.offsets = undefined;
    this.render();
  }

  /** Moves keyboard focus to the row at `index`, scrolling it into view first. */
  focusRow(index: number): void {
    const count = this.exchanges.length;
    if (count === 0) return;
    this.activeIndex = Math.max(0, Math.min(count - 1, index));
    const offsets = (this.offsets ??= this.computeOffsets());
    const top = offsets[this.activeIndex]!;
    const viewTop = this.viewport.scrollTop;
    const viewHeight = this.viewport.clientHeight;
    if (top < viewTop) this.viewport.scrollTop = top;
    else if (top + this.rowHeight > viewTop + viewHeight) {
      this.viewport.scrollTop = top + this.rowHeight - viewHeight;
    }
    this.render();
    const row = this.items.get(this.exchanges[this.activeIndex]!.id)?.firstElementChild;
    (row as HTMLElement | undefined)?.focus({ preventScroll: true });
  }

  private rowIndex(target: EventTarget | null): number | undefined {
    const row = (target as Element | null)?.closest?.('.exchange-row');
    if (!row || !this.list.contains(row)) return undefined;
    return Number(row.getAttribute('data-index'));
  }

  private onClick(event: MouseEvent): void {
    const index = this.rowIndex(event.target);
    if (index === undefined) return;
    this.activeIndex = index;
    this.toggle(index);
  }

  private onFocusIn(event: FocusEvent): void {
    const index = this.rowIndex(event.target);
    if (index !== undefined) this.activeIndex = index;
  }

  private onKeyDown(event: KeyboardEvent): void {
    const target = event.target as Element;
    if (!target.classList?.contains('exchange-row')) return;
    const index = Number(target.getAttribute('data-index'));
    const expanded = target.getAttribute('aria-expanded') === 'true';
    const page = Math.max(
      1,
      Math.floor(this.viewport.clientHeight / (this.rowHeight || FALLBACK_ROW_HEIGHT_PX)) - 1,
    );
    const moves: Record<string, () => void> = {
      Enter: () => this.toggle(index),
      ' ': () => this.toggle(index),
      ArrowRight: () => !expanded && this.toggle(index),
      ArrowLeft: () => expanded && this.toggle(index),
      ArrowDown: () => this.focusRow(index + 1),
      ArrowUp: () => this.focusRow(index - 1),
      PageDown: () => this.focusRow(index + page),
      PageUp: () => this.focusRow(index - page),
      Home: () => this.focusRow(0),
      End: () => this.focusRow(this.exchanges.length - 1),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    move();
  }
}
