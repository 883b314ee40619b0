/**
 * The "New run" view: one form whose fields change with the chosen flow. It checks JSON and URIs
 * before sending, posts a `runFlow` request, and shows the host's response. Parameters without a
 * field in the run commands (audience, prompt, acr_values, claims, authorization_details) are
 * sent as extra rows, before the user's own rows.
 */
import {
  checkAuthorizationDetails,
  checkClaims,
  checkFlowParameters,
  checkResource,
  type ParameterProblem,
} from '../src/shared/flowParameters';
import {
  FLOW_KINDS,
  RESPONSE_MODES,
  TOKEN_TYPE_HINTS,
  type FlowKind,
  type FlowRunParameters,
  type ServerChoice,
  type WebviewMessage,
} from '../src/shared/inspectorProtocol';
import {
  checkbox,
  dropdown,
  setChoices,
  textArea,
  textField,
  type CheckElement,
  type Field,
  type ValueElement,
} from './controls';
import { button, h } from './dom';
import type { Outcome } from './requests';
import type { FormDraft } from './state';

export const FLOW_TITLES: Record<FlowKind, string> = {
  clientCredentials: 'Client credentials',
  authorizationCode: 'Authorization code',
  refresh: 'Refresh',
  introspection: 'Introspection',
  revocation: 'Revocation',
  userinfo: 'UserInfo',
};

const TOKEN_ENDPOINT_FLOWS: FlowKind[] = ['clientCredentials', 'authorizationCode', 'refresh'];

/** The flows each field applies to; fields of other flows are hidden and not sent. */
const FIELD_FLOWS: Record<string, readonly FlowKind[]> = {
  scope: TOKEN_ENDPOINT_FLOWS,
  resource: TOKEN_ENDPOINT_FLOWS,
  audience: TOKEN_ENDPOINT_FLOWS,
  authorization_details: ['clientCredentials', 'authorizationCode'],
  prompt: ['authorizationCode'],
  acr_values: ['authorizationCode'],
  claims: ['authorizationCode'],
  response_mode: ['authorizationCode'],
  usePar: ['authorizationCode'],
  pkce: ['authorizationCode'],
  token: ['introspection', 'revocation', 'userinfo'],
  token_type_hint: ['introspection', 'revocation'],
  extra: ['clientCredentials', 'authorizationCode', 'refresh', 'introspection', 'revocation'],
  use_mtls_endpoint_aliases: FLOW_KINDS,
};

/** Text fields sent as extra rows, in this order. */
const EXTRA_FIELDS = ['audience', 'prompt', 'acr_values', 'claims', 'authorization_details'];

/** The result of a `runFlow` response when the run command returned a run. */
export interface RunOutcome {
  runId: string;
  status: string;
  error?: string;
}

export function isRunOutcome(value: unknown): value is RunOutcome {
  if (value === null || typeof value !== 'object') return false;
  const outcome = value as Record<string, unknown>;
  return (
    typeof outcome.runId === 'string' &&
    typeof outcome.status === 'string' &&
    (outcome.error === undefined || typeof outcome.error === 'string')
  );
}

export interface FlowFormOptions {
  /** Sends the request and resolves with the host's response. */
  run(flow: FlowKind, parameters: FlowRunParameters): Promise<Outcome<RunOutcome>>;
  /** Called with every change, without the token, so the form survives a reload. */
  saveDraft(draft: FormDraft): void;
}

interface ExtraRow {
  element: HTMLElement;
  name: ValueElement;
  value: ValueElement;
}

