/**
 * Checks what a person sees of the Servers view in a real VS Code workbench (code-server in
 * headless Chromium): the welcome view, the tree of a configured workspace, and context menu
 * actions. Screenshots go to test-artifacts/workbench/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import {
  findWebviewFrames,
  openViewContainer,
  openWorkbench,
  runCommand,
  takeScreenshot,
  type Workbench,
} from '../harness/workbench';
import { startTestServer, type TestServer } from '../server/provider';
import { emptyWorkspace, serverWorkspace } from './workspaces';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(REPOSITORY_ROOT, 'test-artifacts', 'workbench');
const VIEW_CONTAINER = 'OAuth Explorer';

/** Returns the row of the Servers tree whose label is `label`. */
function treeRow(page: Page, label: string | RegExp): Locator {
  return page
    .locator('.part.sidebar .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: label }) })
    .first();
}

async function expand(row: Locator): Promise<void> {
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
}

/** Right-clicks a row and clicks the context menu entry `action`. */
async function contextMenuAction(page: Page, row: Locator, action: string, screenshot?: string) {
  await row.click({ button: 'right' });
  const item = page.locator('.monaco-menu .action-item').filter({
    has: page.locator('.action-label', { hasText: new RegExp(`^${action}$`) }),
  });
  await item.first().waitFor({ state: 'visible', timeout: 10_000 });
  if (screenshot) await takeScreenshot(page, ARTIFACTS, screenshot);
  await item.first().click();
  // A click sometimes only highlights the item when the machine is busy, and the menu stays
  // open. Enter runs the highlighted item, as it does for a person using the keyboard.
  const menu = page.locator('.context-view .monaco-menu');
  const closed = await menu
    .waitFor({ state: 'hidden', timeout: 3000 })
    .then(() => true)
    .catch(() => false);
  if (!closed) {
    await item.first().hover();
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 10_000 });
  }
}

