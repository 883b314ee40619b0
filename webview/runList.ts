/** The list of runs, newest first, as a single-select listbox. */
import type { RunSnapshot } from '../src/shared/inspectorProtocol';
import { button, h } from './dom';
import { formatTimestamp } from './format';

export interface RunListOptions {
  select(runId: string): void;
  clear(): void;
}

export function statusBadge(status: RunSnapshot['status']): HTMLElement {
  return h('span', { class: `run-status run-status-${status}` }, status);
}

export class RunList {
  readonly element: HTMLElement;
  private readonly listbox: HTMLElement;

  constructor(private readonly options: RunListOptions) {
    this.listbox = h('ul', { class: 'run-list', role: 'listbox', 'aria-label': 'Runs' });
    this.listbox.addEventListener('click', (event) => this.onClick(event));
    this.listbox.addEventListener('keydown', (event) => this.onKeyDown(event));
    const header = h(
      'div',
      { class: 'pane-header' },
      h('h2', {}, 'Runs'),
      button('Clear', () => this.options.clear(), { label: 'Clear all runs' }),
    );
    this.element = h('nav', { class: 'runs-pane', 'aria-label': 'Runs' }, header, this.listbox);
  }

  render(runs: readonly RunSnapshot[], selectedRunId: string | undefined): void {
    const focusedId = (document.activeElement as HTMLElement | null)
      ?.closest?.('[data-run-id]')
      ?.getAttribute('data-run-id');
    const items = [...runs]
      .reverse()
      .map((run, index) => this.option(run, run.id === selectedRunId, index));
    if (!items.some((item) => item.getAttribute('tabindex') === '0') && items[0]) {
      items[0].setAttribute('tabindex', '0');
    }
    this.listbox.replaceChildren(...items);
    if (items.length === 0) {
      this.listbox.append(
        h(
          'li',
          { class: 'empty', role: 'presentation' },
          'No runs yet. Run a flow from the OAuth Explorer view.',
        ),
      );
    }
    if (focusedId) this.optionFor(focusedId)?.focus();
  }

  private option(run: RunSnapshot, selected: boolean, index: number): HTMLElement {
    return h(
      'li',
      {
        class: `run${selected ? ' selected' : ''}`,
        role: 'option',
        id: `run-option-${index}`,
        'data-run-id': run.id,
        'aria-selected': String(selected),
        tabindex: selected ? 0 : -1,
      },
      h('span', { class: 'run-title' }, run.title, ' ', statusBadge(run.status)),
      h('span', { class: 'run-meta' }, `${run.serverLabel} · ${run.client_id}`),
      h('span', { class: 'run-time' }, formatTimestamp(run.startedAt)),
    );
  }

  private optionFor(runId: string): HTMLElement | undefined {
    return [...this.listbox.querySelectorAll<HTMLElement>('[data-run-id]')].find(
      (element) => element.getAttribute('data-run-id') === runId,
    );
  }

  private onClick(event: MouseEvent): void {
    const option = (event.target as Element).closest('[data-run-id]');
    if (option) this.options.select(option.getAttribute('data-run-id')!);
  }

  private onKeyDown(event: KeyboardEvent): void {
    const option = (event.target as Element).closest<HTMLElement>('[data-run-id]');
    if (!option) return;
    const options = [...this.listbox.querySelectorAll<HTMLElement>('[data-run-id]')];
    const index = options.indexOf(option);
    const targets: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      Home: 0,
      End: options.length - 1,
    };
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.options.select(option.getAttribute('data-run-id')!);
      return;
    }
    const target = options[targets[event.key] ?? -1];
    if (!target) return;
    event.preventDefault();
    option.setAttribute('tabindex', '-1');
    target.setAttribute('tabindex', '0');
    target.focus();
  }
}
