/** Wires the store to the views and the views' actions to the host. */
import { MAX_WEBVIEW_TEXT, type WebviewMessage } from '../src/shared/inspectorProtocol';
import { h } from './dom';
import { RunList } from './runList';
import { RunView } from './runView';
import type { InspectorStore, StoreChange } from './state';
import { installTooltips } from './tooltip';

/** How long a notice stays visible. */
const ANNOUNCEMENT_MS = 4000;

export class InspectorApp {
  private readonly runList: RunList;
  private readonly runView: RunView;
  /** A short notice in the corner that screen readers also announce: copies and finished runs. */
  private readonly announcer = h('div', {
    class: 'announcer',
    role: 'status',
    'aria-live': 'polite',
  });
  private announcerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    root: HTMLElement,
    private readonly store: InspectorStore,
    private readonly post: (message: WebviewMessage) => void,
  ) {
    this.runList = new RunList({
      select: (runId) => this.select(runId),
      clear: () => this.post({ type: 'clearRuns' }),
    });
    this.runView = new RunView({
      isExpanded: (runId, exchangeId) => store.isExpanded(runId, exchangeId),
      toggle: (runId, exchangeId) => store.toggleExpanded(runId, exchangeId),
      detailContext: () => ({
        client_id: store.selectedRun?.client_id ?? '',
        copy: (text, what) => this.copy(text, what),
      }),
      copy: (text, what) => this.copy(text, what),
      rerun: (runId) => this.post({ type: 'rerun', runId }),
      tab: () => store.tab,
      setTab: (tab) => store.setTab(tab),
    });
    root.replaceChildren(this.runList.element, this.runView.element, this.announcer);
    root.removeAttribute('aria-busy');
    installTooltips(root);
    store.subscribe((change) => this.onChange(change));
    this.renderAll();
  }

  private select(runId: string): void {
    if (this.store.select(runId)) this.post({ type: 'runSelected', runId });
  }

  private copy(text: string, what: string): void {
    // The host ignores longer texts as malformed, so copying them would fail without a word.
    if (text.length > MAX_WEBVIEW_TEXT) {
      const size = `${text.length.toLocaleString('en')} characters`;
      const limit = MAX_WEBVIEW_TEXT.toLocaleString('en');
      this.announce(`The ${what} was not copied: it has ${size}, and the limit is ${limit}.`);
      return;
    }
    this.post({ type: 'copy', text });
    this.announce(`Copied the ${what}.`);
  }

  private announce(text: string): void {
    this.announcer.textContent = text;
    clearTimeout(this.announcerTimer);
    this.announcerTimer = setTimeout(() => {
      this.announcer.textContent = '';
    }, ANNOUNCEMENT_MS);
  }

  private renderAll(): void {
    this.runList.render(this.store.runs, this.store.selectedRun?.id);
    this.runView.show(this.store.selectedRun);
  }

  private onChange(change: StoreChange): void {
    const selected = this.store.selectedRun;
    switch (change.kind) {
      case 'runs':
      case 'selection':
        this.renderAll();
        return;
      case 'run': {
        this.runList.render(this.store.runs, selected?.id);
        if (change.run !== selected) return;
        this.runView.show(selected);
        if (change.run.status !== 'running')
          this.announce(`${change.run.title}: ${change.run.status}.`);
        return;
      }
      case 'exchange':
        this.runView.exchangeAdded(change.run);
        return;
      case 'step':
        this.runView.stepUpdated(change.run);
        return;
    }
  }
}
