/**
 * The exchange timeline: one row per exchange, windowed so that only the rows near the visible
 * part of the list exist in the DOM. Collapsed rows have one fixed height (the CSS variable
 * `--timeline-row-height`); expanded rows add the measured height of their detail, so the
 * offset of every row is known without rendering it (RowOffsets).
 *
 * A run's exchanges are not checked when the run arrives: each one is checked with isExchange
 * the first time its row is rendered or its id is needed, and one that fails the check is shown
 * as a malformed row, so one bad exchange does not hide the rest of the run.
 */
import type { RecordedExchange } from '../src/engine/exchange';
import type { RunSnapshot } from '../src/shared/inspectorProtocol';
import { h } from './dom';
import { renderExchangeDetail, type DetailContext } from './exchangeDetail';
import { exchangeIdOf, isExchange } from './hostMessages';
import { RowOffsets } from './rowOffsets';
import { ExchangeRow, malformedRow, type TimelineRow } from './timelineRows';

export interface TimelineOptions {
  /** Ids of the expanded exchanges of a run. */
  expandedIds(runId: string): readonly string[];
  /** Records the new state of a row and returns whether it is now expanded. */
  toggle(runId: string, exchangeId: string): boolean;
  detailContext(): DetailContext;
}

/**
 * Rows rendered above and below the visible part, as a fraction of the viewport height, so short
 * scrolls show rows at once. Both sides together add one viewport of rows.
 */
const OVERSCAN_VIEWPORTS = 0.5;
/** Height assumed for a detail until it has been measured. */
const ESTIMATED_DETAIL_HEIGHT_PX = 480;
/** Used when the CSS variable cannot be read. */
const FALLBACK_ROW_HEIGHT_PX = 26;
/** Height assumed for a hidden viewport, so a hidden tab still has its first rows. */
const HIDDEN_VIEWPORT_HEIGHT_PX = 600;

