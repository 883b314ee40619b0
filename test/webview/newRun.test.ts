/**
 * The inspector's New run view in headless Chromium, under the real CSP: the form's checks, the
 * exact `runFlow` message it posts, extra rows, the PKCE and alias boxes, and host responses.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { RunSnapshot } from '../../src/shared/inspectorProtocol';
import { clientCredentialsRun, createKeys } from './fixtures';
import {
  DARK_THEME,
  InspectorHarness,
  LIGHT_THEME,
  type InspectorPage,
  type Theme,
} from './harness';
import {
  SERVERS,
  assertCleanPage,
  choose,
  fill,
  isChecked,
  nextPosted,
  postedCount,
  showView,
} from './viewHelpers';

const REQUEST_ID = /^request-\d+-[a-z0-9]+$/;

describe('Flow Inspector New run view', function () {
  this.timeout(60_000);

  let harness: InspectorHarness;
  let run: RunSnapshot;
  const opened: InspectorPage[] = [];

  before(async function () {
    this.timeout(120_000);
    harness = await InspectorHarness.start();
    run = await clientCredentialsRun(await createKeys());
  });

  after(async () => {
    await harness?.stop();
  });

  afterEach(async () => {
    for (const inspector of opened.splice(0)) await inspector.close();
  });

  /** Opens the page, sends the servers and shows the New run view. */
  async function openForm(options: { theme?: Theme; state?: unknown } = {}) {
    const inspector = await harness.open(options);
    opened.push(inspector);
    await inspector.send({ type: 'servers', servers: SERVERS });
    await showView(inspector.page, 'newRun');
    await inspector.page.locator('#field-client_id vscode-option[value="mtls-client"]').waitFor({
      state: 'attached',
    });
    return inspector;
  }

  async function submit(page: Page): Promise<void> {
    await page.locator('#run-flow').click();
  }

  it('posts the exact runFlow message', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    await choose(page, 'field-flow', 'authorizationCode');
    await fill(page, 'field-scope', 'openid accounts');
    await fill(
      page,
      'field-resource',
      'https://api.example/accounts\n\nhttps://api.example/payments',
    );
    await fill(page, 'field-audience', 'https://api.example');
    await fill(page, 'field-prompt', 'login consent');
    await fill(page, 'field-acr_values', 'urn:acr:high');
    await fill(page, 'field-claims', '{"id_token": {"acr": {"essential": true}}}');
    await fill(page, 'field-authorization_details', '[{"type": "account_information"}]');
    await choose(page, 'field-response_mode', 'form_post.jwt');
    await page.getByRole('button', { name: 'Add an extra parameter row' }).click();
    await page.getByRole('textbox', { name: 'Parameter name, row 1' }).fill('login_hint');
    await page.getByRole('textbox', { name: 'Parameter value, row 1' }).fill('alice@example.com');

    const before = await postedCount(inspector);
    await submit(page);
    const message = await nextPosted(inspector, 'runFlow', before);
    assert.match(message.requestId, REQUEST_ID);
    assert.deepEqual(message, {
      type: 'runFlow',
      requestId: message.requestId,
      flow: 'authorizationCode',
      parameters: {
        serverId: 'bank',
        client_id: 'mtls-client',
        use_mtls_endpoint_aliases: true,
        scope: 'openid accounts',
        resource: ['https://api.example/accounts', 'https://api.example/payments'],
        extra: [
          ['audience', 'https://api.example'],
          ['prompt', 'login consent'],
          ['acr_values', 'urn:acr:high'],
          ['claims', '{"id_token": {"acr": {"essential": true}}}'],
          ['authorization_details', '[{"type": "account_information"}]'],
          ['login_hint', 'alice@example.com'],
        ],
        usePar: true,
        pkce: true,
        response_mode: 'form_post.jwt',
      },
    });
    await assertCleanPage(inspector);
  });

  it('sends only the fields of the chosen flow', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    await choose(page, 'field-flow', 'authorizationCode');
    await fill(page, 'field-claims', '{"userinfo": {}}');
    await fill(page, 'field-prompt', 'none');
    await choose(page, 'field-flow', 'clientCredentials');
    assert.equal(await page.locator('[data-field="claims"]').isHidden(), true);
    assert.equal(await page.locator('[data-field="usePar"]').isHidden(), true);
    await fill(page, 'field-scope', 'accounts');

    const before = await postedCount(inspector);
    await submit(page);
    const message = await nextPosted(inspector, 'runFlow', before);
    assert.equal(message.flow, 'clientCredentials');
    assert.deepEqual(message.parameters, {
      serverId: 'bank',
      client_id: 'mtls-client',
      use_mtls_endpoint_aliases: true,
      scope: 'accounts',
    });
  });

  it('names bad claims JSON and sends nothing', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    await choose(page, 'field-flow', 'authorizationCode');
    await fill(page, 'field-claims', '{"id_token": {"acr": }');
    const before = await postedCount(inspector);
    await submit(page);
    const error = page.locator('#error-claims');
    await error.waitFor({ state: 'visible' });
    assert.match((await error.textContent()) ?? '', /^claims is not valid JSON: /);
    assert.equal(await page.locator('#field-claims').getAttribute('aria-invalid'), 'true');
    const summary = page.getByRole('alert');
    assert.match((await summary.textContent()) ?? '', /The run was not started: one field needs/);
    assert.equal(await page.locator('#error-authorization_details').isHidden(), true);

    await fill(page, 'field-claims', '["not", "an", "object"]');
    await submit(page);
    await page.waitForFunction(() =>
      document.querySelector('#error-claims')?.textContent?.includes('must be a JSON object'),
    );
    assert.equal(
      (await inspector.posted()).slice(before).filter((message) => message.type === 'runFlow')
        .length,
      0,
    );

    await fill(page, 'field-claims', '{"id_token": {}}');
    await submit(page);
    await nextPosted(inspector, 'runFlow', before);
    assert.equal(await page.locator('#error-claims').isHidden(), true);
    assert.equal(await page.locator('#field-claims').getAttribute('aria-invalid'), null);
  });

  it('names bad authorization_details and resource', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    await choose(page, 'field-flow', 'clientCredentials');
    await fill(page, 'field-authorization_details', '[{"actions": ["read"]}]');
    await fill(page, 'field-resource', 'api/relative');
    const before = await postedCount(inspector);
    await submit(page);
    await page.locator('#error-authorization_details').waitFor({ state: 'visible' });
    assert.equal(
      await page.locator('#error-authorization_details').textContent(),
      'authorization_details entry 1 must be an object with a string "type".',
    );
    assert.equal(
      await page.locator('#error-resource').textContent(),
      'resource "api/relative" is not an absolute URI.',
    );
    assert.equal(await postedCount(inspector), before);
  });

  it('adds and removes extra rows', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    const add = page.getByRole('button', { name: 'Add an extra parameter row' });
    for (const [index, [name, value]] of [
      ['first', '1'],
      ['second', '2'],
      ['third', '3'],
    ].entries()) {
      await add.click();
      await page.getByRole('textbox', { name: `Parameter name, row ${index + 1}` }).fill(name!);
      await page.getByRole('textbox', { name: `Parameter value, row ${index + 1}` }).fill(value!);
    }
    await page.getByRole('button', { name: 'Remove row 2' }).click();
    assert.equal(await page.locator('.extra-row').count(), 2);
    // The toolkit copies aria-label into its shadow button in a later task, so wait for it.
    await page.getByRole('button', { name: 'Remove row 2' }).waitFor();
    await page.getByRole('button', { name: 'Remove row 3' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('button', { name: 'Remove row 3' }).count(), 0);

    const before = await postedCount(inspector);
    await submit(page);
    const message = await nextPosted(inspector, 'runFlow', before);
    assert.deepEqual(message.parameters.extra, [
      ['first', '1'],
      ['third', '3'],
    ]);
    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: true,
      result: { runId: 'r', status: 'done' },
    });
    await page.locator('.form-status.done').waitFor();

    await add.click();
    await page.getByRole('textbox', { name: 'Parameter value, row 3' }).fill('orphan');
    await submit(page);
    await page.getByText('Extra parameter row 3 has a value but no name.').first().waitFor();
  });

  it('toggles PKCE and PAR', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    await choose(page, 'field-flow', 'authorizationCode');
    assert.equal(await isChecked(page, 'field-pkce'), true, 'PKCE is on by default');
    assert.equal(await isChecked(page, 'field-usePar'), true, 'PAR is on by default');
    await page.locator('#field-pkce').click();
    await page.locator('#field-usePar').click();
    const before = await postedCount(inspector);
    await submit(page);
    const message = await nextPosted(inspector, 'runFlow', before);
    assert.equal(message.parameters.pkce, false);
    assert.equal(message.parameters.usePar, false);
  });

  it('defaults the alias box from the client', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    assert.equal(await isChecked(page, 'field-use_mtls_endpoint_aliases'), true);
    assert.match(
      (await page.locator('#hint-use_mtls_endpoint_aliases').textContent()) ?? '',
      /default is on; it has a client certificate/,
    );
    await choose(page, 'field-client_id', 'post-client');
    assert.equal(await isChecked(page, 'field-use_mtls_endpoint_aliases'), false);
    let before = await postedCount(inspector);
    await submit(page);
    let message = await nextPosted(inspector, 'runFlow', before);
    assert.equal(message.parameters.client_id, 'post-client');
    assert.equal(message.parameters.use_mtls_endpoint_aliases, false);
    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: true,
      result: { runId: 'r', status: 'done' },
    });

    await page.locator('#field-use_mtls_endpoint_aliases').click();
    before = await postedCount(inspector);
    await submit(page);
    message = await nextPosted(inspector, 'runFlow', before);
    assert.equal(message.parameters.use_mtls_endpoint_aliases, true);
  });

  it('keeps the alias choice on server updates', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    await page.locator('#field-use_mtls_endpoint_aliases').click();
    assert.equal(await isChecked(page, 'field-use_mtls_endpoint_aliases'), false);
    const renamed = [{ ...SERVERS[0]!, label: 'Bank sandbox (renamed)' }, SERVERS[1]!];
    await inspector.send({ type: 'servers', servers: renamed });
    await page.locator('#field-server vscode-option', { hasText: '(renamed)' }).waitFor({
      state: 'attached',
    });
    assert.equal(await isChecked(page, 'field-use_mtls_endpoint_aliases'), false);
    const before = await postedCount(inspector);
    await submit(page);
    const message = await nextPosted(inspector, 'runFlow', before);
    assert.equal(message.parameters.client_id, 'mtls-client');
    assert.equal(message.parameters.use_mtls_endpoint_aliases, false);
  });

  it('sends a token without saving it', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    await choose(page, 'field-flow', 'introspection');
    assert.equal(await page.locator('[data-field="scope"]').isHidden(), true);
    const token = 'pasted-access-token-3f9a1c';
    await fill(page, 'field-token', token);
    await choose(page, 'field-token_type_hint', 'access_token');
    const before = await postedCount(inspector);
    await submit(page);
    const message = await nextPosted(inspector, 'runFlow', before);
    assert.deepEqual(message.parameters, {
      serverId: 'bank',
      client_id: 'mtls-client',
      use_mtls_endpoint_aliases: true,
      token,
      token_type_hint: 'access_token',
    });
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    const state = JSON.stringify((await inspector.record()).state);
    assert.ok(state.includes('"flow":"introspection"'), 'the form was not saved');
    assert.ok(!state.includes(token), 'the saved state contains the token');
  });

  it('shows host errors, ignores malformed responses', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    const before = await postedCount(inspector);
    await submit(page);
    const message = await nextPosted(inspector, 'runFlow', before);
    const status = page.locator('.form-status');
    await status.filter({ hasText: 'is running' }).waitFor();
    assert.equal(await page.locator('#run-flow').getAttribute('disabled'), '');

    const malformed = [
      { type: 'response', requestId: message.requestId, ok: false },
      { type: 'response', requestId: message.requestId, ok: 'no', error: 'x' },
      { type: 'response', requestId: message.requestId, ok: true, result: { status: 'done' } },
      { type: 'response', requestId: 'request-999-other', ok: false, error: 'Someone else' },
    ];
    for (const response of malformed) await inspector.send(response);
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    assert.match((await status.textContent()) ?? '', /is running/);

    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: false,
      error: 'No server with id bank is configured.',
    });
    await status.filter({ hasText: 'did not run' }).waitFor();
    assert.equal(
      await status.textContent(),
      'Client credentials did not run: No server with id bank is configured.',
    );
    assert.equal(await page.locator('#run-flow').getAttribute('disabled'), null);
    const warnings = inspector.errors.filter((text) => !text.includes('warn'));
    assert.deepEqual(warnings, []);
  });

  it('follows the started run into the Runs view', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    const before = await postedCount(inspector);
    await submit(page);
    const message = await nextPosted(inspector, 'runFlow', before);
    await inspector.send({ type: 'runStarted', run: { ...run, status: 'running' } });
    await page.locator('#panel-runs').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#view-tab-runs').getAttribute('aria-selected'), 'true');
    await page.locator('.run-heading h2', { hasText: run.title }).waitFor();
    const selected = await nextPosted(inspector, 'runSelected', before);
    assert.equal(selected.runId, run.id);

    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: true,
      result: { runId: run.id, status: 'failed', error: 'invalid_client' },
    });
    await showView(page, 'newRun');
    assert.equal(
      await page.locator('.form-status').textContent(),
      'Client credentials failed: invalid_client',
    );
  });

  it('keeps the form after a reload', async () => {
    const first = await openForm();
    await choose(first.page, 'field-flow', 'authorizationCode');
    await choose(first.page, 'field-server', 'shop');
    await fill(first.page, 'field-prompt', 'consent');
    await first.page.locator('#field-pkce').click();
    await first.page.waitForFunction(() => {
      const state = window.__host.state as { ui?: { form?: { flags?: { pkce?: boolean } } } };
      return state?.ui?.form?.flags?.pkce === false;
    });
    const saved = (await first.record()).state;
    await first.close();

    const second = await harness.open({ state: saved });
    opened.push(second);
    const { page } = second;
    await page.locator('#panel-newRun').waitFor({ state: 'visible' });
    await page.locator('#field-server vscode-option[value="shop"]').waitFor({ state: 'attached' });
    assert.equal(
      await page.locator('#field-flow').evaluate((e) => (e as never as { value: string }).value),
      'authorizationCode',
    );
    assert.equal(
      await page.locator('#field-server').evaluate((e) => (e as never as { value: string }).value),
      'shop',
    );
    assert.equal(
      await page.locator('#field-prompt').evaluate((e) => (e as never as { value: string }).value),
      'consent',
    );
    assert.equal(await isChecked(page, 'field-pkce'), false);
    await assertCleanPage(second);
  });

  it('says when no servers are configured', async () => {
    const inspector = await harness.open();
    opened.push(inspector);
    await inspector.send({ type: 'servers', servers: [] });
    await showView(inspector.page, 'newRun');
    await inspector.page.getByText('No servers are configured.').waitFor();
    assert.equal(await inspector.page.locator('#run-flow').getAttribute('disabled'), '');
  });

  it('moves between views with the arrow keys', async () => {
    const inspector = await openForm();
    const { page } = inspector;
    await page.locator('#view-tab-newRun').focus();
    await page.keyboard.press('ArrowRight');
    await page.locator('#panel-certificates').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'view-tab-certificates');
    await page.keyboard.press('Home');
    await page.locator('#panel-runs').waitFor({ state: 'visible' });
    await page.keyboard.press('ArrowLeft');
    await page.locator('#panel-decode').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#panel-newRun').isHidden(), true);
  });

  for (const [name, theme] of [
    ['light', LIGHT_THEME],
    ['dark', DARK_THEME],
  ] as const) {
    it(`renders in the ${name} theme`, async () => {
      const inspector = await openForm({ theme });
      const { page } = inspector;
      await choose(page, 'field-flow', 'authorizationCode');
      await fill(page, 'field-claims', '{"id_token": ');
      await page.getByRole('button', { name: 'Add an extra parameter row' }).click();
      await submit(page);
      await page.locator('#error-claims').waitFor({ state: 'visible' });
      await page.mouse.move(0, 0);
      // The view scrolls inside its panel, so a tall window shows all of it in one picture.
      await page.setViewportSize({ width: 1280, height: 2000 });
      await inspector.screenshot(`new-run-${name}`);
      const colours = await page.evaluate(() => {
        const shadowStyle = (selector: string, part: string) =>
          getComputedStyle(document.querySelector(selector)!.shadowRoot!.querySelector(part)!);
        return {
          error: getComputedStyle(document.querySelector('#error-claims')!).color,
          background: getComputedStyle(document.body).backgroundColor,
          input: shadowStyle('#field-scope', '.root').backgroundColor,
          dropdown: getComputedStyle(document.querySelector('#field-response_mode')!)
            .backgroundColor,
          checkbox: shadowStyle('#field-pkce', '.control').backgroundColor,
        };
      });
      const variables = theme.variables;
      assert.equal(colours.error, hexToRgb(variables['--vscode-errorForeground']!));
      assert.equal(colours.background, hexToRgb(variables['--vscode-editor-background']!));
      assert.equal(colours.input, hexToRgb(variables['--vscode-input-background']!));
      assert.equal(colours.dropdown, hexToRgb(variables['--vscode-dropdown-background']!));
      assert.equal(colours.checkbox, hexToRgb(variables['--vscode-checkbox-background']!));
      await assertCleanPage(inspector);
    });
  }
});

function hexToRgb(hex: string): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255})`;
}