export class FlowForm {
  readonly element: HTMLElement;
  private servers: readonly ServerChoice[] | undefined;
  private readonly flow = dropdown(
    'flow',
    'Flow',
    FLOW_KINDS.map((kind) => [kind, FLOW_TITLES[kind]] as const),
  );
  private readonly server = dropdown('server', 'Server', []);
  private readonly client = dropdown('client_id', 'Client', []);
  private readonly text: Record<string, Field<ValueElement>> = {
    scope: textField('scope', 'scope', { hint: 'Space-separated. Empty: the client default.' }),
    resource: textArea('resource', 'resource', {
      hint: 'Resource indicators (RFC 8707), one absolute URI per line.',
      rows: 2,
    }),
    audience: textField('audience', 'audience'),
    prompt: textField('prompt', 'prompt', {
      placeholder: 'login consent',
      hint: 'Space-separated: none, login, consent, select_account, create.',
    }),
    acr_values: textField('acr_values', 'acr_values', {
      hint: 'Space-separated authentication context class references.',
    }),
    claims: textArea('claims', 'claims', {
      placeholder: '{"id_token": {"acr": {"essential": true}}}',
      hint: 'A JSON object (OpenID Connect Core 1.0, section 5.5).',
    }),
    authorization_details: textArea('authorization_details', 'authorization_details', {
      placeholder: '[{"type": "payment_initiation"}]',
      hint: 'A JSON array of objects with a "type" (RFC 9396).',
    }),
    token: textField('token', 'token', {
      type: 'password',
      hint: 'Empty: pick one of the client’s tokens or its stored refresh token in VS Code. Never saved.',
    }),
  };
  private readonly responseMode = dropdown('response_mode', 'response_mode', [
    ['', 'Client default'],
    ...RESPONSE_MODES.map((mode) => [mode, mode] as const),
  ]);
  private readonly tokenTypeHint = dropdown('token_type_hint', 'token_type_hint', [
    ['', 'None'],
    ...TOKEN_TYPE_HINTS.map((hint) => [hint, hint] as const),
  ]);
  private readonly flags: Record<string, Field<CheckElement>> = {
    usePar: checkbox('usePar', 'Push the request first (PAR, RFC 9126)'),
    pkce: checkbox('pkce', 'PKCE (RFC 7636)', 'Sends a code_challenge with S256.'),
    use_mtls_endpoint_aliases: checkbox(
      'use_mtls_endpoint_aliases',
      'Use the mTLS endpoint aliases (RFC 8705)',
    ),
  };
  private readonly rows: ExtraRow[] = [];
  private readonly rowList = h('div', { class: 'extra-rows', role: 'group' });
  private readonly extraField: HTMLElement;
  private readonly submit: HTMLElement;
  private readonly serverNote = h('p', { class: 'note server-note' });
  private readonly summary = h('div', { class: 'form-errors', role: 'alert', hidden: true });
  private readonly status = h('p', { class: 'form-status', role: 'status' });
  private pending = false;

  constructor(
    private readonly options: FlowFormOptions,
    draft: FormDraft | undefined,
  ) {
    this.submit = button('Run', () => void this.onSubmit(), { appearance: 'primary' });
    this.submit.id = 'run-flow';
    const addRow = button('Add parameter', () => this.addRow('', '', true), {
      label: 'Add an extra parameter row',
    });
    this.rowList.setAttribute('aria-label', 'Extra parameters');
    this.extraField = h(
      'fieldset',
      { class: 'field extra', 'data-field': 'extra' },
      h('legend', {}, 'Extra parameters'),
      this.rowList,
      h('div', { class: 'actions' }, addRow),
    );
    const form = h(
      'form',
      { class: 'flow-form', 'aria-label': 'New run', novalidate: true },
      h('div', { class: 'form-row' }, this.flow.element, this.server.element, this.client.element),
      this.serverNote,
      ...Object.values(this.text).map((field) => field.element),
      this.responseMode.element,
      this.tokenTypeHint.element,
      h('div', { class: 'checks' }, ...Object.values(this.flags).map((field) => field.element)),
      this.extraField,
      this.summary,
      h('div', { class: 'actions' }, this.submit),
      this.status,
    );
    form.addEventListener('submit', (event) => event.preventDefault());
    form.addEventListener('input', () => this.save());
    form.addEventListener('change', (event) => this.onChange(event));
    this.element = h(
      'section',
      { class: 'new-run-view', 'aria-label': 'New run' },
      h('h2', {}, 'New run'),
      form,
    );
    this.restore(draft);
  }