/** Builds dist/ so the workbench loads the extension as the sources are now. */
function build(): void {
  const result = spawnSync(process.execPath, ['esbuild.mjs'], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  assert.equal(result.status, 0, `node esbuild.mjs failed with exit code ${result.status}`);
}

/** Saves a screenshot named after a failed test, to show what the workbench showed then. */
async function screenshotOnFailure(context: Mocha.Context, workbench: Workbench | undefined) {
  const test = context.currentTest;
  if (!workbench || test?.state !== 'failed') return;
  await takeScreenshot(workbench.page, ARTIFACTS, `failed-${test.title}`).catch(() => undefined);
}

/** Waits for the quick input whose title is `title`. */
async function quickInputWithTitle(page: Page, title: string): Promise<Locator> {
  const widget = page.locator('.quick-input-widget').filter({
    has: page.locator('.quick-input-title', { hasText: title }),
  });
  await widget.waitFor({ state: 'visible', timeout: 45_000 });
  return widget;
}

/** Types `text` (or nothing, to accept the first item) into the quick input titled `title`. */
async function answerQuickInput(page: Page, title: string, text?: string): Promise<void> {
  const widget = await quickInputWithTitle(page, title);
  if (text !== undefined) await widget.locator('input').fill(text);
  await page.keyboard.press('Enter');
}

describe('Servers view in the workbench', () => {
  before(async () => {
    build();
    await rm(ARTIFACTS, { recursive: true, force: true });
  });

  describe('empty workspace', () => {
    let workbench: Workbench;
    let workspace: string;

    before(async () => {
      workspace = await emptyWorkspace();
      workbench = await openWorkbench({
        extensionDevelopmentPath: REPOSITORY_ROOT,
        workspace,
        artifactsDir: path.join(ARTIFACTS, 'empty'),
      });
    });

    afterEach(async function () {
      await screenshotOnFailure(this, workbench);
    });

    after(async () => {
      await workbench?.close();
      await rm(workspace, { recursive: true, force: true });
    });

    it('welcome view offers Add Server', async () => {
      const { page } = workbench;
      await openViewContainer(page, VIEW_CONTAINER);
      const welcome = page.locator('.part.sidebar .welcome-view-content');
      await welcome.waitFor({ state: 'visible', timeout: 30_000 });
      await page
        .locator('.part.sidebar')
        .getByText('No authorization server is configured.')
        .waitFor({ timeout: 30_000 });
      const addServer = welcome.getByRole('button', { name: 'Add Server' });
      assert.equal(await addServer.count(), 1);
      assert.ok(await addServer.isVisible(), 'the Add Server button is hidden');
      assert.equal(
        await welcome.getByRole('button', { name: 'Open Configuration File' }).count(),
        1,
      );
      await takeScreenshot(page, ARTIFACTS, 'welcome-view');
    });

    it('Add Server asks step by step', async () => {
      const { page } = workbench;
      // Nothing listens on port 9 here, so loading the metadata fails at once.
      const issuer = 'https://127.0.0.1:9';
      await page
        .locator('.part.sidebar .welcome-view-content')
        .getByRole('button', { name: 'Add Server' })
        .click();
      await answerQuickInput(page, 'Add Server (1/4): issuer', issuer);
      await answerQuickInput(page, 'Add Server (2/4): discovery');
      await answerQuickInput(page, 'Add Server (3/4): keep the server in');
      await quickInputWithTitle(page, 'Add Client: client_id');
      await takeScreenshot(page, ARTIFACTS, 'add-server-client-prompt');
      await page.keyboard.press('Escape');

      const row = treeRow(page, issuer);
      await row.waitFor({ timeout: 15_000 });
      const description = await row.locator('.label-description').textContent();
      assert.match(description ?? '', /^failed/);
      const file = await readFile(path.join(workspace, '.vscode', 'oauth-explorer.json'), 'utf8');
      const servers = (JSON.parse(file) as { servers: { issuer: string }[] }).servers;
      assert.deepEqual(
        servers.map((entry) => entry.issuer),
        [issuer],
      );
      await page
        .getByText('The server was added, but loading its metadata failed')
        .first()
        .waitFor();
      await takeScreenshot(page, ARTIFACTS, 'add-server-failed-metadata');
    });
  });

  describe('workspace with a servers file', () => {
    let server: TestServer;
    let workbench: Workbench;
    let workspace: string;

    before(async () => {
      server = await startTestServer();
      workspace = await serverWorkspace(server);
      workbench = await openWorkbench({
        extensionDevelopmentPath: REPOSITORY_ROOT,
        workspace,
        artifactsDir: path.join(ARTIFACTS, 'server'),
      });
      await openViewContainer(workbench.page, VIEW_CONTAINER);
    });

    afterEach(async function () {
      await screenshotOnFailure(this, workbench);
    });

    after(async () => {
      await workbench?.close();
      await server?.close();
      await rm(workspace, { recursive: true, force: true });
    });

    it('tree shows server and endpoints', async () => {
      const { page } = workbench;
      const serverRow = treeRow(page, 'Local test server');
      await serverRow.waitFor({ timeout: 30_000 });
      await expand(serverRow);
      await expand(treeRow(page, /^Endpoints$/));
      const token = treeRow(page, /^token_endpoint$/);
      await token.waitFor({ timeout: 30_000 });
      const description = await token.locator('.label-description').textContent();
      assert.match(description ?? '', /^alias · 127\.0\.0\.1:\d+\/token$/);
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('.part.sidebar .monaco-list-row .label-description')].some(
            (element) => /^loaded \d/.test(element.textContent ?? ''),
          ),
        undefined,
        { timeout: 15_000 },
      );
      const serverDescription = await serverRow.locator('.label-description').textContent();
      assert.match(serverDescription ?? '', /^loaded \d/);
      assert.match(serverDescription ?? '', /mTLS aliases/);
      await takeScreenshot(page, ARTIFACTS, 'tree-endpoints');
    });

    it('client shows its certificate', async () => {
      const { page } = workbench;
      await expand(treeRow(page, /^Clients$/));
      const client = treeRow(page, server.clients.tlsClientAuth.clientId);
      await client.waitFor({ timeout: 10_000 });
      await page.waitForFunction(
        (label) =>
          [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some(
            (row) =>
              row.querySelector('.label-name')?.textContent === label &&
              /CN=/.test(row.querySelector('.label-description')?.textContent ?? ''),
          ),
        server.clients.tlsClientAuth.clientId,
        { timeout: 15_000 },
      );
      const description = await client.locator('.label-description').textContent();
      assert.match(description ?? '', /^tls_client_auth · .*CN=.* · until \d{4}-\d{2}-\d{2}$/);
    });

    it('context menu refreshes the server', async () => {
      const { page } = workbench;
      const serverRow = treeRow(page, 'Local test server');
      const before = (await serverRow.locator('.label-description').textContent()) ?? '';
      assert.match(before, /^loaded \d/);
      // The description shows the load time to the second, so a refresh a second later changes it.
      await page.waitForTimeout(1100);
      await contextMenuAction(page, serverRow, 'Refresh Server Metadata', 'context-menu-server');
      await page.waitForFunction(
        (previous) =>
          [...document.querySelectorAll('.part.sidebar .monaco-list-row .label-description')].some(
            (element) =>
              /^loaded \d/.test(element.textContent ?? '') && element.textContent !== previous,
          ),
        before,
        { timeout: 15_000 },
      );
      const after = (await serverRow.locator('.label-description').textContent()) ?? '';
      assert.notEqual(after, before);
    });

    it('context menu runs client credentials', async () => {
      const { page } = workbench;
      const client = treeRow(page, server.clients.tlsClientAuth.clientId);
      await contextMenuAction(page, client, 'Run Client Credentials', 'context-menu-client');
      const runs = treeRow(page, /^Recent Runs$/);
      await runs.waitFor({ timeout: 30_000 });
      await expand(runs);
      const run = treeRow(page, /^Client credentials$/);
      await run.waitFor({ timeout: 30_000 });
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('.part.sidebar .monaco-list-row .label-description')].some(
            (element) => / · done · /.test(element.textContent ?? ''),
          ),
        undefined,
        { timeout: 30_000 },
      );
      const description = await run.locator('.label-description').textContent();
      assert.match(
        description ?? '',
        new RegExp(`^${server.clients.tlsClientAuth.clientId} · done · `),
      );
      const inspectorTab = page.locator('.part.editor .tab').filter({ hasText: 'Flow Inspector' });
      await inspectorTab.first().waitFor({ timeout: 30_000 });
      const { content } = await findWebviewFrames(page, 'Flow Inspector');
      await content.waitForFunction(
        () => (document.body.textContent ?? '').includes('Client credentials'),
        undefined,
        {
          timeout: 30_000,
        },
      );
      await takeScreenshot(page, ARTIFACTS, 'after-client-credentials');
    });

    it('inspector form runs a flow', async () => {
      const { page } = workbench;
      const clientId = server.clients.tlsClientAuth.clientId;
      await page.keyboard.press('Escape');
      await runCommand(page, 'OAuth Explorer: Open Flow Inspector');
      const { content } = await findWebviewFrames(page, 'Flow Inspector');
      await content.locator('#view-tab-runs').click();
      const before = await content.locator('.run-list [data-run-id]').count();

      await content.locator('#view-tab-newRun').click();
      await content.locator('#panel-newRun').waitFor({ state: 'visible' });
      // The host sends the configured servers and clients; the form lists them as options.
      await content
        .locator(`#field-client_id vscode-option[value="${clientId}"]`)
        .waitFor({ state: 'attached', timeout: 30_000 });
      const chosen = await content
        .locator('#field-client_id')
        .evaluate((element) => (element as HTMLElement & { value: string }).value);
      if (chosen !== clientId) {
        await content.locator('#field-client_id').click();
        await content.locator(`#field-client_id vscode-option[value="${clientId}"]`).click();
      }
      await content.locator('#field-scope input').fill('api:read');
      await takeScreenshot(page, ARTIFACTS, 'inspector-new-run');
      await content.locator('#run-flow').click();

      await content.locator('#panel-runs').waitFor({ state: 'visible', timeout: 30_000 });
      await content.waitForFunction(
        (count) => document.querySelectorAll('.run-list [data-run-id]').length > count,
        before,
        { timeout: 30_000 },
      );
      const newest = content.locator('.run-list [data-run-id]').first();
      await content.waitForFunction(
        () =>
          /\bdone$/.test(
            document.querySelector('.run-list [data-run-id] .run-title')?.textContent?.trim() ?? '',
          ),
        undefined,
        { timeout: 30_000 },
      );
      assert.match((await newest.textContent()) ?? '', new RegExp(clientId));
      await takeScreenshot(page, ARTIFACTS, 'inspector-form-run');
    });

    it('certificate picker pairs certificate and key', async () => {
      const { page } = workbench;
      const clientId = server.clients.tlsClientAuth.clientId;
      await contextMenuAction(page, treeRow(page, clientId), 'Select Client Certificate and Key…');
      const picker = await quickInputWithTitle(page, `Client certificate of ${clientId}`);
      const rows = picker.locator('.monaco-list-row');
      await rows.first().waitFor({ timeout: 15_000 });
      const texts = await rows.allTextContents();
      assert.ok(
        texts.some(
          (text) =>
            /credentials\/client\.pem/.test(text) && /key: credentials\/client\.key/.test(text),
        ),
        `rows: ${texts.join(' | ')}`,
      );
      assert.ok(!texts.some((text) => /test-ca\.pem/.test(text)), 'the CA certificate is offered');
      await picker.locator('input').fill('expired-client.pem');
      await takeScreenshot(page, ARTIFACTS, 'certificate-picker');
      await page.keyboard.press('Enter');

      await page.waitForFunction(
        (label) =>
          [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some(
            (row) =>
              row.querySelector('.label-name')?.textContent === label &&
              /expired/.test(row.querySelector('.label-description')?.textContent ?? ''),
          ),
        clientId,
        { timeout: 15_000 },
      );
      const file = await readFile(path.join(workspace, '.vscode', 'oauth-explorer.json'), 'utf8');
      const client = (
        JSON.parse(file) as {
          servers: { clients: { certificateFile: string; keyFile: string }[] }[];
        }
      ).servers[0]!.clients[0]!;
      assert.equal(client.certificateFile, 'credentials/expired-client.pem');
      assert.equal(client.keyFile, 'credentials/expired-client.key');
      await takeScreenshot(page, ARTIFACTS, 'expired-certificate');
    });
  });

  describe('untrusted workspace', () => {
    let server: TestServer;
    let workbench: Workbench;
    let workspace: string;

    before(async () => {
      server = await startTestServer();
      workspace = await serverWorkspace(server);
      workbench = await openWorkbench({
        extensionDevelopmentPath: REPOSITORY_ROOT,
        workspace,
        workspaceTrust: true,
        artifactsDir: path.join(ARTIFACTS, 'untrusted'),
      });
    });

    afterEach(async function () {
      await screenshotOnFailure(this, workbench);
    });

    after(async () => {
      await workbench?.close();
      await server?.close();
      await rm(workspace, { recursive: true, force: true });
    });

    it('view says the files are not read', async () => {
      const { page } = workbench;
      // The workbench opens a folder it has not seen in Restricted Mode, and shows that in the
      // status bar. Desktop VS Code asks first, but code-server goes straight to Restricted Mode.
      const distrust = page.getByRole('button', { name: /No, I don.t trust the authors/ });
      if (await distrust.isVisible()) await distrust.click();
      await page
        .locator('.statusbar-item', { hasText: 'Restricted Mode' })
        .first()
        .waitFor({ timeout: 30_000 });
      await openViewContainer(page, VIEW_CONTAINER);

      const welcome = page.locator('.part.sidebar .welcome-view-content');
      await welcome
        .filter({ hasText: 'This workspace is not trusted' })
        .waitFor({ timeout: 30_000 });
      const text = (await welcome.first().textContent()) ?? '';
      assert.match(text, /reads neither its \.vscode\/oauth-explorer\.json nor certificates/);
      assert.equal(
        await treeRow(page, 'Local test server').count(),
        0,
        'the server from the untrusted workspace file is listed',
      );
      await takeScreenshot(page, ARTIFACTS, 'untrusted-view');
    });

    it('trusting the folder loads its servers', async () => {
      const { page } = workbench;
      await page
        .locator('.part.sidebar')
        .getByRole('button', { name: 'Manage Workspace Trust' })
        .click();
      const trust = page
        .locator('.workspace-trust-editor')
        .getByRole('button', { name: /^Trust$/ });
      await trust.first().waitFor({ timeout: 30_000 });
      await trust.first().click();
      await openViewContainer(page, VIEW_CONTAINER);
      const serverRow = treeRow(page, 'Local test server');
      await serverRow.waitFor({ timeout: 30_000 });
      await takeScreenshot(page, ARTIFACTS, 'trusted-view');
    });
  });
});
