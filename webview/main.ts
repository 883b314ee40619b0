/**
 * Entry point of the Flow Inspector webview: registers the toolkit components, restores the saved
 * state, renders it, and only then tells the host it is ready for the snapshot.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
} from '@vscode/webview-ui-toolkit';
import { InspectorApp } from './app';
import { HostBridge } from './bridge';
import { InspectorStore, restoreState } from './state';

// vscode-badge is left out on purpose: its template has a bound `style` attribute, which a CSP
// without 'unsafe-inline' reports as a style-src-attr violation. Tab counts are plain spans.
provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodePanels(),
  vsCodePanelTab(),
  vsCodePanelView(),
);

const root = document.getElementById('inspector-root');
if (root) {
  const bridge = new HostBridge();
  const store = new InspectorStore(bridge, restoreState(bridge.savedState()));
  new InspectorApp(root, store, (message) => bridge.post(message));
  bridge.listen((message) => store.apply(message));
  bridge.post({ type: 'ready' });
}