  /** Replaces the list of servers and clients, keeping the chosen ones when they still exist. */
  setServers(servers: readonly ServerChoice[] | undefined): void {
    this.servers = servers;
    const chosen = this.server.control.value;
    const choices = (servers ?? []).map((server) => [server.id, server.label] as const);
    setChoices(this.server.control, choices, chosen || this.draftServer);
    // A client already chosen keeps the user's alias choice; only a first choice takes the default.
    this.updateClients(this.client.control.value || this.draftClient);
    if (servers === undefined) this.serverNote.textContent = 'Waiting for the configured servers…';
    else if (servers.length === 0) {
      this.serverNote.textContent =
        'No servers are configured. Add one in the OAuth Explorer view, then come back.';
    } else this.serverNote.textContent = '';
    this.serverNote.hidden = this.serverNote.textContent === '';
    this.updateSubmit();
  }

  private draftServer: string | undefined;
  private draftClient: string | undefined;

  private restore(draft: FormDraft | undefined): void {
    // Options carry the selection as an attribute, because the dropdown reads its options only
    // after they are slotted and would reset a value set before that.
    setChoices(this.flow.control, this.choicesOf(this.flow), draft?.flow);
    this.draftServer = draft?.serverId;
    this.draftClient = draft?.client_id;
    for (const [name, field] of Object.entries(this.text)) {
      if (name !== 'token') field.control.value = draft?.fields[name] ?? '';
    }
    setChoices(
      this.responseMode.control,
      this.choicesOf(this.responseMode),
      draft?.fields.response_mode,
    );
    setChoices(
      this.tokenTypeHint.control,
      this.choicesOf(this.tokenTypeHint),
      draft?.fields.token_type_hint,
    );
    this.flags.usePar!.control.checked = draft?.flags.usePar ?? true;
    this.flags.pkce!.control.checked = draft?.flags.pkce ?? true;
    this.flags.use_mtls_endpoint_aliases!.control.checked =
      draft?.flags.use_mtls_endpoint_aliases ?? true;
    for (const [name, value] of draft?.extra ?? []) this.addRow(name, value, false);
    this.setServers(undefined);
    this.showFieldsFor(this.currentFlow());
  }

  private choicesOf(field: Field<ValueElement>): Array<[string, string]> {
    return [...field.control.querySelectorAll('vscode-option')].map((option) => [
      option.getAttribute('value') ?? '',
      option.textContent ?? '',
    ]);
  }

  private currentFlow(): FlowKind {
    const value = this.flow.control.value as FlowKind;
    return FLOW_KINDS.includes(value) ? value : 'clientCredentials';
  }

  private currentServer(): ServerChoice | undefined {
    return this.servers?.find((server) => server.id === this.server.control.value);
  }

  private updateClients(preferred?: string): void {
    const server = this.currentServer();
    const clients = server?.clients ?? [];
    const chosen = preferred ?? this.client.control.value;
    setChoices(
      this.client.control,
      clients.map((client) => [client.client_id, client.client_id] as const),
      chosen,
    );
    this.onClientChosen(preferred === undefined);
  }

  /** Shows the client's defaults; `resetAliases` also sets the alias box to its default. */
  private onClientChosen(resetAliases: boolean): void {
    const client = this.currentServer()?.clients.find(
      (entry) => entry.client_id === this.client.control.value,
    );
    this.text.scope!.control.setAttribute(
      'placeholder',
      client?.scope ? `client default: ${client.scope}` : '',
    );
    const aliases = this.flags.use_mtls_endpoint_aliases!;
    if (client && resetAliases) aliases.control.checked = client.use_mtls_endpoint_aliases;
    aliases.hint.textContent = client
      ? `This client's default is ${client.use_mtls_endpoint_aliases ? 'on' : 'off'}; ${client.hasCertificate ? 'it has a client certificate' : 'it has no client certificate'}.`
      : '';
    aliases.hint.hidden = !client;
  }

  private onChange(event: Event): void {
    const target = event.target as Element;
    if (target === this.flow.control) this.showFieldsFor(this.currentFlow());
    else if (target === this.server.control) {
      this.draftClient = undefined;
      this.updateClients();
      this.onClientChosen(true);
    } else if (target === this.client.control) this.onClientChosen(true);
    this.save();
  }

