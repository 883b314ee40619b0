/**
 * The webview's copy of the runs, servers and last certificate scan, and its UI state (view,
 * selected run, expanded rows, active tab, the New run form). All of it is saved through
 * `vscode.setState`, so a webview recreated after hiding renders at once, before the host's
 * snapshot arrives. Tokens typed or pasted by the user are never saved.
 */
import type { RecordedExchange } from '../src/engine/exchange';
import type { FlowStep } from '../src/engine/flowRun';
import {
  FLOW_KINDS,
  type CertificateScanStatus,
  type FlowKind,
  type HostMessage,
  type RunSnapshot,
  type ServerChoice,
} from '../src/shared/inspectorProtocol';
import { exchangeIdOf, isRunSnapshot, isScanStatus, isServerChoice } from './hostMessages';

export const TAB_IDS = ['exchanges', 'routing', 'tokens', 'result'] as const;
export type TabId = (typeof TAB_IDS)[number];

export const VIEW_IDS = ['runs', 'newRun', 'certificates', 'decode'] as const;
export type ViewId = (typeof VIEW_IDS)[number];

/**
 * The New run form's values, kept between renders and reloads. The token field is left out on
 * purpose, so a pasted access or refresh token is never saved.
 */
export interface FormDraft {
  flow: FlowKind;
  serverId?: string;
  client_id?: string;
  /** Text fields by parameter name (scope, resource, claims, ...). */
  fields: Record<string, string>;
  /** Check boxes by name (usePar, pkce, use_mtls_endpoint_aliases). */
  flags: Record<string, boolean>;
  /** Extra parameter rows as typed, empty ones included. */
  extra: Array<[string, string]>;
}

export interface UiState {
  view: ViewId;
  selectedRunId?: string;
  /** Expanded exchange ids per run id. */
  expanded: Record<string, string[]>;
  tab: TabId;
  form?: FormDraft;
}

/** What `vscode.setState` stores: runs without client secrets, refresh tokens or raw tokens. */
export interface SavedState {
  version: 1;
  ui: UiState;
  runs: RunSnapshot[];
  servers?: ServerChoice[];
  /** The last finished scan; a scan in progress is not saved. */
  certificates?: CertificateScanStatus;
}

export type StoreChange =
  /** The whole list was replaced: a snapshot, a clear, or a restore. */
  | { kind: 'runs' }
  /** A run was started or replaced by a newer state. */
  | { kind: 'run'; run: RunSnapshot; added: boolean }
  | { kind: 'exchange'; run: RunSnapshot; exchange: RecordedExchange }
  | { kind: 'step'; run: RunSnapshot; step: FlowStep }
  | { kind: 'selection' }
  | { kind: 'view' }
  | { kind: 'servers' }
  | { kind: 'certificates' }
  /** The host asked to decode a token in the Decode JWT view. */
  | { kind: 'decode'; token: string };

export interface Persistence {
  /**
   * Saves the state that `state` builds when the save happens, so a burst of changes builds it
   * once. `soon` is set for UI changes, which should survive an immediate hide.
   */
  save(state: () => SavedState, soon: boolean): void;
}

/** Drops null steps, which a state saved by an older version of this page may contain. */
/** Deepest nesting that storage copies walk; deeper values are kept as they are. */
const MAX_STORAGE_DEPTH = 64;

function tokenNote(token: string): string {
  return `[token not stored: ${token.length} characters]`;
}

function replaceInStrings(value: unknown, replace: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return replace(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_STORAGE_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => replaceInStrings(item, replace, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    copy[name] = replaceInStrings(member, replace, depth + 1);
  }
  return copy;
}

/**
 * Returns a copy of a run for `vscode.setState` without its raw tokens. Each token, wherever it
 * appears (the token list, response bodies, Authorization headers), becomes a note of its
 * length; decoded headers and claims stay. The host's next snapshot brings the tokens back for
 * as long as it still has the run.
 */
function runForStorage(run: RunSnapshot): RunSnapshot {
  const tokens = run.tokens
    .map((entry) => entry.token)
    .filter((token): token is string => typeof token === 'string' && token.length > 0)
    .sort((a, b) => b.length - a.length);
  if (tokens.length === 0) return run;
  return replaceInStrings(run, (text) => {
    let result = text;
    for (const token of tokens) result = result.split(token).join(tokenNote(token));
    return result;
  }) as RunSnapshot;
}

function withoutStepGaps(run: unknown): unknown {
  if (run === null || typeof run !== 'object') return run;
  const steps = (run as { steps?: unknown }).steps;
  return Array.isArray(steps) ? { ...run, steps: steps.filter((step) => step != null) } : run;
}

function isStringRecord<T>(value: unknown, type: 'string' | 'boolean'): value is Record<string, T> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === type)
  );
}

