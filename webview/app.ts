/** Wires the store to the views and the views' actions to the host. */
import type { InspectedToken } from '../src/engine/tokens';
import {
  MAX_WEBVIEW_TEXT,
  type FlowKind,
  type FlowRunParameters,
  type WebviewMessage,
} from '../src/shared/inspectorProtocol';
import { CertificatesView, type Notice } from './certificatesView';
import { DecodeView } from './decodeView';
import { h } from './dom';
import { FlowForm, isRunOutcome, type RunOutcome } from './flowForm';
import { isToken } from './hostMessages';
import { anyResult, type Outcome, type RequestTracker } from './requests';
import { RunList } from './runList';
import { RunView } from './runView';
import { VIEW_IDS, type InspectorStore, type StoreChange, type ViewId } from './state';
import { installTooltips } from './tooltip';

const VIEW_TITLES: Record<ViewId, string> = {
  runs: 'Runs',
  newRun: 'New run',
  certificates: 'Certificates',
  decode: 'Decode JWT',
};

/** How long a notice stays visible. */
const ANNOUNCEMENT_MS = 4000;

export class InspectorApp {
  private readonly runList: RunList;
  private readonly runView: RunView;
  private readonly flowForm: FlowForm;
  private readonly certificatesView: CertificatesView;
  private readonly decodeView: DecodeView;
  private readonly viewTabs = {} as Record<ViewId, HTMLElement>;
  private readonly viewPanels = {} as Record<ViewId, HTMLElement>;
  /** Set while a run started from the New run view has not shown up yet. */
  private followNextRun = false;
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
    private readonly requests: RequestTracker,
  ) {
    this.runList = new RunList({
      select: (runId) => this.select(runId),
      clear: () => this.post({ type: 'clearRuns' }),
    });
    this.runView = new RunView({
      expandedIds: (runId) => store.expandedIds(runId),
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
    this.flowForm = new FlowForm(
      {
        run: (flow, parameters) => this.runFlow(flow, parameters),
        saveDraft: (draft) => store.setForm(draft),
      },
      store.form,
    );
    this.certificatesView = new CertificatesView({
      rescan: () => this.post({ type: 'scanCertificates' }),
      unlock: (entryId) => this.unlock(entryId),
      use: (certificateId) => this.useCertificate(certificateId),
      copy: (text, what) => this.copy(text, what),
    });
    this.decodeView = new DecodeView({
      decode: (token, serverId) => this.decode(token, serverId),
      copy: (text, what) => this.copy(text, what),
    });
    const runsLayout = h(
      'div',
      { class: 'runs-layout' },
      this.runList.element,
      this.runView.element,
    );
    const contents: Record<ViewId, HTMLElement> = {
      runs: runsLayout,
      newRun: this.flowForm.element,
      certificates: this.certificatesView.element,
      decode: this.decodeView.element,
    };
    const bar = h('div', { class: 'view-bar', role: 'tablist', 'aria-label': 'Inspector views' });
    bar.addEventListener('keydown', (event) => this.onViewKey(event));
    for (const id of VIEW_IDS) {
      const tab = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: 'view-tab',
          id: `view-tab-${id}`,
          'aria-controls': `panel-${id}`,
          'data-view': id,
        },
        VIEW_TITLES[id],
      );
      tab.addEventListener('click', () => this.showView(id));
      this.viewTabs[id] = tab;
      this.viewPanels[id] = h(
        'div',
        {
          class: `view-panel panel-${id}`,
          id: `panel-${id}`,
          role: 'tabpanel',
          'aria-labelledby': `view-tab-${id}`,
        },
        contents[id],
      );
      bar.append(tab);
    }
    root.replaceChildren(bar, ...VIEW_IDS.map((id) => this.viewPanels[id]), this.announcer);
    root.removeAttribute('aria-busy');
    installTooltips(root);
    store.subscribe((change) => this.onChange(change));
    this.renderAll();
    this.flowForm.setServers(store.servers);
    this.decodeView.setServers(store.servers);
    this.certificatesView.render(store.certificates);
    this.renderView();
  }

  private showView(view: ViewId): void {
    this.store.setView(view);
    if (view === 'certificates' && !this.store.certificates)
      this.post({ type: 'scanCertificates' });
  }

  private renderView(): void {
    const current = this.store.view;
    for (const id of VIEW_IDS) {
      const selected = id === current;
      this.viewTabs[id].setAttribute('aria-selected', String(selected));
      this.viewTabs[id].setAttribute('tabindex', selected ? '0' : '-1');
      this.viewPanels[id].hidden = !selected;
    }
  }

  /** Arrow keys, Home and End move between the view tabs, as in a WAI-ARIA tab list. */
  private onViewKey(event: KeyboardEvent): void {
    const index = VIEW_IDS.indexOf(this.store.view);
    const targets: Record<string, number> = {
      ArrowRight: (index + 1) % VIEW_IDS.length,
      ArrowLeft: (index + VIEW_IDS.length - 1) % VIEW_IDS.length,
      Home: 0,
      End: VIEW_IDS.length - 1,
    };
    const target = VIEW_IDS[targets[event.key] ?? -1];
    if (target === undefined) return;
    event.preventDefault();
    this.showView(target);
    this.viewTabs[target].focus();
  }

  private async runFlow(
    flow: FlowKind,
    parameters: FlowRunParameters,
  ): Promise<Outcome<RunOutcome>> {
    this.followNextRun = true;
    const outcome = await this.requests.send(
      (requestId) => ({ type: 'runFlow', requestId, flow, parameters }),
      isRunOutcome,
    );
    this.followNextRun = false;
    return outcome;
  }

  private decode(token: string, serverId: string | undefined): Promise<Outcome<InspectedToken>> {
    return this.requests.send((requestId) => {
      const message: WebviewMessage = { type: 'decodeToken', requestId, token };
      if (serverId !== undefined) message.serverId = serverId;
      return message;
    }, isToken);
  }

  private async unlock(entryId: string): Promise<Notice | undefined> {
    const outcome = await this.requests.send(
      (requestId) => ({ type: 'unlockCertificate', requestId, entryId }),
      anyResult,
    );
    if (!outcome.ok) return { text: outcome.error, error: true };
    const unlocked = (outcome.result as { unlocked?: unknown } | undefined)?.unlocked === true;
    return unlocked ? undefined : { text: 'No passphrase was entered.', error: false };
  }

  private async useCertificate(certificateId: string): Promise<Notice | undefined> {
    const outcome = await this.requests.send(
      (requestId) => ({ type: 'useCertificate', requestId, certificateId }),
      anyResult,
    );
    if (!outcome.ok) return { text: outcome.error, error: true };
    const selected = (outcome.result as { selected?: unknown } | undefined)?.selected === true;
    return selected
      ? { text: 'Saved as the client certificate.', error: false }
      : { text: 'No client was changed.', error: false };
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
    switch (change.kind) {
      case 'runs':
      case 'selection':
        this.renderAll();
        return;
      case 'run': {
        if (change.added && this.followNextRun) {
          this.followNextRun = false;
          this.store.select(change.run.id);
          this.post({ type: 'runSelected', runId: change.run.id });
          this.showView('runs');
        }
        this.runList.render(this.store.runs, this.store.selectedRun?.id);
        if (change.run !== this.store.selectedRun) return;
        this.runView.show(change.run);
        if (change.run.status !== 'running')
          this.announce(`${change.run.title}: ${change.run.status}.`);
        return;
      }
      case 'view':
        this.renderView();
        return;
      case 'servers':
        this.flowForm.setServers(this.store.servers);
        this.decodeView.setServers(this.store.servers);
        return;
      case 'certificates':
        this.certificatesView.render(this.store.certificates);
        return;
      case 'decode':
        this.showView('decode');
        this.decodeView.show(change.token);
        return;
      case 'exchange':
        this.runView.exchangeAdded(change.run);
        return;
      case 'step':
        this.runView.stepUpdated(change.run);
        return;
    }
  }
}
