/**
 * The Decode JWT view: the user pastes a JWS (compact, flattened or general JSON) or a compact
 * JWE, and the host decodes it and, when a server is chosen, verifies it with that server's
 * `jwks_uri`. The result is rendered like the tokens of a run.
 *
 * NOTE: the pasted token and its result are deliberately not saved with the webview state: a
 * pasted token may be a refresh token or another credential, so it is gone after a reload.
 */
import type { InspectedToken } from '../src/engine/tokens';
import type { ServerChoice } from '../src/shared/inspectorProtocol';
import { classifyTokenInput } from '../src/shared/tokenInput';
import { dropdown, setChoices, textArea } from './controls';
import { button, h } from './dom';
import type { Outcome } from './requests';
import { renderToken } from './tokenView';

export interface DecodeViewOptions {
  decode(token: string, serverId: string | undefined): Promise<Outcome<InspectedToken>>;
  copy(text: string, what: string): void;
}

const NO_SERVER = '';

export class DecodeView {
  readonly element: HTMLElement;
  private readonly input = textArea('decode-token', 'Token', {
    placeholder: 'eyJhbGciOi…  or  {"payload": …, "signatures": […]}',
    hint: 'A JWS in compact or JSON serialization, or a compact JWE. Not saved when the view reloads.',
    rows: 6,
  });
  private readonly verifyWith = dropdown('decode-server', 'Verify with the keys of', [
    [NO_SERVER, 'No server: decode only'],
  ]);
  private readonly result = h('div', { class: 'decode-result' });
  private readonly status = h('p', { class: 'decode-status', role: 'status' });
  private generation = 0;

  constructor(private readonly options: DecodeViewOptions) {
    const decode = button('Decode', () => void this.decode(), { appearance: 'primary' });
    decode.id = 'decode-button';
    const clear = button('Clear', () => this.clear());
    this.input.control.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.decode();
      }
    });
    this.element = h(
      'section',
      { class: 'decode-view', 'aria-label': 'Decode JWT' },
      h('h2', {}, 'Decode JWT'),
      this.input.element,
      this.verifyWith.element,
      h('div', { class: 'actions' }, decode, clear),
      this.status,
      this.result,
    );
  }

  setServers(servers: readonly ServerChoice[] | undefined): void {
    const chosen = this.verifyWith.control.value;
    setChoices(
      this.verifyWith.control,
      [
        [NO_SERVER, 'No server: decode only'],
        ...(servers ?? []).map(
          (server) => [server.id, `${server.label} (${server.issuer})`] as const,
        ),
      ],
      chosen,
    );
  }

  /** Fills in a token from the host and decodes it. */
  show(token: string): void {
    this.input.control.value = token;
    void this.decode();
  }

  private clear(): void {
    this.generation += 1;
    this.input.control.value = '';
    this.input.setError(undefined);
    this.status.textContent = '';
    this.result.replaceChildren();
  }

  private async decode(): Promise<void> {
    const text = this.input.control.value;
    const input = classifyTokenInput(text);
    const generation = ++this.generation;
    this.result.replaceChildren();
    if (!input.accepted) {
      this.input.setError(input.reason);
      this.status.textContent = '';
      return;
    }
    this.input.setError(undefined);
    const serverId = this.verifyWith.control.value || undefined;
    this.status.textContent = serverId ? 'Decoding and verifying…' : 'Decoding…';
    const outcome = await this.options.decode(input.text, serverId);
    // A newer decode or a Clear made this response stale.
    if (generation !== this.generation) return;
    if (!outcome.ok) {
      this.status.textContent = '';
      this.input.setError(outcome.error);
      return;
    }
    this.status.textContent = describeForm(input.form);
    this.result.replaceChildren(renderToken(outcome.result, this.options.copy));
  }
}

function describeForm(form: string): string {
  switch (form) {
    case 'jws-compact':
      return 'Decoded a JWS in compact serialization.';
    case 'jws-flattened':
      return 'Decoded a JWS in flattened JSON serialization.';
    case 'jws-general':
      return 'Decoded a JWS in general JSON serialization.';
    default:
      return 'Decoded the protected header of a compact JWE.';
  }
}
