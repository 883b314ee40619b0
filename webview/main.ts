/**
 * Entry point of the Flow Inspector webview: registers the toolkit components, restores the saved
 * state, renders it, and only then tells the host it is ready for the snapshot.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeTextArea,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { InspectorApp } from './app';
import { HostBridge } from './bridge';
import { RequestTracker } from './requests';
import { InspectorStore, restoreState } from './state';

// vscode-badge is left out on purpose: its template has a bound `style` attribute, which a CSP
// without 'unsafe-inline' reports as a style-src-attr violation. Tab counts are plain spans.
// vscode-progress-ring is left out for the same reason; the scan shows a native <progress>.
provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodeCheckbox(),
  vsCodeDropdown(),
  vsCodeOption(),
  vsCodePanels(),
  vsCodePanelTab(),
  vsCodePanelView(),
  vsCodeTextArea(),
  vsCodeTextField(),
);

const root = document.getElementById('inspector-root');
if (root) {
  const bridge = new HostBridge();
  const store = new InspectorStore(bridge, restoreState(bridge.savedState()));
  const post = bridge.post.bind(bridge);
  const requests = new RequestTracker(post);
  new InspectorApp(root, store, post, requests);
  bridge.listen((message) => {
    if (message.type !== 'response') store.apply(message);
    else if (!requests.resolve(message)) {
      console.warn('Flow Inspector ignored a response that matches no pending request.');
    }
  });
  bridge.post({ type: 'ready' });
}