  private showFieldsFor(flow: FlowKind): void {
    const fields: Array<[string, HTMLElement]> = [
      ...Object.entries(this.text).map(
        ([name, field]) => [name, field.element] as [string, HTMLElement],
      ),
      ['response_mode', this.responseMode.element],
      ['token_type_hint', this.tokenTypeHint.element],
      ...Object.entries(this.flags).map(
        ([name, field]) => [name, field.element] as [string, HTMLElement],
      ),
      ['extra', this.extraField],
    ];
    for (const [name, element] of fields) element.hidden = !FIELD_FLOWS[name]!.includes(flow);
  }

  private addRow(name: string, value: string, focus: boolean): void {
    const nameField = h('vscode-text-field', {
      class: 'extra-name',
      placeholder: 'name',
    }) as ValueElement;
    const valueField = h('vscode-text-field', {
      class: 'extra-value',
      placeholder: 'value',
    }) as ValueElement;
    nameField.value = name;
    valueField.value = value;
    const row: ExtraRow = {
      element: h('div', { class: 'extra-row' }),
      name: nameField,
      value: valueField,
    };
    const remove = button('Remove', () => this.removeRow(row));
    row.element.append(nameField, valueField, remove);
    this.rows.push(row);
    this.rowList.append(row.element);
    this.labelRows();
    if (focus) nameField.focus();
    this.save();
  }

  private removeRow(row: ExtraRow): void {
    const index = this.rows.indexOf(row);
    if (index < 0) return;
    this.rows.splice(index, 1);
    row.element.remove();
    this.labelRows();
    const next = this.rows[index] ?? this.rows[index - 1];
    if (next) next.name.focus();
    this.save();
  }

  private labelRows(): void {
    this.rows.forEach((row, index) => {
      row.name.setAttribute('aria-label', `Parameter name, row ${index + 1}`);
      row.value.setAttribute('aria-label', `Parameter value, row ${index + 1}`);
      row.element
        .querySelector('vscode-button')
        ?.setAttribute('aria-label', `Remove row ${index + 1}`);
    });
  }

  private draft(): FormDraft {
    const fields: Record<string, string> = {};
    for (const [name, field] of Object.entries(this.text)) {
      if (name !== 'token') fields[name] = field.control.value;
    }
    fields.response_mode = this.responseMode.control.value;
    fields.token_type_hint = this.tokenTypeHint.control.value;
    const flags: Record<string, boolean> = {};
    for (const [name, field] of Object.entries(this.flags)) flags[name] = field.control.checked;
    return {
      flow: this.currentFlow(),
      serverId: this.server.control.value || undefined,
      client_id: this.client.control.value || undefined,
      fields,
      flags,
      extra: this.rows.map((row) => [row.name.value, row.value.value]),
    };
  }

  private save(): void {
    this.options.saveDraft(this.draft());
  }

  private applies(name: string, flow: FlowKind): boolean {
    return FIELD_FLOWS[name]!.includes(flow);
  }

  /** Reads the form into run parameters, or returns the problems that stop it from running. */
  private collect(
    flow: FlowKind,
  ): { parameters: FlowRunParameters } | { problems: ParameterProblem[] } {
    const problems: ParameterProblem[] = [];
    const value = (name: string) => this.text[name]!.control.value.trim();
    const parameters: FlowRunParameters = {
      serverId: this.server.control.value,
      client_id: this.client.control.value,
      use_mtls_endpoint_aliases: this.flags.use_mtls_endpoint_aliases!.control.checked,
    };
    if (this.applies('scope', flow) && value('scope')) parameters.scope = value('scope');
    if (this.applies('resource', flow)) {
      const resource = value('resource')
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      for (const uri of resource) {
        const problem = checkResource(uri);
        if (problem) problems.push({ field: 'resource', message: problem });
      }
      if (resource.length > 0) parameters.resource = resource;
    }
    const extra: Array<[string, string]> = [];
    for (const name of EXTRA_FIELDS) {
      if (!this.applies(name, flow) || !value(name)) continue;
      const check =
        name === 'claims'
          ? checkClaims
          : name === 'authorization_details'
            ? checkAuthorizationDetails
            : undefined;
      const problem = check?.(value(name));
      if (problem) problems.push({ field: name, message: problem });
      extra.push([name, value(name)]);
    }
    if (this.applies('extra', flow)) {
      this.rows.forEach((row, index) => {
        const name = row.name.value.trim();
        if (!name && !row.value.value) return;
        if (!name) {
          problems.push({
            field: 'extra',
            message: `Extra parameter row ${index + 1} has a value but no name.`,
          });
          return;
        }
        extra.push([name, row.value.value]);
      });
    }
    if (extra.length > 0) parameters.extra = extra;
    if (flow === 'authorizationCode') {
      parameters.usePar = this.flags.usePar!.control.checked;
      parameters.pkce = this.flags.pkce!.control.checked;
      if (this.responseMode.control.value)
        parameters.response_mode = this.responseMode.control.value;
    }
    if (this.applies('token', flow) && value('token')) parameters.token = value('token');
    if (this.applies('token_type_hint', flow) && this.tokenTypeHint.control.value) {
      parameters.token_type_hint = this.tokenTypeHint.control.value;
    }
    // The shared check also covers what the host checks, such as a missing server or client.
    for (const problem of checkFlowParameters(flow, parameters)) {
      if (!problems.some((known) => known.message === problem.message)) problems.push(problem);
    }
    return problems.length > 0 ? { problems } : { parameters };
  }

