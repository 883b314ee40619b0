import * as vscode from 'vscode';
import type { RecordedExchange } from '../engine/exchange';
import type { FlowStep } from '../engine/flowRun';
import type { HostMessage, RunSnapshot } from '../shared/inspectorProtocol';

/** Runs kept for the inspector and the tree; older ones are dropped. */
const MAX_RUNS = 50;

/**
 * The runs of this window, newest last, and the events the inspector replays. Snapshots hold no
 * client secret or refresh token: flows redact those before results reach here.
 */
export class RunRegistry implements vscode.Disposable {
  private readonly runs: RunSnapshot[] = [];
  private readonly events = new vscode.EventEmitter<HostMessage>();
  readonly onEvent = this.events.event;

  all(): readonly RunSnapshot[] {
    return this.runs;
  }

  get(runId: string): RunSnapshot | undefined {
    return this.runs.find((run) => run.id === runId);
  }

  forServer(serverId: string): RunSnapshot[] {
    return this.runs.filter((run) => run.serverId === serverId);
  }

  start(run: RunSnapshot): void {
    this.runs.push(run);
    if (this.runs.length > MAX_RUNS) this.runs.splice(0, this.runs.length - MAX_RUNS);
    this.events.fire({ type: 'runStarted', run });
  }

  addExchange(runId: string, exchange: RecordedExchange): void {
    const run = this.get(runId);
    if (!run) return;
    run.exchanges.push(exchange);
    this.events.fire({ type: 'exchangeAdded', runId, exchange });
  }

  updateStep(runId: string, step: FlowStep): void {
    const run = this.get(runId);
    if (!run) return;
    run.steps[step.index] = step;
    this.events.fire({ type: 'stepUpdated', runId, step });
  }

  /** Changes a running run (its authorization URL, say) and sends its new state. */
  update(runId: string, update: Partial<RunSnapshot>): void {
    this.finish(runId, update);
  }

  finish(runId: string, update: Partial<RunSnapshot>): void {
    const run = this.get(runId);
    if (!run) return;
    Object.assign(run, update);
    this.events.fire({ type: 'runFinished', run });
  }

  clear(): void {
    this.runs.splice(0, this.runs.length);
    this.events.fire({ type: 'snapshot', runs: [] });
  }

  dispose(): void {
    this.events.dispose();
  }
}
