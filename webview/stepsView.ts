/**
 * The steps of a run. Running steps show the time elapsed so far, refreshed every second while
 * any step runs.
 */
import type { FlowStep } from '../src/engine/flowRun';
import { h } from './dom';
import { formatDuration } from './format';

const STATUS_TEXT: Record<FlowStep['status'], string> = {
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
};

function elapsed(step: FlowStep, now: number): string {
  if (step.durationMs !== undefined) return formatDuration(step.durationMs);
  const started = Date.parse(step.startedAt);
  return Number.isNaN(started) ? '' : `${formatDuration(Math.max(0, now - started))} so far`;
}

export class StepsView {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private steps: FlowStep[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    this.list = h('ol', { class: 'steps', 'aria-label': 'Steps' });
    this.element = h(
      'section',
      { class: 'steps-section', 'aria-label': 'Steps' },
      h('h3', {}, 'Steps'),
      this.list,
    );
  }

  render(steps: readonly FlowStep[]): void {
    this.steps = steps.filter((step) => step != null);
    const now = Date.now();
    const items = this.steps.map((step) =>
      h(
        'li',
        { class: `step step-${step.status}`, 'data-step': step.index },
        h('span', { class: 'step-icon', 'aria-hidden': 'true' }),
        h('span', { class: 'step-title' }, step.title),
        h('span', { class: 'step-status' }, STATUS_TEXT[step.status] ?? step.status),
        h('span', { class: 'step-duration' }, elapsed(step, now)),
        step.detail ? h('span', { class: 'step-detail' }, step.detail) : null,
      ),
    );
    if (items.length === 0) items.push(h('li', { class: 'empty' }, 'No steps recorded.'));
    this.list.replaceChildren(...items);
    this.updateTimer();
  }

  private updateTimer(): void {
    const running = this.steps.some((step) => step.status === 'running');
    if (running && this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), 1000);
    } else if (!running && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const step of this.steps) {
      if (step.status !== 'running') continue;
      const cell = this.list.querySelector(`[data-step="${step.index}"] .step-duration`);
      if (cell) cell.textContent = elapsed(step, now);
    }
  }
}