function restoreDraft(value: unknown): FormDraft | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const draft = value as Partial<FormDraft>;
  const extra = Array.isArray(draft.extra) ? draft.extra : [];
  if (!FLOW_KINDS.includes(draft.flow as FlowKind)) return undefined;
  return {
    flow: draft.flow as FlowKind,
    serverId: typeof draft.serverId === 'string' ? draft.serverId : undefined,
    client_id: typeof draft.client_id === 'string' ? draft.client_id : undefined,
    fields: isStringRecord<string>(draft.fields, 'string') ? { ...draft.fields } : {},
    flags: isStringRecord<boolean>(draft.flags, 'boolean') ? { ...draft.flags } : {},
    extra: extra.filter(
      (row): row is [string, string] =>
        Array.isArray(row) &&
        row.length === 2 &&
        typeof row[0] === 'string' &&
        typeof row[1] === 'string',
    ),
  };
}

/** Reads a saved state, dropping runs and fields whose shape is not the current one. */
export function restoreState(value: unknown): SavedState | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const saved = value as Partial<SavedState>;
  if (saved.version !== 1 || !Array.isArray(saved.runs) || typeof saved.ui !== 'object') {
    return undefined;
  }
  const ui = saved.ui as Partial<UiState>;
  const expanded: Record<string, string[]> = {};
  for (const [runId, ids] of Object.entries(ui.expanded ?? {})) {
    if (Array.isArray(ids)) expanded[runId] = ids.filter((id) => typeof id === 'string');
  }
  const certificates = saved.certificates;
  return {
    version: 1,
    runs: saved.runs.map(withoutStepGaps).filter(isRunSnapshot),
    servers: Array.isArray(saved.servers) ? saved.servers.filter(isServerChoice) : undefined,
    certificates:
      isScanStatus(certificates) && certificates.state === 'done' ? certificates : undefined,
    ui: {
      view: VIEW_IDS.includes(ui.view as ViewId) ? (ui.view as ViewId) : 'runs',
      selectedRunId: typeof ui.selectedRunId === 'string' ? ui.selectedRunId : undefined,
      expanded,
      tab: TAB_IDS.includes(ui.tab as TabId) ? (ui.tab as TabId) : 'exchanges',
      form: restoreDraft(ui.form),
    },
  };
}

export class InspectorStore {
  private runList: RunSnapshot[] = [];
  private ui: UiState = { view: 'runs', expanded: {}, tab: 'exchanges' };
  private serverList: ServerChoice[] | undefined;
  private scanStatus: CertificateScanStatus | undefined;
  private readonly listeners = new Set<(change: StoreChange) => void>();

  constructor(
    private readonly persistence: Persistence,
    saved?: SavedState,
  ) {
    if (saved) {
      this.runList = saved.runs;
      this.ui = saved.ui;
      this.serverList = saved.servers;
      this.scanStatus = saved.certificates;
    }
  }

  get view(): ViewId {
    return this.ui.view;
  }

  /** The configured servers, or undefined until the host has sent them. */
  get servers(): readonly ServerChoice[] | undefined {
    return this.serverList;
  }

  get certificates(): CertificateScanStatus | undefined {
    return this.scanStatus;
  }

  get form(): FormDraft | undefined {
    return this.ui.form;
  }

  setView(view: ViewId): void {
    if (this.ui.view === view) return;
    this.ui.view = view;
    this.emit({ kind: 'view' }, true);
  }

  /** Keeps the New run form's values; the caller leaves out the token. */
  setForm(draft: FormDraft): void {
    this.ui.form = draft;
    this.save(true);
  }

  get runs(): readonly RunSnapshot[] {
    return this.runList;
  }

  get tab(): TabId {
    return this.ui.tab;
  }

  get selectedRun(): RunSnapshot | undefined {
    return this.find(this.ui.selectedRunId);
  }

  find(runId: string | undefined): RunSnapshot | undefined {
    return runId === undefined ? undefined : this.runList.find((run) => run.id === runId);
  }

  subscribe(listener: (change: StoreChange) => void): void {
    this.listeners.add(listener);
  }