  private showProblems(problems: ParameterProblem[]): void {
    const byField = new Map<string, string>();
    for (const problem of problems) {
      const key = this.fieldFor(problem.field);
      byField.set(key, [byField.get(key), problem.message].filter(Boolean).join(' '));
    }
    for (const [name, field] of this.allFields()) field.setError(byField.get(name));
    this.summary.replaceChildren(
      ...(problems.length > 0
        ? [
            h(
              'p',
              {},
              `The run was not started: ${problems.length === 1 ? 'one field needs' : `${problems.length} fields need`} attention.`,
            ),
            h('ul', {}, ...problems.map((problem) => h('li', {}, problem.message))),
          ]
        : []),
    );
    this.summary.hidden = problems.length === 0;
    const first = problems[0] && this.allFields().get(this.fieldFor(problems[0].field));
    first?.control.focus();
  }

  /** Maps a problem's field to the form field that shows it; extra rows go to their own field. */
  private fieldFor(name: string): string {
    if (name === 'server') return 'server';
    return this.allFields().has(name) ? name : 'extra';
  }

  private allFields(): Map<string, Field<HTMLElement>> {
    return new Map<string, Field<HTMLElement>>([
      ['server', this.server],
      ['client_id', this.client],
      ...Object.entries(this.text),
      ['response_mode', this.responseMode],
      ['token_type_hint', this.tokenTypeHint],
      ...Object.entries(this.flags),
    ]);
  }

  private updateSubmit(): void {
    const noServers = !this.servers || this.servers.length === 0;
    this.submit.toggleAttribute('disabled', this.pending || noServers);
  }

  private async onSubmit(): Promise<void> {
    if (this.pending) return;
    const flow = this.currentFlow();
    const collected = this.collect(flow);
    if ('problems' in collected) {
      this.showProblems(collected.problems);
      this.status.textContent = '';
      return;
    }
    this.showProblems([]);
    this.pending = true;
    this.updateSubmit();
    this.status.className = 'form-status';
    this.status.textContent = `${FLOW_TITLES[flow]} is running; its steps show in the Runs view.`;
    const outcome = await this.options.run(flow, collected.parameters);
    this.pending = false;
    this.updateSubmit();
    this.showOutcome(flow, outcome);
  }

  private showOutcome(flow: FlowKind, outcome: Outcome<RunOutcome>): void {
    if (!outcome.ok) {
      this.status.className = 'form-status failed';
      this.status.textContent = `${FLOW_TITLES[flow]} did not run: ${outcome.error}`;
      return;
    }
    const { status, error } = outcome.result;
    this.status.className = `form-status ${status === 'done' ? 'done' : 'failed'}`;
    this.status.textContent = error
      ? `${FLOW_TITLES[flow]} ${status}: ${error}`
      : `${FLOW_TITLES[flow]} ${status}.`;
  }
}

/** Builds the `runFlow` message for a request id; the form passes it to the request tracker. */
export function runFlowMessage(
  requestId: string,
  flow: FlowKind,
  parameters: FlowRunParameters,
): WebviewMessage {
  return { type: 'runFlow', requestId, flow, parameters };
}
