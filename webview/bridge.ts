/**
 * The connection to the extension host: posting messages, receiving them, and saving state
 * through the API that VS Code injects into the webview.
 */
import type { HostMessage, WebviewMessage } from '../src/shared/inspectorProtocol';
import { parseHostMessage } from './hostMessages';
import type { Persistence, SavedState } from './state';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Delay before saving after a UI change (selection, expanded row, tab). */
const UI_SAVE_DELAY_MS = 100;
/**
 * Delay before saving after run data changes. Longer, because a run may stream hundreds of
 * exchanges and each save serializes every run.
 */
const DATA_SAVE_DELAY_MS = 1000;

export class HostBridge implements Persistence {
  private readonly api: VsCodeApi;
  private pending: (() => SavedState) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadline = Infinity;

  constructor() {
    this.api = acquireVsCodeApi();
    // A hidden webview is torn down; save whatever is pending while the page can still run.
    window.addEventListener('pagehide', () => this.flush());
  }

  post(message: WebviewMessage): void {
    this.api.postMessage(message);
  }

  savedState(): unknown {
    return this.api.getState();
  }

  /** Calls `handler` with each well-formed host message; others are logged and dropped. */
  listen(handler: (message: HostMessage) => void): void {
    window.addEventListener('message', (event: MessageEvent) => {
      const message = parseHostMessage(event.data);
      if (!message) {
        console.warn('Flow Inspector ignored a malformed message from the extension host.');
        return;
      }
      try {
        handler(message);
      } catch (error) {
        console.warn(`Flow Inspector could not apply a "${message.type}" message:`, error);
      }
    });
  }

  save(state: () => SavedState, soon: boolean): void {
    this.pending = state;
    const deadline = performance.now() + (soon ? UI_SAVE_DELAY_MS : DATA_SAVE_DELAY_MS);
    if (this.timer !== undefined && deadline >= this.deadline) return;
    clearTimeout(this.timer);
    this.deadline = deadline;
    this.timer = setTimeout(() => this.flush(), deadline - performance.now());
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.deadline = Infinity;
    if (!this.pending) return;
    this.api.setState(this.pending());
    this.pending = undefined;
  }
}