export class Timeline {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly list: HTMLElement;
  private run: RunSnapshot | undefined;
  /** The run's exchanges as received, each one checked only when it is first needed. */
  private exchanges: readonly unknown[] = [];
  /** Check results by index: the exchange, null when malformed, undefined until checked. */
  private checked: Array<RecordedExchange | null | undefined> = [];
  /** Ids of the run's expanded exchanges, as the store has them. */
  private expandedIds = new Set<string>();
  /** Exchange ids of the expanded rows, by row index. */
  private readonly expandedRows = new Map<number, string>();
  /** Exchanges before this index have been looked up in expandedIds. */
  private expandedScanEnd = 0;
  private offsets: RowOffsets | undefined;
  private readonly detailHeights = new Map<string, number>();
  /** Rows in the DOM, by index. */
  private readonly rows = new Map<number, TimelineRow>();
  /** Exchange rows taken out of the DOM, kept to be filled again for other exchanges. */
  private readonly spareRows: ExchangeRow[] = [];
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
    const body = h('div', { class: 'timeline-body' }, this.viewport);
    this.element = h('div', { class: 'timeline' }, header, body);
    this.viewport.addEventListener('scroll', () => this.scheduleRender(), { passive: true });
    this.list.addEventListener('click', (event) => this.onClick(event));
    this.list.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.list.addEventListener('focusin', (event) => this.onFocusIn(event));
    new ResizeObserver(() => this.scheduleRender()).observe(this.viewport);
  }

  /** Shows a run. The same run shown again (a newer state of it) keeps scroll and rows. */
  setRun(run: RunSnapshot): void {
    const sameRun = run.id === this.run?.id;
    this.run = run;
    this.exchanges = run.exchanges;
    this.checked = [];
    this.offsets = undefined;
    this.expandedIds = new Set(this.options.expandedIds(run.id));
    this.expandedRows.clear();
    this.expandedScanEnd = 0;
    if (!sameRun) {
      for (const [index, row] of this.rows) this.release(index, row);
      this.details.clear();
      this.detailHeights.clear();
      this.activeIndex = 0;
      this.viewport.scrollTop = 0;
    }
    this.findExpandedRows();
    this.list.setAttribute('aria-label', `Exchanges of ${run.title}`);
    this.render();
  }

  /** Called after an exchange was appended to the shown run's list. */
  exchangeAdded(): void {
    this.findExpandedRows();
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

  /**
   * Finds the rows of the expanded ids among the exchanges not looked at yet. It reads every
   * exchange's id, but only while the run has expanded rows, and checks only the matches.
   */
  private findExpandedRows(): void {
    const count = this.exchanges.length;
    if (this.expandedIds.size > 0) {
      for (let index = this.expandedScanEnd; index < count; index += 1) {
        const id = exchangeIdOf(this.exchanges[index]);
        if (id !== undefined && this.expandedIds.has(id) && this.exchangeAt(index)) {
          this.expandedRows.set(index, id);
        }
      }
    }
    this.expandedScanEnd = count;
  }

  /** Checks the exchange at `index` on first use and returns it, or undefined when malformed. */
  private exchangeAt(index: number): RecordedExchange | undefined {
    let exchange = this.checked[index];
    if (exchange === undefined) {
      const value = this.exchanges[index];
      exchange = isExchange(value) ? value : null;
      this.checked[index] = exchange;
      if (exchange === null) {
        console.warn(
          `Flow Inspector shows exchange ${index + 1} of run "${this.run?.id}" as malformed: ` +
            'the extension host sent it in a shape the inspector cannot render.',
        );
      }
    }
    return exchange ?? undefined;
  }

  private layout(measureAgain: boolean): void {
    if (this.rowHeight === 0) this.rowHeight = this.readRowHeight();
    const offsets = this.currentOffsets();
    const [first, last] = this.visibleRange(offsets);
    this.patch(first, last);
    const empty = offsets.count === 0;
    // Style properties set through the CSSOM are allowed by a CSP without 'unsafe-inline'.
    this.list.style.paddingTop = `${empty ? 0 : offsets.top(first)}px`;
    this.list.style.paddingBottom = `${empty ? 0 : offsets.total() - offsets.top(last + 1)}px`;
    if (this.measureDetails(first, last) && measureAgain) {
      this.offsets = undefined;
      this.layout(false);
    }
  }

  private readRowHeight(): number {
    const value = parseFloat(getComputedStyle(this.list).getPropertyValue('--timeline-row-height'));
    return Number.isFinite(value) && value > 0 ? value : FALLBACK_ROW_HEIGHT_PX;
  }

  private currentOffsets(): RowOffsets {
    if (!this.offsets) {
      const heights = new Map<number, number>();
      for (const [index, id] of this.expandedRows) {
        heights.set(index, this.detailHeights.get(id) ?? ESTIMATED_DETAIL_HEIGHT_PX);
      }
      this.offsets = new RowOffsets(this.exchanges.length, this.rowHeight, heights);
    }
    return this.offsets;
  }

  /** First and last index to render; last is first - 1 when there is nothing. */
  private visibleRange(offsets: RowOffsets): [number, number] {
    if (offsets.count === 0) return [0, -1];
    const height = this.viewport.clientHeight || HIDDEN_VIEWPORT_HEIGHT_PX;
    const overscan = Math.ceil(height * OVERSCAN_VIEWPORTS);
    const top = Math.max(0, this.viewport.scrollTop - overscan);
    const bottom = this.viewport.scrollTop + height + overscan;
    const first = offsets.indexAt(top);
    let last = offsets.indexAt(bottom);
    // A row that starts exactly at the bottom edge is not needed yet.
    if (last > first && offsets.top(last) >= bottom) last -= 1;
    return [first, last];
  }

  /**
   * Makes the list hold exactly the rows first..last, in order. Rows that stay are not moved, so
   * a focused row keeps its focus, and rows that leave are kept to be filled again.
   */
  private patch(first: number, last: number): void {
    for (const [index, row] of this.rows) {
      if (index < first || index > last) this.release(index, row);
    }
    const count = String(this.exchanges.length);
    const tabbable =
      this.activeIndex >= first && this.activeIndex <= last ? this.activeIndex : first;
    let cursor: ChildNode | null = this.list.firstChild;
    for (let index = first; index <= last; index += 1) {
      const existing = this.rows.get(index);
      const row = this.rowFor(index, existing);
      if (existing && row !== existing) {
        if (cursor === existing.item) cursor = cursor.nextSibling;
        this.release(index, existing);
      }
      this.rows.set(index, row);
      if (row.item === cursor) cursor = cursor.nextSibling;
      else this.list.insertBefore(row.item, cursor);
      row.item.setAttribute('aria-setsize', count);
      row.row.setAttribute('tabindex', index === tabbable ? '0' : '-1');
    }
  }

  /**
   * Picks the row to show at `index`: `existing` when it still shows the same exchange value, else
   * `existing` or a spare row filled again, or a malformed row.
   */
  private rowFor(index: number, existing: TimelineRow | undefined): TimelineRow {
    const source = this.exchanges[index];
    if (existing && existing.source === source) return existing;
    const exchange = this.exchangeAt(index);
    if (!exchange) return malformedRow(source, index);
    const row =
      existing instanceof ExchangeRow ? existing : (this.spareRows.pop() ?? new ExchangeRow());
    this.fill(row, exchange, index);
    return row;
  }

  /** Fills an exchange row and attaches or detaches its detail to match the expanded state. */
  private fill(row: ExchangeRow, exchange: RecordedExchange, index: number): void {
    const expanded = this.expandedRows.has(index);
    row.show(exchange, index, expanded);
    const detail = expanded ? this.detailFor(exchange, index) : undefined;
    const attached = row.item.children[1];
    if (attached === detail) return;
    attached?.remove();
    if (detail) row.item.append(detail);
  }

  private release(index: number, row: TimelineRow): void {
    row.item.remove();
    this.rows.delete(index);
    if (!(row instanceof ExchangeRow)) return;
    row.item.children[1]?.remove();
    row.source = undefined;
    this.spareRows.push(row);
  }

  /**
   * Stores the measured height of rendered details; returns whether any changed. A hidden tab
   * has no layout, so nothing is measured while the timeline is hidden.
   */
  private measureDetails(first: number, last: number): boolean {
    if (this.viewport.offsetParent === null) return false;
    let changed = false;
    for (const [index, id] of this.expandedRows) {
      if (index < first || index > last) continue;
      const height = this.rows.get(index)!.item.offsetHeight - this.rowHeight;
      if (height !== this.detailHeights.get(id)) {
        this.detailHeights.set(id, height);
        changed = true;
      }
    }
    return changed;
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

  /** Expands or collapses the row at `index`; a malformed row does neither. */
  toggle(index: number): void {
    const exchange = this.exchangeAt(index);
    if (!exchange || !this.run) return;
    const expanded = this.options.toggle(this.run.id, exchange.id);
    if (expanded) {
      this.expandedIds.add(exchange.id);
      this.expandedRows.set(index, exchange.id);
    } else {
      this.expandedIds.delete(exchange.id);
      this.expandedRows.delete(index);
      this.details.get(exchange.id)?.remove();
      this.details.delete(exchange.id);
    }
    const row = this.rows.get(index);
    if (row instanceof ExchangeRow) this.fill(row, exchange, index);
    this.offsets = undefined;
    this.render();
  }

  /** Moves keyboard focus to the row at `index`, scrolling it into view first. */
  focusRow(index: number): void {
    const count = this.exchanges.length;
    if (count === 0) return;
    this.activeIndex = Math.max(0, Math.min(count - 1, index));
    const top = this.currentOffsets().top(this.activeIndex);
    const viewTop = this.viewport.scrollTop;
    const viewHeight = this.viewport.clientHeight;
    if (top < viewTop) this.viewport.scrollTop = top;
    else if (top + this.rowHeight > viewTop + viewHeight) {
      this.viewport.scrollTop = top + this.rowHeight - viewHeight;
    }
    this.render();
    this.rows.get(this.activeIndex)?.row.focus({ preventScroll: true });
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
