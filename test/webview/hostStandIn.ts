/**
 * The stand-in for the script VS Code injects into webviews. The harness bundles this file with
 * esbuild and adds it to the page before the page's own scripts. It is bundled instead of passed
 * to Playwright as a function because tsx compiles test files with esbuild's `keepNames`, which
 * wraps functions in a `__name` helper that does not exist in the page.
 */
import type { HostRecord, StandInOptions } from './harnessTypes';

declare global {
  interface Window {
    __host: HostRecord;
    __standInOptions: StandInOptions;
  }
}

const options = window.__standInOptions;
const host: HostRecord = { posted: [], state: options.state, violations: [] };
window.__host = host;
let acquired = false;

(window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => {
  if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
  acquired = true;
  return Object.freeze({
    postMessage: (message: unknown) => host.posted.push(JSON.parse(JSON.stringify(message))),
    getState: () => host.state,
    setState: (state: unknown) => {
      host.state = JSON.parse(JSON.stringify(state));
      return state;
    },
  });
};

document.addEventListener('securitypolicyviolation', (event) => {
  host.violations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    sample: event.sample,
  });
});

document.addEventListener('DOMContentLoaded', () => {
  for (const [name, value] of Object.entries(options.theme.variables)) {
    document.documentElement.style.setProperty(name, value);
  }
  document.body.classList.add(options.theme.kind);
  document.body.setAttribute('data-vscode-theme-kind', options.theme.kind);
});
