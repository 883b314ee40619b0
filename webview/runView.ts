/**
 * The selected run: header, error, steps, and tabs for exchanges, routing, tokens and the result.
 * Tab contents other than the timeline are built when their tab is shown, and rebuilt only after
 * the run changed.
 */
import type { RunSnapshot } from '../src/shared/inspectorProtocol';
import { jsonBlock } from './bodyView';
import { button, h, type Child } from './dom';
import { formatTimestamp } from './format';
import { renderRoutingTable } from './routingTable';
import { statusBadge } from './runList';
import { TAB_IDS, type TabId } from './state';
import { StepsView } from './stepsView';
import { Timeline, type TimelineOptions } from './timeline';
import { renderToken } from './tokenView';

export interface RunViewOptions extends TimelineOptions {
  copy(text: string, what: string): void;
  rerun(runId: string): void;
  tab(): TabId;
  setTab(tab: TabId): void;
}

const TAB_TITLES: Record<TabId, string> = {
  exchanges: 'Exchanges',
  routing: 'Routing',
  tokens: 'Tokens',
  result: 'Result',
};

interface Tab {
  tab: HTMLElement;
  view: HTMLElement;
  count: HTMLElement;
}

function fact(term: string, value: Child): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, value)];
}

export class RunView {
  readonly element: HTMLElement;
  private readonly header = h('div', { class: 'run-header' });
  private readonly steps = new StepsView();
  private readonly panels: HTMLElement;
  private readonly tabs = {} as Record<TabId, Tab>;
  private readonly timeline: Timeline;
  private readonly stale = new Set<TabId>();
  private readonly empty = h(
    'p',
    { class: 'empty no-run' },
    'Select a run to see its requests, responses and tokens.',
  );
  private run: RunSnapshot | undefined;

  constructor(private readonly options: RunViewOptions) {
    this.timeline = new Timeline(options);
    this.panels = h('vscode-panels', {
      class: 'run-tabs',
      'aria-label': 'Run details',
      activeid: `tab-${options.tab()}`,
    });
    for (const id of TAB_IDS) {
      const count = h('span', { class: 'count' });
      const tab = h('vscode-panel-tab', { id: `tab-${id}`, 'data-tab': id }, TAB_TITLES[id], count);
      const view = h('vscode-panel-view', { id: `view-${id}`, class: `tab-view view-${id}` });
      this.tabs[id] = { tab, view, count };
    }
    this.panels.append(
      ...TAB_IDS.map((id) => this.tabs[id].tab),
      ...TAB_IDS.map((id) => this.tabs[id].view),
    );
    this.tabs.exchanges.view.append(this.timeline.element);
    this.panels.addEventListener('change', (event) => {
      if (event.target === this.panels) this.onTabChange();
    });
    this.element = h('main', { class: 'run-pane', 'aria-label': 'Selected run' }, this.empty);
  }

  /** Shows a run, or the empty state; the same run again keeps its scroll position and rows. */
  show(run: RunSnapshot | undefined): void {
    this.run = run;
    if (!run) {
      this.element.replaceChildren(this.empty);
      return;
    }
    if (!this.element.contains(this.panels)) {
      this.element.replaceChildren(this.header, this.steps.element, this.panels);
    }
    this.renderHeader(run);
    this.steps.render(run.steps);
    this.timeline.setRun(run);
    for (const id of TAB_IDS) this.stale.add(id);
    this.stale.delete('exchanges');
    this.updateCounts(run);
    this.renderActiveTab();
  }

  exchangeAdded(run: RunSnapshot): void {
    if (run !== this.run) return;
    this.timeline.exchangeAdded();
    this.updateCounts(run);
  }

  stepUpdated(run: RunSnapshot): void {
    if (run === this.run) this.steps.render(run.steps);
  }

  private activeTab(): TabId {
    const active = (this.panels as HTMLElement & { activeid?: string }).activeid ?? '';
    const id = active.replace(/^tab-/, '') as TabId;
    return TAB_IDS.includes(id) ? id : this.options.tab();
  }

  private onTabChange(): void {
    const tab = this.activeTab();
    this.options.setTab(tab);
    this.renderActiveTab();
  }

  private renderActiveTab(): void {
    const tab = this.activeTab();
    const run = this.run;
    if (!run) return;
    if (tab === 'exchanges') {
      this.timeline.scheduleRender();
      return;
    }
    if (!this.stale.has(tab)) return;
    this.stale.delete(tab);
    this.tabs[tab].view.replaceChildren(this.renderTab(tab, run));
  }

  private renderTab(tab: Exclude<TabId, 'exchanges'>, run: RunSnapshot): HTMLElement {
    if (tab === 'routing') return renderRoutingTable(run.routes);
    if (tab === 'tokens') {
      if (run.tokens.length === 0) return h('p', { class: 'empty' }, 'No tokens yet.');
      const now = Date.now();
      return h(
        'div',
        { class: 'tokens' },
        ...run.tokens.map((token) => renderToken(token, this.options.copy, now)),
      );
    }
    if (!run.result)
      return h(
        'p',
        { class: 'empty' },
        run.status === 'running' ? 'The run has no result yet.' : 'The run ended without a result.',
      );
    return h(
      'div',
      { class: 'result' },
      h(
        'div',
        { class: 'actions' },
        button('Copy result', () =>
          this.options.copy(JSON.stringify(run.result, null, 2), 'result'),
        ),
      ),
      jsonBlock(run.result, 'Final response'),
    );
  }

  private updateCounts(run: RunSnapshot): void {
    this.tabs.exchanges.count.textContent = String(run.exchanges.length);
    this.tabs.tokens.count.textContent = String(run.tokens.length);
    this.tabs.routing.count.hidden = true;
    this.tabs.result.count.hidden = true;
  }

  private renderHeader(run: RunSnapshot): void {
    const certificate = run.clientCertificate;
    const facts = h(
      'dl',
      { class: 'run-facts' },
      ...fact('Server', `${run.serverLabel} (${run.issuer})`),
      ...fact('Client', run.client_id),
      ...fact('Client authentication', run.token_endpoint_auth_method),
      ...fact(
        'mTLS endpoint aliases',
        run.use_mtls_endpoint_aliases ? 'used when the metadata has them' : 'not used',
      ),
      ...fact(
        'Client certificate',
        certificate
          ? h(
              'span',
              {},
              certificate.subject,
              ' ',
              h('code', {}, `x5t#S256 ${certificate.x5tS256}`),
            )
          : 'none',
      ),
      ...fact('Started', h('time', { datetime: run.startedAt }, formatTimestamp(run.startedAt))),
    );
    const authorizationUrl = run.authorizationUrl;
    const actions = h(
      'div',
      { class: 'actions' },
      button('Run again', () => this.options.rerun(run.id), {
        appearance: 'primary',
        label: `Run ${run.title} again`,
      }),
      authorizationUrl
        ? button('Copy authorization URL', () =>
            this.options.copy(authorizationUrl, 'authorization URL'),
          )
        : null,
    );
    const error = run.error
      ? h(
          'div',
          { class: 'run-error', role: 'alert' },
          h('p', { class: 'error-message' }, h('strong', {}, run.error.message)),
          run.error.hint ? h('p', { class: 'error-hint' }, run.error.hint) : null,
          h('p', { class: 'error-code' }, h('code', {}, run.error.code)),
        )
      : null;
    const heading = h(
      'div',
      { class: 'run-heading' },
      h('h2', {}, run.title),
      statusBadge(run.status),
    );
    this.header.replaceChildren(heading, ...(error ? [error] : []), facts, actions);
  }
}
