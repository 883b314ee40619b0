/** Types shared by the page harness (Node) and the host stand-in it injects into the page. */
import type { WebviewMessage } from '../../src/shared/inspectorProtocol';

/** A subset of the variables VS Code sets on the webview's <html> element for each theme kind. */
export interface Theme {
  kind: 'vscode-dark' | 'vscode-light' | 'vscode-high-contrast';
  variables: Record<string, string>;
}

/** What the host stand-in records in the page, read back with `page.evaluate`. */
export interface HostRecord {
  posted: WebviewMessage[];
  state: unknown;
  violations: Array<{ directive: string; blocked: string; sample: string }>;
}

export interface StandInOptions {
  /** Returned by `getState()` until the page saves its own. */
  state: unknown;
  theme: Theme;
}