  /** Selects a run; returns false when there is no run with that id. */
  select(runId: string): boolean {
    if (!this.find(runId)) return false;
    if (this.ui.selectedRunId !== runId) {
      this.ui.selectedRunId = runId;
      this.emit({ kind: 'selection' }, true);
    }
    return true;
  }

  setTab(tab: TabId): void {
    if (this.ui.tab === tab) return;
    this.ui.tab = tab;
    this.save(true);
  }

  /** Ids of the expanded exchange rows of a run. */
  expandedIds(runId: string): readonly string[] {
    return this.ui.expanded[runId] ?? [];
  }

  /** Expands or collapses one exchange row and returns whether it is now expanded. */
  toggleExpanded(runId: string, exchangeId: string): boolean {
    const ids = this.ui.expanded[runId] ?? [];
    const expanded = !ids.includes(exchangeId);
    this.ui.expanded[runId] = expanded
      ? [...ids, exchangeId]
      : ids.filter((id) => id !== exchangeId);
    this.save(true);
    return expanded;
  }

  /** Applies a host message. Messages about unknown runs are ignored. */
  apply(message: HostMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.replaceAll(message.runs, message.selectedRunId);
        return;
      case 'runStarted':
      case 'runFinished':
        this.upsert(message.run);
        return;
      case 'exchangeAdded':
        this.addExchange(message.runId, message.exchange);
        return;
      case 'stepUpdated':
        this.updateStep(message.runId, message.step);
        return;
      case 'selectRun':
        this.select(message.runId);
        return;
      case 'servers':
        this.serverList = message.servers;
        this.emit({ kind: 'servers' }, false);
        return;
      case 'certificates':
        this.scanStatus = message.status;
        // Progress messages arrive often; only a finished scan is worth saving soon.
        this.emit({ kind: 'certificates' }, message.status.state !== 'scanning');
        return;
      case 'decode':
        this.emit({ kind: 'decode', token: message.token }, false);
        return;
      case 'response':
        // Responses go to the request tracker, which main.ts hands them to.
        return;
    }
  }

  /**
   * Replaces every run. The host's `selectedRunId` wins because the host hears of every selection
   * made here; without one, the current selection stays if its run still exists.
   */
  private replaceAll(runs: RunSnapshot[], selectedRunId: string | undefined): void {
    this.runList = [...runs];
    const keep = [selectedRunId, this.ui.selectedRunId].find((id) => this.find(id) !== undefined);
    this.ui.selectedRunId = keep ?? this.runList.at(-1)?.id;
    for (const runId of Object.keys(this.ui.expanded)) {
      if (!this.find(runId)) delete this.ui.expanded[runId];
    }
    this.emit({ kind: 'runs' }, true);
  }

  private upsert(run: RunSnapshot): void {
    const index = this.runList.findIndex((existing) => existing.id === run.id);
    if (index >= 0) this.runList[index] = run;
    else this.runList.push(run);
    this.emit({ kind: 'run', run, added: index < 0 }, false);
    if (this.ui.selectedRunId === undefined || !this.selectedRun) this.select(run.id);
  }

  private addExchange(runId: string, exchange: RecordedExchange): void {
    const run = this.find(runId);
    // The run's exchanges have not all been checked yet (isRunSnapshot), so only their ids are read.
    if (!run || run.exchanges.some((existing) => exchangeIdOf(existing) === exchange.id)) return;
    run.exchanges.push(exchange);
    this.emit({ kind: 'exchange', run, exchange }, false);
  }

  /**
   * Replaces the step with the same index, or inserts it in index order. The list stays dense, so
   * a step with a large index cannot create a huge sparse array.
   */
  private updateStep(runId: string, step: FlowStep): void {
    const run = this.find(runId);
    if (!run) return;
    const steps = run.steps;
    const position = steps.findIndex((existing) => existing.index >= step.index);
    if (position === -1) steps.push(step);
    else if (steps[position]!.index === step.index) steps[position] = step;
    else steps.splice(position, 0, step);
    this.emit({ kind: 'step', run, step }, false);
  }

  private emit(change: StoreChange, soon: boolean): void {
    for (const listener of this.listeners) listener(change);
    this.save(soon);
  }

  private save(soon: boolean): void {
    this.persistence.save(
      () => ({
        version: 1,
        ui: this.ui,
        runs: this.runList.map(runForStorage),
        servers: this.serverList,
        certificates: this.scanStatus?.state === 'done' ? this.scanStatus : undefined,
      }),
      soon,
    );
  }
}
