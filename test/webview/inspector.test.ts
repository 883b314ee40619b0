/**
 * Flow Inspector webview tests in headless Chromium. The page is the production bundle, served with
 * the real CSP. Every check reads the DOM, the accessibility tree, the console or the messages the
 * page posts to the host stand-in, and none reads the webview's internal state.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Locator, Page } from 'playwright-core';
import type { RecordedExchange } from '../../src/engine/exchange';
import { redactValue } from '../../src/engine/redaction';
import type { InspectedToken } from '../../src/engine/tokens';
import type { RunSnapshot, WebviewMessage } from '../../src/shared/inspectorProtocol';
import {
  CLIENT_CERTIFICATE,
  JWKS_URI,
  METADATA,
  OTHER_THUMBPRINT,
  SECRETS,
  clientCredentialsRun,
  createKeys,
  failedRun,
  largeRun,
  parCodeRun,
  recordExchange,
  tokenEdgeCasesRun,
  type TokenKeys,
} from './fixtures';
import {
  DARK_THEME,
  HIGH_CONTRAST_THEME,
  InspectorHarness,
  LIGHT_THEME,
  type InspectorPage,
  type Theme,
} from './harness';

declare global {
  interface Window {
    __seenTitles: string[];
  }
}

interface Fixtures {
  clientCredentials: RunSnapshot;
  parCode: RunSnapshot;
  tokenEdgeCases: RunSnapshot;
  failed: RunSnapshot;
  /** Oldest first, as the host sends them. */
  all: RunSnapshot[];
}

const SECRET_VALUES = Object.entries(SECRETS);

/** `#1f1f1f` to `rgb(31, 31, 31)`, the form getComputedStyle returns. */
function rgb(hex: string): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255})`;
}

function tokenOf(run: RunSnapshot, label: string): InspectedToken {
  const token = run.tokens.find((candidate) => candidate.label === label);
  assert.ok(token, `fixture run "${run.title}" has no ${label}`);
  return token;
}

function exchangeIndex(run: RunSnapshot, endpoint: string): number {
  const index = run.exchanges.findIndex((exchange) => exchange.endpoint === endpoint);
  assert.ok(index >= 0, `fixture run "${run.title}" has no ${endpoint} exchange`);
  return index;
}

function row(page: Page, index: number): Locator {
  return page.locator(`.exchange-row[data-index="${index}"]`);
}

function detail(page: Page, index: number): Locator {
  return page.locator(`#exchange-detail-${index}`);
}

async function expand(page: Page, index: number): Promise<Locator> {
  await row(page, index).click();
  const region = detail(page, index);
  await region.waitFor();
  return region;
}

async function collapse(page: Page, index: number): Promise<void> {
  await row(page, index).click();
  await detail(page, index).waitFor({ state: 'detached' });
}

async function showTab(page: Page, tab: 'exchanges' | 'routing' | 'tokens' | 'result') {
  await page.locator(`vscode-panel-tab#tab-${tab}`).click();
  await page.locator(`vscode-panel-view#view-${tab}`).locator(':scope > *').first().waitFor();
}

/** Clicks a run in the run list and waits until the run view shows it. */
async function selectRun(page: Page, run: RunSnapshot): Promise<void> {
  await page.locator(`.run-list [data-run-id="${run.id}"]`).click();
  await waitForTitle(page, run.title);
}

async function waitForTitle(page: Page, title: string): Promise<void> {
  await page.waitForFunction(
    (expected) => document.querySelector('.run-heading h2')?.textContent === expected,
    title,
  );
}

async function lastPosted(inspector: InspectorPage): Promise<WebviewMessage | undefined> {
  return (await inspector.posted()).at(-1);
}

/** Clicks a copy button and returns the text of the `copy` message it posted. */
async function copiedText(inspector: InspectorPage, button: Locator): Promise<string> {
  const before = (await inspector.posted()).length;
  await button.click();
  await inspector.page.waitForFunction((count) => window.__host.posted.length > count, before);
  const message = await lastPosted(inspector);
  assert.equal(message?.type, 'copy');
  return (message as { text: string }).text;
}

/**
 * Runs a copied curl command in bash with `curl` replaced by a function that prints its
 * arguments, so the test gets the words curl would receive after the shell's quoting and expansion.
 */
function curlArguments(command: string, environment: Record<string, string>): string[] {
  const script = `curl() { printf '%s\\0' "$@"; }\n${command}\n`;
  const result = spawnSync('bash', ['-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `bash failed: ${result.stderr}`);
  return result.stdout.split('\0').slice(0, -1);
}

function assertNoSecrets(text: string, where: string): void {
  for (const [name, value] of SECRET_VALUES) {
    assert.ok(!text.includes(value), `${where} contains the raw ${name}`);
    assert.ok(!text.includes(encodeURIComponent(value)), `${where} contains the encoded ${name}`);
  }
}

async function assertCleanConsole(inspector: InspectorPage): Promise<void> {
  // Violation events are dispatched as tasks: let the queued ones run before reading the record.
  await inspector.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  const record = await inspector.record();
  assert.deepEqual(record.violations, [], 'CSP violations');
  assert.deepEqual(inspector.errors, [], 'console errors and uncaught exceptions');
}

describe('Flow Inspector webview', function () {
  this.timeout(60_000);

  let harness: InspectorHarness;
  let keys: TokenKeys;
  let fixtures: Fixtures;
  const opened: InspectorPage[] = [];

  before(async function () {
    this.timeout(120_000);
    harness = await InspectorHarness.start();
    keys = await createKeys();
    fixtures = await createFixtures(keys);
  });

  after(async () => {
    await harness?.stop();
  });

  afterEach(async () => {
    for (const inspector of opened.splice(0)) await inspector.close();
  });

  async function createFixtures(tokenKeys: TokenKeys): Promise<Fixtures> {
    const clientCredentials = await clientCredentialsRun(tokenKeys);
    const parCode = await parCodeRun(tokenKeys);
    const tokenEdgeCases = await tokenEdgeCasesRun(tokenKeys);
    const failed = failedRun();
    return {
      clientCredentials,
      parCode,
      tokenEdgeCases,
      failed,
      all: [clientCredentials, parCode, tokenEdgeCases, failed],
    };
  }

  async function open(options: { state?: unknown; theme?: Theme } = {}): Promise<InspectorPage> {
    const inspector = await harness.open(options);
    opened.push(inspector);
    return inspector;
  }

  /** Opens the page, sends a snapshot and waits until the selected run is shown. */
  async function openWith(
    selected: RunSnapshot,
    options: { runs?: RunSnapshot[]; theme?: Theme } = {},
  ): Promise<InspectorPage> {
    const inspector = await open({ theme: options.theme });
    await inspector.send({
      type: 'snapshot',
      runs: options.runs ?? fixtures.all,
      selectedRunId: selected.id,
    });
    await waitForTitle(inspector.page, selected.title);
    return inspector;
  }

  describe('run rendering', () => {
    it('lists runs newest first', async () => {
      const { page, ...inspector } = await openWith(fixtures.clientCredentials);
      const options = page.getByRole('listbox', { name: 'Runs' }).getByRole('option');
      const titles = await options.locator('.run-title').allTextContents();
      const expected = [...fixtures.all].reverse().map((run) => `${run.title} ${run.status}`);
      assert.deepEqual(titles, expected);
      const selected = page.getByRole('option', { selected: true });
      assert.equal(await selected.count(), 1);
      assert.equal(await selected.getAttribute('data-run-id'), fixtures.clientCredentials.id);
      assert.match(await selected.innerText(), /Example AS · cc-client/);
      await assertCleanConsole({ page, ...inspector });
    });

    it('shows steps with status and duration', async () => {
      const inspector = await openWith(fixtures.failed);
      const steps = inspector.page.locator('.steps .step');
      assert.equal(await steps.count(), fixtures.failed.steps.length);
      const first = fixtures.failed.steps[0]!;
      assert.equal(await steps.nth(0).locator('.step-title').textContent(), first.title);
      assert.equal(await steps.nth(0).locator('.step-status').textContent(), 'Done');
      assert.equal(
        await steps.nth(0).locator('.step-duration').textContent(),
        `${first.durationMs} ms`,
      );
      const failed = steps.nth(1);
      assert.equal(await failed.getAttribute('class'), 'step step-failed');
      assert.equal(await failed.locator('.step-status').textContent(), 'Failed');
      assert.equal(
        await failed.locator('.step-detail').textContent(),
        fixtures.failed.steps[1]!.detail,
      );
    });

    it('shows the run error and its hint', async () => {
      const inspector = await openWith(fixtures.failed);
      const alert = inspector.page.getByRole('alert');
      const error = fixtures.failed.error!;
      assert.equal(await alert.locator('.error-message').textContent(), error.message);
      assert.equal(await alert.locator('.error-hint').textContent(), error.hint);
      assert.equal(await alert.locator('.error-code').textContent(), error.code);
    });

    it('shows one timeline row per exchange', async () => {
      const run = fixtures.clientCredentials;
      const inspector = await openWith(run);
      const rows = inspector.page.locator('.exchange-row');
      assert.equal(await rows.count(), run.exchanges.length);
      assert.equal(
        await inspector.page.locator('vscode-panel-tab#tab-exchanges .count').textContent(),
        String(run.exchanges.length),
      );
      for (const [index, exchange] of run.exchanges.entries()) {
        const cells = row(inspector.page, index);
        const status = `${exchange.response!.status} ${exchange.response!.statusText}`;
        assert.equal(await cells.locator('.cell.index').textContent(), String(index + 1));
        assert.equal(await cells.locator('.cell.method').textContent(), exchange.method);
        assert.equal(await cells.locator('.cell.endpoint').textContent(), exchange.endpoint);
        assert.equal(await cells.locator('.cell.url').textContent(), exchange.url);
        assert.equal(await cells.locator('.cell.status').textContent(), status);
        assert.equal(
          await cells.locator('.cell.duration').textContent(),
          `${exchange.durationMs} ms`,
        );
      }
    });

    it('marks a failed exchange', async () => {
      const run = fixtures.failed;
      const inspector = await openWith(run);
      const failed = row(inspector.page, exchangeIndex(run, 'token_endpoint'));
      assert.match((await failed.getAttribute('class')) ?? '', /\bfailed\b/);
      assert.equal(await failed.locator('.cell.status').innerText(), '✕ 401 Unauthorized');
      assert.match((await failed.getAttribute('aria-label')) ?? '', /401 Unauthorized, failed/);
      const succeeded = row(inspector.page, exchangeIndex(run, 'discovery'));
      assert.doesNotMatch((await succeeded.getAttribute('class')) ?? '', /\bfailed\b/);
    });

    it('run selection posts runSelected', async () => {
      const inspector = await openWith(fixtures.clientCredentials);
      await inspector.page.getByRole('option', { name: /Authorization code with PAR/ }).click();
      await waitForTitle(inspector.page, fixtures.parCode.title);
      assert.deepEqual(await lastPosted(inspector), {
        type: 'runSelected',
        runId: fixtures.parCode.id,
      });
      assert.equal(
        await inspector.page.getByRole('option', { selected: true }).getAttribute('data-run-id'),
        fixtures.parCode.id,
      );
    });

    it('run actions post their messages', async () => {
      const run = fixtures.parCode;
      const inspector = await openWith(run);
      const { page } = inspector;
      await page.getByRole('button', { name: `Run ${run.title} again`, exact: true }).click();
      await page.waitForFunction(() => window.__host.posted.length > 1);
      assert.deepEqual(await lastPosted(inspector), { type: 'rerun', runId: run.id });

      const url = await copiedText(
        inspector,
        page.getByRole('button', { name: 'Copy authorization URL', exact: true }),
      );
      assert.equal(url, run.authorizationUrl);

      await page.getByRole('button', { name: 'Clear all runs', exact: true }).click();
      await page.waitForFunction(() => window.__host.posted.at(-1)?.type === 'clearRuns');
      await inspector.send({ type: 'snapshot', runs: [] });
      await page.getByText('No runs yet.').waitFor();
      assert.equal(
        await page.getByRole('main').innerText(),
        'Select a run to see its requests, responses and tokens.',
      );
    });

    it('applies live run updates', async () => {
      const finished = fixtures.clientCredentials;
      const started: RunSnapshot = {
        ...finished,
        id: 'live-run',
        status: 'running',
        exchanges: [],
        tokens: [],
        result: undefined,
        steps: [{ index: 0, title: 'Discovery', status: 'running', startedAt: finished.startedAt }],
      };
      const inspector = await open();
      await inspector.send({ type: 'snapshot', runs: [] });
      await inspector.page.getByText('No runs yet.').waitFor();
      await inspector.send({ type: 'runStarted', run: started });
      await waitForTitle(inspector.page, finished.title);
      const heading = inspector.page.locator('.run-heading .run-status');
      assert.equal(await heading.textContent(), 'running');
      const step = inspector.page.locator('.steps .step').first();
      assert.equal(await step.locator('.step-status').textContent(), 'Running');
      assert.match((await step.locator('.step-duration').textContent()) ?? '', / so far$/);
      assert.equal(await inspector.page.locator('.exchange-row').count(), 0);

      await inspector.send({
        type: 'exchangeAdded',
        runId: 'live-run',
        exchange: finished.exchanges[0],
      });
      await row(inspector.page, 0).waitFor();
      assert.equal(
        await inspector.page.locator('vscode-panel-tab#tab-exchanges .count').textContent(),
        '1',
      );
      await inspector.send({
        type: 'stepUpdated',
        runId: 'live-run',
        step: { ...started.steps[0]!, status: 'done', durationMs: 20 },
      });
      await step.locator('.step-status', { hasText: 'Done' }).waitFor();
      assert.equal(await step.locator('.step-duration').textContent(), '20 ms');

      await inspector.send({ type: 'runFinished', run: { ...finished, id: 'live-run' } });
      await inspector.page.locator('.run-heading .run-status', { hasText: 'done' }).waitFor();
      assert.equal(await inspector.page.locator('.exchange-row').count(), 4);
      assert.equal(
        await inspector.page.getByRole('status').textContent(),
        `${finished.title}: done.`,
      );
      await assertCleanConsole(inspector);
    });
  });

  describe('exchange detail', () => {
    it('expands on click and shows headers', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'token_endpoint');
      const inspector = await openWith(run);
      assert.equal(await row(inspector.page, index).getAttribute('aria-expanded'), 'false');
      assert.equal(await detail(inspector.page, index).count(), 0);
      const region = await expand(inspector.page, index);
      assert.equal(await row(inspector.page, index).getAttribute('aria-expanded'), 'true');
      assert.ok(await inspector.page.locator('.tooltip').isHidden(), 'a click showed the tooltip');

      const request = region.getByRole('region', { name: 'Request' });
      assert.equal(
        await request.locator('.request-line').textContent(),
        `POST ${METADATA.mtls_endpoint_aliases.token_endpoint}`,
      );
      const requestHeaders = request.getByRole('table', { name: 'Request headers' });
      assert.equal(
        await requestHeaders.locator('tr', { hasText: 'accept' }).locator('td').textContent(),
        'application/json',
      );
      const authorization = requestHeaders.locator('tr', { hasText: 'authorization' });
      assert.match(
        (await authorization.locator('td').textContent()) ?? '',
        /^Basic \[redacted: 52 chars, sha256 [\w-]+\]$/,
      );
      assert.equal(await authorization.locator('mark.redacted').count(), 1);

      const response = region.getByRole('region', { name: 'Response' });
      assert.equal(await response.locator('.status-line').innerText(), '200 OK 620 B');
      const responseHeaders = response.getByRole('table', { name: 'Response headers' });
      assert.equal(
        await responseHeaders.locator('tr', { hasText: 'cache-control' }).locator('td').innerText(),
        'no-store',
      );

      await row(inspector.page, index).click();
      await detail(inspector.page, index).waitFor({ state: 'detached' });
      assert.equal(await row(inspector.page, index).getAttribute('aria-expanded'), 'false');
    });

    it('pretty-prints JSON bodies', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'token_endpoint');
      const exchange = run.exchanges[index]!;
      const inspector = await openWith(run);
      const region = await expand(inspector.page, index);
      const body = region.getByRole('region', { name: 'Response' }).locator('pre.code');
      assert.equal(await body.getAttribute('aria-label'), 'Response body');
      const text = (await body.textContent()) ?? '';
      assert.equal(text, JSON.stringify(JSON.parse(exchange.response!.body!.text), null, 2));
      assert.match(text, /^\{\n {2}"access_token": "eyJ/);
      assert.equal(
        await region.getByRole('region', { name: 'Response' }).locator('.content-type').innerText(),
        'application/json',
      );
    });

    it('keeps JSON numbers as written', async () => {
      const introspection = recordExchange({
        endpoint: 'introspection_endpoint',
        method: 'POST',
        url: METADATA.mtls_endpoint_aliases.introspection_endpoint,
        aliases: true,
        certificate: true,
        status: 200,
        statusText: 'OK',
        responseBody: {
          contentType: 'application/json',
          text: '{"active":true,"account":12345678901234567890,"ratio":1.10,"exp":1.5e9}',
        },
        durationMs: 8,
      });
      const run = { ...fixtures.clientCredentials, id: 'numbers', exchanges: [introspection] };
      const inspector = await openWith(run, { runs: [run] });
      const region = await expand(inspector.page, 0);
      const body = region.getByRole('region', { name: 'Response' }).locator('pre.code');
      assert.equal(
        await body.textContent(),
        '{\n  "active": true,\n  "account": 12345678901234567890,\n  "ratio": 1.10,\n  "exp": 1.5e9\n}',
      );
    });

    it('shows form bodies as tables', async () => {
      const run = fixtures.parCode;
      const index = exchangeIndex(run, 'token_endpoint');
      const inspector = await openWith(run);
      const region = await expand(inspector.page, index);
      const table = region
        .getByRole('region', { name: 'Request' })
        .getByRole('table', { name: 'Request body' });
      const names = await table.locator('tbody th').allTextContents();
      assert.deepEqual(names, [
        'grant_type',
        'code',
        'redirect_uri',
        'code_verifier',
        'client_id',
        'client_secret',
      ]);
      const value = (name: string) =>
        table.locator('tbody tr', { has: inspector.page.locator(`th:text-is("${name}")`) });
      assert.equal(await value('grant_type').locator('td').textContent(), 'authorization_code');
      assert.equal(
        await value('redirect_uri').locator('td').textContent(),
        'http://127.0.0.1:53682/callback',
      );
      assert.match(
        (await value('client_secret').locator('td').textContent()) ?? '',
        new RegExp(`^\\[redacted: ${SECRETS.client_secret.length} chars, sha256 [\\w-]+\\]$`),
      );
      assert.equal(await value('code_verifier').locator('mark.redacted').count(), 1);
      assert.equal(
        await region.locator('.redaction-note').innerText(),
        'Redacted code_verifier, client_secret: OAuth Explorer replaced these values before recording, and shows their length and a SHA-256 prefix instead.',
      );
    });

    it('keeps secrets out of the DOM and messages', async () => {
      const inspector = await openWith(fixtures.parCode);
      const html = () => inspector.page.evaluate(() => document.documentElement.outerHTML);
      const markers = new Set<string>();
      const check = async (where: string) => {
        const text = await html();
        assertNoSecrets(text, where);
        for (const [, value] of SECRET_VALUES) {
          if (text.includes(redactValue(value))) markers.add(value);
        }
      };
      for (const run of fixtures.all) {
        await selectRun(inspector.page, run);
        await showTab(inspector.page, 'exchanges');
        // Rows below a tall detail are not rendered, so each detail is closed after its checks.
        for (let index = 0; index < run.exchanges.length; index += 1) {
          const region = await expand(inspector.page, index);
          const buttons = region.locator('vscode-button');
          for (let button = 0; button < (await buttons.count()); button += 1) {
            await copiedText(inspector, buttons.nth(button));
          }
          await check(`the DOM of exchange ${index + 1} of "${run.title}"`);
          await collapse(inspector.page, index);
        }
        for (const tab of ['tokens', 'result', 'routing'] as const) {
          await showTab(inspector.page, tab);
          await check(`the ${tab} tab of "${run.title}"`);
        }
      }
      // Each secret was rendered as its redaction marker, so the checks had something to find.
      for (const [name, value] of SECRET_VALUES) {
        assert.ok(markers.has(value), `the page never showed the redaction marker of the ${name}`);
      }

      const posted = await inspector.posted();
      const copies = posted.filter((message) => message.type === 'copy');
      assert.ok(copies.length >= 20, `only ${copies.length} copy messages were posted`);
      assertNoSecrets(JSON.stringify(posted), 'the posted messages');
      await inspector.page.waitForFunction(() => window.__host.state !== undefined);
      assertNoSecrets(JSON.stringify((await inspector.record()).state), 'the saved state');
      await assertCleanConsole(inspector);
    });

    it('copy buttons post the text', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'token_endpoint');
      const exchange = run.exchanges[index]!;
      const inspector = await openWith(run);
      const region = await expand(inspector.page, index);
      const copy = (name: string) => region.getByRole('button', { name, exact: true });

      assert.equal(await copiedText(inspector, copy('Copy the request URL')), exchange.url);
      assert.equal(
        await copiedText(inspector, copy('Copy request body')),
        exchange.request.body!.text,
      );
      assert.equal(
        await copiedText(inspector, copy('Copy response body')),
        exchange.response!.body!.text,
      );
      assert.equal(
        await inspector.page.getByRole('status').textContent(),
        'Copied the response body.',
      );
    });

    it('shortens a large body, copies none', async () => {
      const size = 1_100_000;
      const userinfo = recordExchange({
        endpoint: 'userinfo_endpoint',
        method: 'GET',
        url: METADATA.mtls_endpoint_aliases.userinfo_endpoint,
        aliases: true,
        certificate: true,
        status: 200,
        statusText: 'OK',
        responseBody: { contentType: 'text/plain', text: 'x'.repeat(size) },
        durationMs: 80,
      });
      const run = { ...fixtures.clientCredentials, id: 'large-body', exchanges: [userinfo] };
      const inspector = await openWith(run, { runs: [run] });
      const region = await expand(inspector.page, 0);
      const response = region.getByRole('region', { name: 'Response' });
      assert.equal((await response.locator('pre.code').textContent())?.length, 200_000);
      assert.equal(
        await response.locator('.note').textContent(),
        'Showing the first 200,000 of 1,100,000 characters.',
      );

      const before = (await inspector.posted()).length;
      await response.page().getByRole('button', { name: 'Copy response body' }).click();
      const status = inspector.page.getByRole('status');
      await status.filter({ hasText: 'not copied' }).waitFor();
      assert.equal(
        await status.textContent(),
        'The response body was not copied: it has 1,100,000 characters, and the limit is 1,048,576.',
      );
      assert.ok(await status.isVisible(), 'the notice is not visible');
      assert.equal((await inspector.posted()).length, before, 'a copy message was posted');
      await assertCleanConsole(inspector);
    });

    it('copy as curl uses variables for certificates and secrets', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'token_endpoint');
      const inspector = await openWith(run);
      const region = await expand(inspector.page, index);
      const curl = await copiedText(
        inspector,
        region.getByRole('button', { name: /^Copy as a curl command/ }),
      );
      assert.equal(
        curl.split('\n')[0],
        '# Set these environment variables first: CLIENT_CERT, CLIENT_KEY, CLIENT_SECRET (CLIENT_CERT and CLIENT_KEY are paths of PEM files).',
      );
      assert.ok(curl.includes('--cert "$CLIENT_CERT"'), curl);
      assert.ok(curl.includes('--key "$CLIENT_KEY"'), curl);
      assert.ok(curl.includes('--user "cc-client:$CLIENT_SECRET"'), curl);
      assert.ok(!curl.includes('[redacted'), curl);
      assertNoSecrets(curl, 'the curl command');
      assert.equal(
        await inspector.page.getByRole('status').textContent(),
        'Copied the curl command.',
      );

      const words = curlArguments(curl, {
        CLIENT_CERT: '/keys/client.pem',
        CLIENT_KEY: '/keys/client.key',
        CLIENT_SECRET: SECRETS.client_secret,
      });
      assert.deepEqual(words, [
        METADATA.mtls_endpoint_aliases.token_endpoint,
        '--cert',
        '/keys/client.pem',
        '--key',
        '/keys/client.key',
        '--header',
        'accept: application/json',
        '--user',
        `cc-client:${SECRETS.client_secret}`,
        '--header',
        'content-type: application/x-www-form-urlencoded;charset=UTF-8',
        '--data-urlencode',
        'grant_type=client_credentials',
        '--data-urlencode',
        'scope=accounts payments',
      ]);
    });

    it('copy as curl turns redacted form fields into variables', async () => {
      const run = fixtures.parCode;
      const index = exchangeIndex(run, 'token_endpoint');
      const inspector = await openWith(run);
      const region = await expand(inspector.page, index);
      const curl = await copiedText(
        inspector,
        region.getByRole('button', { name: /^Copy as a curl command/ }),
      );
      assert.ok(curl.includes('"code_verifier=$CODE_VERIFIER"'), curl);
      assert.ok(curl.includes('"client_secret=$CLIENT_SECRET"'), curl);
      assertNoSecrets(curl, 'the curl command');
      const words = curlArguments(curl, {
        CLIENT_CERT: '/keys/client.pem',
        CLIENT_KEY: '/keys/client.key',
        CLIENT_SECRET: SECRETS.client_secret,
        CODE_VERIFIER: SECRETS.code_verifier,
      });
      assert.equal(words[0], METADATA.token_endpoint);
      assert.ok(words.includes(`client_secret=${SECRETS.client_secret}`), words.join(' '));
      assert.ok(words.includes(`code_verifier=${SECRETS.code_verifier}`), words.join(' '));
      assert.ok(words.includes('redirect_uri=http://127.0.0.1:53682/callback'), words.join(' '));
    });

    it('copy as curl leaves out the certificate when none was configured', async () => {
      const run = fixtures.parCode;
      const index = exchangeIndex(run, 'jwks_uri');
      const inspector = await openWith(run);
      const region = await expand(inspector.page, index);
      const curl = await copiedText(
        inspector,
        region.getByRole('button', { name: /^Copy as a curl command/ }),
      );
      assert.equal(curl, `curl '${JWKS_URI}' \\\n  --header 'accept: application/json'`);
    });
  });

  describe('routing explanation', () => {
    it('tags a request sent to the mTLS alias', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'token_endpoint');
      const inspector = await openWith(run);
      const tag = row(inspector.page, index).locator('.cell.route .tag');
      assert.equal(await tag.textContent(), 'alias');
      const reason =
        'token_endpoint goes to the mTLS alias because aliases are on and the metadata has one. The client certificate is offered if the server asks for one.';
      assert.equal(await tag.getAttribute('data-tip'), reason);
      const description = await row(inspector.page, index).getAttribute('aria-describedby');
      assert.equal(await inspector.page.locator(`[id="${description}"]`).textContent(), reason);

      await row(inspector.page, index).hover();
      await tag.hover();
      const tooltip = inspector.page.locator('.tooltip');
      await tooltip.waitFor();
      assert.equal(await tooltip.textContent(), reason);

      const region = await expand(inspector.page, index);
      const routing = region.getByRole('region', { name: 'Routing' });
      assert.equal(await routing.locator('.route-reason').textContent(), reason);
      const urls = routing.getByRole('table', { name: 'Routing URLs' });
      assert.deepEqual(await urls.locator('td').allTextContents(), [
        METADATA.token_endpoint,
        METADATA.mtls_endpoint_aliases.token_endpoint,
        METADATA.mtls_endpoint_aliases.token_endpoint,
      ]);
    });

    it('tags a request plain when the metadata has no alias', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'revocation_endpoint');
      const inspector = await openWith(run);
      const tag = row(inspector.page, index).locator('.cell.route .tag');
      assert.equal(await tag.textContent(), 'plain');
      assert.equal(
        await tag.getAttribute('data-tip'),
        'revocation_endpoint goes to the plain URL because aliases are on but mtls_endpoint_aliases has no entry for it. The client certificate is offered if the server asks for one.',
      );
      const region = await expand(inspector.page, index);
      const urls = region.getByRole('table', { name: 'Routing URLs' });
      assert.deepEqual(await urls.locator('td').allTextContents(), [
        METADATA.revocation_endpoint,
        'not in mtls_endpoint_aliases',
        METADATA.revocation_endpoint,
      ]);
    });

    it('tags a request plain when aliases are off', async () => {
      const run = fixtures.parCode;
      const index = exchangeIndex(run, 'token_endpoint');
      const inspector = await openWith(run);
      const tag = row(inspector.page, index).locator('.cell.route .tag');
      assert.equal(await tag.textContent(), 'plain');
      assert.match(
        (await tag.getAttribute('data-tip')) ?? '',
        /^token_endpoint goes to the plain URL because aliases are off \(the metadata has an alias for it\)\./,
      );
      assert.equal(
        await inspector.page
          .locator('.run-facts dt:text-is("mTLS endpoint aliases") + dd')
          .innerText(),
        'not used',
      );
    });

    it('shows the client certificate and its x5t#S256', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'token_endpoint');
      const inspector = await openWith(run);
      const cell = row(inspector.page, index).locator('.cell.cert');
      assert.equal(await cell.textContent(), 'cert');
      assert.equal(
        await cell.getAttribute('data-tip'),
        `Client certificate offered: ${CLIENT_CERTIFICATE.subject}, x5t#S256 ${CLIENT_CERTIFICATE.x5tS256}`,
      );
      assert.match(
        (await row(inspector.page, index).getAttribute('aria-label')) ?? '',
        /client certificate CN=fintech-client,O=Example Fintech offered/,
      );
      const region = await expand(inspector.page, index);
      const client = region.getByRole('table', { name: 'Client certificate' });
      const facts = Object.fromEntries(
        await client
          .locator('tr')
          .evaluateAll((rows) =>
            rows.map((tr) => [
              tr.querySelector('th')!.textContent,
              tr.querySelector('td')!.textContent,
            ]),
          ),
      );
      assert.equal(facts.Subject, CLIENT_CERTIFICATE.subject);
      assert.equal(facts['x5t#S256'], CLIENT_CERTIFICATE.x5tS256);
      assert.equal(
        await inspector.page
          .locator('.run-facts dt:text-is("Client certificate") + dd')
          .innerText(),
        `${CLIENT_CERTIFICATE.subject} x5t#S256 ${CLIENT_CERTIFICATE.x5tS256}`,
      );
    });

    it('says when no client certificate was configured', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'jwks_uri');
      const inspector = await openWith(run);
      const cell = row(inspector.page, index).locator('.cell.cert');
      assert.equal(await cell.textContent(), 'none');
      assert.equal(await cell.getAttribute('data-tip'), null);
      assert.match(
        (await row(inspector.page, index).getAttribute('aria-label')) ?? '',
        /, no client certificate,/,
      );
      const region = await expand(inspector.page, index);
      assert.equal(await region.getByRole('table', { name: 'Client certificate' }).count(), 0);
      assert.equal(
        await region.locator('.no-certificate').textContent(),
        'No client certificate was configured on this connection.',
      );
      assert.equal(
        await region.locator('.route-reason').textContent(),
        'jwks_uri holds public keys: it is fetched from the plain URL without a client certificate.',
      );
    });

    it('lists every endpoint in the routing tab', async () => {
      const run = fixtures.clientCredentials;
      const inspector = await openWith(run);
      await showTab(inspector.page, 'routing');
      const table = inspector.page.getByRole('table', { name: 'Routing of each endpoint' });
      const rows = table.locator('tbody tr');
      assert.equal(await rows.count(), run.routes.length);
      const token = table.locator('tr[data-endpoint="token_endpoint"]');
      assert.equal(await token.locator('.tag').textContent(), 'alias');
      assert.equal(await token.locator('.cert-offered').textContent(), 'offered');
      const revocation = table.locator('tr[data-endpoint="revocation_endpoint"]');
      assert.equal(await revocation.locator('.tag').textContent(), 'plain');
      const authorization = table.locator('tr[data-endpoint="authorization_endpoint"]');
      assert.equal(await authorization.locator('.cert-none').textContent(), 'not offered');
      const missing = table.locator('tr[data-endpoint="device_authorization_endpoint"]');
      assert.equal(await missing.getAttribute('class'), 'unavailable');
      assert.equal(
        await missing.locator('.reason').textContent(),
        'device_authorization_endpoint is not in the metadata.',
      );
    });
  });

  describe('tokens', () => {
    async function tokensOf(run: RunSnapshot): Promise<InspectorPage> {
      const inspector = await openWith(run, { runs: [run] });
      await showTab(inspector.page, 'tokens');
      return inspector;
    }

    function tokenSection(page: Page, label: string): Locator {
      return page.locator(`section.token[data-label="${label}"]`);
    }

    it('shows a verified signature with its kid', async () => {
      const inspector = await tokensOf(fixtures.clientCredentials);
      const token = tokenSection(inspector.page, 'access_token');
      assert.equal(
        await token.locator('.verification').textContent(),
        `Signature verified: ES256, kid as-key-1, with a key from ${JWKS_URI}`,
      );
      assert.equal(
        await token.locator('.verification').getAttribute('class'),
        'status-line-ok verification verified',
      );
    });

    it('shows a failed signature with the reason', async () => {
      const run = fixtures.tokenEdgeCases;
      const verification = tokenOf(run, 'access_token').verification;
      assert.equal(verification.status, 'failed');
      const inspector = await tokensOf(run);
      const line = tokenSection(inspector.page, 'access_token').locator('.verification');
      assert.equal(
        await line.textContent(),
        `Signature verification failed: ${(verification as { reason: string }).reason} (alg ES256, kid as-key-1)`,
      );
      assert.match((await line.textContent()) ?? '', /the signature does not match/);
    });

    it('flags an unsecured alg none token', async () => {
      const inspector = await tokensOf(fixtures.tokenEdgeCases);
      const token = tokenSection(inspector.page, 'userinfo');
      assert.equal(
        await token.locator('.verification').textContent(),
        'Unsecured token (alg: none): alg is "none": the token has no signature.',
      );
      assert.equal(
        await token.locator('.verification').getAttribute('class'),
        'status-line-error verification unsecured',
      );
      assert.match((await token.getByLabel('Header').textContent()) ?? '', /"alg": "none"/);
      assert.equal(await token.locator('.signature').textContent(), '(empty)');
    });

    it('shows only the header of an encrypted token', async () => {
      const inspector = await tokensOf(fixtures.tokenEdgeCases);
      const token = tokenSection(inspector.page, 'id_token');
      assert.equal(
        await token.locator('.verification').textContent(),
        'Encrypted (JWE): The token is encrypted; only its header is shown.',
      );
      const header = JSON.parse(
        (await token.getByLabel('JWE protected header').textContent()) ?? '',
      );
      assert.deepEqual(header, {
        alg: 'ECDH-ES+A256KW',
        enc: 'A256GCM',
        kid: 'client-enc-1',
        cty: 'JWT',
        epk: header.epk,
      });
      assert.equal(await token.locator('table.claims').count(), 0);
      assert.equal(await token.locator('.signature').count(), 0);
      assert.equal(await token.locator('details.raw-token').getAttribute('open'), null);
    });

    it('shows why a malformed token could not be decoded', async () => {
      const inspector = await tokensOf(fixtures.tokenEdgeCases);
      const token = tokenSection(inspector.page, 'authorization_response');
      assert.match(
        (await token.locator('.decode-error').textContent()) ?? '',
        /^Could not decode: The token is malformed: /,
      );
      assert.equal(await token.locator('details.raw-token').getAttribute('open'), '');
    });

    it('shows time claims as dates and relative times', async () => {
      const run = await clientCredentialsRun(keys);
      const edgeCases = await tokenEdgeCasesRun(keys);
      const inspector = await openWith(run, { runs: [edgeCases, run] });
      await showTab(inspector.page, 'tokens');
      const claims = tokenOf(run, 'access_token').decoded as { claims: Record<string, number> };
      const exp = tokenSection(inspector.page, 'access_token').locator('tr[data-claim="exp"]');
      assert.equal(
        await exp.locator('.iso').textContent(),
        new Date(claims.claims.exp! * 1000).toISOString(),
      );
      assert.equal(await exp.locator('.relative').textContent(), '(in 5 min)');
      assert.equal(await exp.locator('.raw-number').textContent(), ` ${claims.claims.exp}`);
      assert.match(
        (await tokenSection(inspector.page, 'access_token')
          .locator('tr[data-claim="iat"] .relative')
          .textContent()) ?? '',
        /^\((now|\d+ s ago)\)$/,
      );
      const name = exp.locator('.claim-name');
      assert.match((await name.getAttribute('data-tip')) ?? '', /^Expiration time: /);

      await inspector.page.getByRole('option', { name: /^Userinfo with unusual tokens/ }).click();
      await waitForTitle(inspector.page, edgeCases.title);
      await tokenSection(inspector.page, 'userinfo').waitFor();
      const userinfo = tokenSection(inspector.page, 'userinfo');
      assert.equal(
        await userinfo.locator('tr[data-claim="exp"] .relative').textContent(),
        '(1 h ago)',
      );
      assert.equal(
        await userinfo.locator('tr[data-claim="iat"] .relative').textContent(),
        '(2 h ago)',
      );
    });

    it('shows a matching certificate binding', async () => {
      const inspector = await tokensOf(fixtures.clientCredentials);
      const binding = tokenSection(inspector.page, 'access_token').locator('.binding');
      assert.equal(await binding.getAttribute('class'), 'status-line-ok binding match');
      assert.equal(
        await binding.textContent(),
        `Certificate binding: cnf["x5t#S256"] matches the client certificate ${CLIENT_CERTIFICATE.x5tS256}`,
      );
    });

    it('shows a mismatched certificate binding', async () => {
      const inspector = await tokensOf(fixtures.parCode);
      const binding = tokenSection(inspector.page, 'access_token').locator('.binding');
      assert.equal(await binding.getAttribute('class'), 'status-line-error binding mismatch');
      assert.equal(await binding.locator('.binding-actual').textContent(), OTHER_THUMBPRINT);
      assert.equal(
        await binding.locator('.binding-expected').textContent(),
        CLIENT_CERTIFICATE.x5tS256,
      );
      assert.equal(await tokenSection(inspector.page, 'id_token').locator('.binding').count(), 0);
    });

    it('shows an absent certificate binding', async () => {
      const inspector = await tokensOf(fixtures.tokenEdgeCases);
      const binding = tokenSection(inspector.page, 'access_token').locator('.binding');
      assert.equal(await binding.getAttribute('class'), 'status-line-neutral binding absent');
      assert.equal(
        await binding.textContent(),
        'Certificate binding: The token has no cnf["x5t#S256"], so it is not bound to a certificate.',
      );
    });

    it('copies a token', async () => {
      const run = fixtures.parCode;
      const inspector = await tokensOf(run);
      const button = tokenSection(inspector.page, 'id_token').getByRole('button', {
        name: 'Copy the id_token',
      });
      assert.equal(await copiedText(inspector, button), tokenOf(run, 'id_token').token);
    });
  });

  describe('host messages', () => {
    it('posts ready before anything else', async () => {
      const inspector = await open();
      const posted = await inspector.posted();
      assert.deepEqual(posted, [{ type: 'ready' }]);
      assert.equal(await inspector.page.getByText('No runs yet.').count(), 1);
      await assertCleanConsole(inspector);
    });

    it('ignores malformed messages', async () => {
      const run = fixtures.clientCredentials;
      const inspector = await openWith(run);
      const { page } = inspector;
      await showTab(page, 'tokens');
      const warnings: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'warning') warnings.push(message.text());
      });
      await page.evaluate(() => {
        window.__seenTitles = [];
        new MutationObserver(() => {
          const title = document.querySelector('.run-heading h2')?.textContent;
          if (title) window.__seenTitles.push(title);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });

      const exchange: RecordedExchange = run.exchanges[1]!;
      const token = run.tokens[0]!;
      const broken = { ...run, title: 'Broken' };
      const malformed: Array<[string, unknown]> = [
        ['null', null],
        ['a string', 'snapshot'],
        ['an array', [{ type: 'snapshot', runs: [] }]],
        ['no type', { runs: [] }],
        ['an unknown type', { type: 'explode' }],
        ['snapshot without runs', { type: 'snapshot' }],
        ['snapshot with runs not a list', { type: 'snapshot', runs: 'all' }],
        ['snapshot with an incomplete run', { type: 'snapshot', runs: [{ id: 'x' }] }],
        ['run with a null step', { type: 'runFinished', run: { ...broken, steps: [null] } }],
        ['run with an object title', { type: 'runFinished', run: { ...run, title: {} } }],
        [
          'run with an object error code',
          { type: 'runFinished', run: { ...broken, error: { code: {}, message: 'm' } } },
        ],
        [
          'run with an object authentication method',
          { type: 'runFinished', run: { ...broken, token_endpoint_auth_method: { a: 1 } } },
        ],
        [
          'token decoded without header or signatures',
          {
            type: 'runFinished',
            run: { ...broken, tokens: [{ ...token, decoded: { format: 'jws' } }] },
          },
        ],
        [
          'token with an unknown verification status',
          {
            type: 'runFinished',
            run: { ...broken, tokens: [{ ...token, verification: { status: 'trusted' } }] },
          },
        ],
        [
          'token with a binding without thumbprints',
          {
            type: 'runFinished',
            run: { ...broken, tokens: [{ ...token, binding: { status: 'mismatch' } }] },
          },
        ],
        [
          'exchange with a one-element header',
          {
            type: 'exchangeAdded',
            runId: run.id,
            exchange: { ...exchange, id: 'bad-1', request: { headers: [['accept']] } },
          },
        ],
        [
          'exchange with a text client certificate',
          {
            type: 'exchangeAdded',
            runId: run.id,
            exchange: { ...exchange, id: 'bad-2', tls: { clientCertificate: 'cert' } },
          },
        ],
        [
          'exchange with a text duration',
          {
            type: 'exchangeAdded',
            runId: run.id,
            exchange: { ...exchange, id: 'bad-3', durationMs: 'slow' },
          },
        ],
        [
          'exchange with an object route URL',
          {
            type: 'exchangeAdded',
            runId: run.id,
            exchange: { ...exchange, id: 'bad-4', route: { ...exchange.route, url: {} } },
          },
        ],
        [
          'step with a negative index',
          { type: 'stepUpdated', runId: run.id, step: { ...run.steps[0], index: -1 } },
        ],
        [
          'step with an object detail',
          { type: 'stepUpdated', runId: run.id, step: { ...run.steps[0], detail: {} } },
        ],
        ['selectRun with a number', { type: 'selectRun', runId: 5 }],
      ];
      for (const [index, [name, message]] of malformed.entries()) {
        await inspector.send(message);
        // Messages are handled in order, so once this probe shows, the malformed one was handled.
        const probe = `Probe ${index}`;
        await inspector.send({ type: 'runFinished', run: { ...run, title: probe } });
        await waitForTitle(page, probe);
        assert.equal(
          warnings.filter((text) => text.includes('ignored a malformed message')).length,
          index + 1,
          `the page did not report ${name} as malformed: ${warnings.join(' | ')}`,
        );
      }
      const seen = await page.evaluate(() => window.__seenTitles);
      assert.ok(!seen.includes('Broken'), 'a malformed run was shown');
      assert.equal(await page.getByRole('option').count(), fixtures.all.length);
      assert.equal(await page.locator('vscode-panels').getAttribute('activeid'), 'tab-tokens');
      assert.equal(await page.locator('section.token').count(), run.tokens.length);
      await showTab(page, 'exchanges');
      assert.equal(await page.locator('.exchange-row').count(), run.exchanges.length);
      assert.equal(await page.locator('.steps .step').count(), run.steps.length);
      await assertCleanConsole(inspector);

      await inspector.send({ type: 'selectRun', runId: fixtures.failed.id });
      await waitForTitle(page, fixtures.failed.title);
    });

    it('restores the saved state after a reload', async () => {
      const run = fixtures.parCode;
      const index = exchangeIndex(run, 'token_endpoint');
      const first = await openWith(fixtures.clientCredentials);
      await first.page.getByRole('option', { name: /^Authorization code with PAR/ }).click();
      await waitForTitle(first.page, run.title);
      await expand(first.page, index);
      await showTab(first.page, 'tokens');
      await first.page.waitForFunction((runId) => {
        const state = window.__host.state as {
          ui?: { tab?: string; selectedRunId?: string; expanded?: Record<string, string[]> };
        };
        return (
          state?.ui?.tab === 'tokens' &&
          state.ui.selectedRunId === runId &&
          state.ui.expanded?.[runId]?.length === 1
        );
      }, run.id);
      const saved = (await first.record()).state;
      await first.close();

      const second = await open({ state: saved });
      assert.deepEqual(await second.posted(), [{ type: 'ready' }]);
      await waitForTitle(second.page, run.title);
      assert.equal(await second.page.getByRole('option').count(), fixtures.all.length);
      assert.equal(
        await second.page.getByRole('option', { selected: true }).getAttribute('data-run-id'),
        run.id,
      );
      assert.equal(
        await second.page.locator('vscode-panels').getAttribute('activeid'),
        'tab-tokens',
      );
      await second.page.locator('section.token[data-label="id_token"]').waitFor();
      await showTab(second.page, 'exchanges');
      assert.equal(await row(second.page, index).getAttribute('aria-expanded'), 'true');
      await detail(second.page, index).waitFor();
      await assertCleanConsole(second);
    });

    it('saved state holds no raw token', async () => {
      const run = fixtures.parCode;
      const page = await openWith(run);
      await waitForTitle(page.page, run.title);
      await page.page.waitForFunction(() => {
        const state = window.__host.state as { runs?: unknown[] } | undefined;
        return (state?.runs?.length ?? 0) > 0;
      });
      const saved = JSON.stringify((await page.record()).state);
      assert.ok(run.tokens.length > 0, 'the fixture run has no tokens');
      for (const token of run.tokens) {
        assert.ok(!saved.includes(token.token), `${token.label} is in the saved state`);
      }
      assert.match(saved, /\[token not stored: \d+ characters\]/);
      assert.match(saved, /"sub"/);
      await page.close();
    });

    it('ignores a saved state of another shape', async () => {
      const inspector = await open({ state: { version: 2, runs: 'none', ui: [] } });
      assert.equal(await inspector.page.getByText('No runs yet.').count(), 1);
      await inspector.send({ type: 'snapshot', runs: fixtures.all });
      await waitForTitle(inspector.page, fixtures.failed.title);
      await assertCleanConsole(inspector);
    });
  });

  describe('keyboard and accessibility', () => {
    it('reaches and opens an exchange with the keyboard', async () => {
      const run = fixtures.clientCredentials;
      const { page } = await openWith(run);
      const focusedRow = () =>
        page.evaluate(() =>
          document.activeElement?.closest('.exchange-row')?.getAttribute('data-index'),
        );
      let presses = 0;
      while ((await focusedRow()) == null && presses < 30) {
        await page.keyboard.press('Tab');
        presses += 1;
      }
      assert.equal(await focusedRow(), '0', `no exchange row after ${presses} Tab presses`);

      await page.keyboard.press('ArrowDown');
      assert.equal(await focusedRow(), '1');
      const tooltip = page.locator('.tooltip');
      await tooltip.waitFor();
      assert.equal(await tooltip.textContent(), run.exchanges[1]!.route!.reason);
      await page.keyboard.press('Enter');
      await detail(page, 1).waitFor();
      assert.equal(await row(page, 1).getAttribute('aria-expanded'), 'true');
      assert.equal(await focusedRow(), '1');

      await page.keyboard.press('ArrowLeft');
      await detail(page, 1).waitFor({ state: 'detached' });
      await page.keyboard.press('ArrowRight');
      await detail(page, 1).waitFor();
      await page.keyboard.press(' ');
      await detail(page, 1).waitFor({ state: 'detached' });

      await page.keyboard.press('End');
      assert.equal(await focusedRow(), String(run.exchanges.length - 1));
      await page.keyboard.press('Home');
      assert.equal(await focusedRow(), '0');
      await page.keyboard.press('ArrowUp');
      assert.equal(await focusedRow(), '0');
      assert.equal(await row(page, 0).getAttribute('tabindex'), '0');
      assert.equal(await row(page, 1).getAttribute('tabindex'), '-1');
    });

    it('selects a run with the arrow keys and Enter', async () => {
      const inspector = await openWith(fixtures.failed);
      const { page } = inspector;
      const selected = page.getByRole('option', { selected: true });
      await selected.focus();
      await page.keyboard.press('ArrowDown');
      const focused = await page.evaluate(() =>
        document.activeElement?.getAttribute('data-run-id'),
      );
      assert.equal(focused, fixtures.tokenEdgeCases.id);
      await page.keyboard.press('Enter');
      await waitForTitle(page, fixtures.tokenEdgeCases.title);
      assert.deepEqual(await lastPosted(inspector), {
        type: 'runSelected',
        runId: fixtures.tokenEdgeCases.id,
      });
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('data-run-id')),
        fixtures.tokenEdgeCases.id,
      );
    });

    it('labels regions, rows and buttons', async () => {
      const run = fixtures.clientCredentials;
      const index = exchangeIndex(run, 'token_endpoint');
      const { page } = await openWith(run);
      assert.equal(await page.getByRole('navigation', { name: 'Runs' }).count(), 1);
      assert.equal(await page.getByRole('main', { name: 'Selected run' }).count(), 1);
      assert.equal(await page.getByRole('list', { name: `Exchanges of ${run.title}` }).count(), 1);
      const options = page.getByRole('option');
      assert.equal(await options.count(), fixtures.all.length);
      const rowButton = page.getByRole('button', {
        name: `2. POST token_endpoint ${METADATA.mtls_endpoint_aliases.token_endpoint}, via mTLS alias, client certificate ${CLIENT_CERTIFICATE.subject} offered, 200 OK, 42 ms`,
        exact: true,
      });
      assert.equal(await rowButton.count(), 1);
      assert.equal(await rowButton.getAttribute('aria-expanded'), 'false');
      assert.equal(await page.getByRole('tab', { name: /^Exchanges/ }).count(), 1);
      assert.equal(
        await page.getByRole('button', { name: `Run ${run.title} again`, exact: true }).count(),
        1,
      );
      await expand(page, index);
      assert.equal(
        await page.getByRole('region', { name: 'POST token_endpoint details' }).count(),
        1,
      );
      assert.equal(await page.getByRole('group', { name: 'Copy' }).count(), 1);

      const unnamed = await page.evaluate(() => {
        const names: string[] = [];
        for (const element of document.querySelectorAll('vscode-button, [role="button"]')) {
          const name = element.getAttribute('aria-label') ?? element.textContent ?? '';
          if (name.trim() === '') names.push(element.outerHTML.slice(0, 80));
        }
        return names;
      });
      assert.deepEqual(unnamed, []);
    });
  });

  describe('themes', () => {
    const themes: Array<[string, Theme]> = [
      ['dark', DARK_THEME],
      ['light', LIGHT_THEME],
      ['high-contrast', HIGH_CONTRAST_THEME],
    ];

    for (const [name, theme] of themes) {
      it(`renders with the ${name} theme`, async () => {
        const run = fixtures.parCode;
        const inspector = await openWith(run, { theme });
        const { page } = inspector;
        await expand(page, exchangeIndex(run, 'token_endpoint'));
        await page.mouse.move(0, 0);
        await inspector.screenshot(`inspector-${name}`);
        const colours = await page.evaluate(() => {
          const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
          const primary = document.querySelector('vscode-button[appearance="primary"]')!;
          return {
            background: style('body').backgroundColor,
            foreground: style('body').color,
            selectedRun: style('.run.selected').backgroundColor,
            runsPane: style('.runs-pane').backgroundColor,
            primaryButton: getComputedStyle(primary).backgroundColor,
            tagBorder: style('.exchange-row .tag.route-plain').borderTopColor,
            countBorder: style('.count').borderTopColor,
          };
        });
        const variables = theme.variables;
        assert.equal(colours.background, rgb(variables['--vscode-editor-background']!));
        assert.equal(colours.foreground, rgb(variables['--vscode-foreground']!));
        assert.equal(
          colours.selectedRun,
          rgb(variables['--vscode-list-activeSelectionBackground']!),
        );
        assert.equal(colours.runsPane, rgb(variables['--vscode-sideBar-background']!));
        assert.equal(colours.primaryButton, rgb(variables['--vscode-button-background']!));
        assert.equal(colours.tagBorder, rgb(variables['--vscode-descriptionForeground']!));
        const contrastBorder = variables['--vscode-contrastBorder'];
        assert.equal(
          colours.countBorder,
          contrastBorder ? rgb(contrastBorder) : 'rgba(0, 0, 0, 0)',
        );

        const boxes = await page.evaluate(() => {
          const box = (element: Element) => {
            const rect = element.getBoundingClientRect();
            return { left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom };
          };
          return {
            runs: box(document.querySelector('.runs-pane')!),
            run: box(document.querySelector('.run-pane')!),
            header: box(document.querySelector('.timeline-header')!),
            rows: [...document.querySelectorAll('.exchange')].map(box),
            actions: [...document.querySelectorAll('.exchange-detail .actions vscode-button')].map(
              box,
            ),
            headerCells: [...document.querySelectorAll('.timeline-header .cell')].map((cell) => ({
              text: cell.textContent,
              clipped: cell.scrollWidth > cell.clientWidth,
            })),
          };
        });
        assert.ok(boxes.runs.right <= boxes.run.left, 'the runs pane overlaps the run pane');
        assert.ok(boxes.header.bottom <= boxes.rows[0]!.top, 'the header overlaps the rows');
        for (let index = 1; index < boxes.rows.length; index += 1) {
          assert.ok(
            boxes.rows[index - 1]!.bottom <= boxes.rows[index]!.top,
            `row ${index} overlaps`,
          );
        }
        for (let index = 1; index < boxes.actions.length; index += 1) {
          const previous = boxes.actions[index - 1]!;
          const current = boxes.actions[index]!;
          const apart = previous.right <= current.left || previous.bottom <= current.top;
          assert.ok(apart, `copy button ${index} overlaps the one before`);
        }
        assert.deepEqual(
          boxes.headerCells.filter((cell) => cell.clipped).map((cell) => cell.text),
          [],
          'clipped column headings',
        );

        await inspector.send({ type: 'selectRun', runId: fixtures.tokenEdgeCases.id });
        await waitForTitle(page, fixtures.tokenEdgeCases.title);
        await showTab(page, 'tokens');
        await page.mouse.move(0, 0);
        await inspector.screenshot(`inspector-${name}-tokens`);
        const failedLabel = await page
          .locator('section.token[data-label="access_token"] .verification strong')
          .evaluate((element) => getComputedStyle(element).color);
        assert.equal(failedLabel, rgb(variables['--vscode-errorForeground']!));
        await assertCleanConsole(inspector);
      });
    }
  });

  describe('large runs', () => {
    it('renders 1,000 exchanges as a window of rows', async () => {
      const run = largeRun(1000);
      const inspector = await openWith(run, { runs: [run] });
      const { page } = inspector;
      const rendered = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('.exchange-row')].map((row) =>
            Number(row.getAttribute('data-index')),
          ),
        );
      const first = await rendered();
      assert.ok(first.length > 10, `only ${first.length} rows rendered`);
      assert.ok(first.length < 100, `${first.length} rows rendered of 1000`);
      assert.equal(first[0], 0);
      assert.equal(await page.locator('.exchange').first().getAttribute('aria-setsize'), '1000');
      assert.equal(
        await page.locator('vscode-panel-tab#tab-exchanges .count').textContent(),
        '1000',
      );
      const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
      assert.ok(elements < 2500, `${elements} elements in the page`);
      await page.locator('.timeline-viewport').evaluate((viewport) => {
        viewport.scrollTop = 40 * 26;
      });
      const failed = row(page, 49);
      assert.equal(await failed.locator('.cell.status').innerText(), '✕ 503 Service Unavailable');

      const scrollHeight = await page.locator('.timeline-viewport').evaluate((viewport) => {
        viewport.scrollTop = viewport.scrollHeight;
        return viewport.scrollHeight;
      });
      assert.ok(scrollHeight >= 1000 * 26, `the list is only ${scrollHeight}px high`);
      await row(page, 999).waitFor();
      const last = await rendered();
      assert.ok(last.length < 100, `${last.length} rows rendered after scrolling`);
      assert.ok(!last.includes(0), 'the first row is still rendered');
      assert.equal(await row(page, 999).locator('.cell.index').textContent(), '1000');

      await page.locator('.timeline-viewport').evaluate((viewport) => {
        viewport.scrollTop = 0;
      });
      await row(page, 0).waitFor();
      await row(page, 0).focus();
      await page.keyboard.press('End');
      await row(page, 999).waitFor();
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('data-index')),
        '999',
      );

      await inspector.send({
        type: 'exchangeAdded',
        runId: run.id,
        exchange: { ...run.exchanges[0]!, id: 'exchange-1000' },
      });
      await page.locator('vscode-panel-tab#tab-exchanges .count', { hasText: '1001' }).waitFor();
      await row(page, 1000).waitFor();
      assert.equal(await page.locator('.exchange').first().getAttribute('aria-setsize'), '1001');
      await assertCleanConsole(inspector);
    });

    it('keeps an expanded row open while scrolling', async () => {
      const run = largeRun(1000);
      const inspector = await openWith(run, { runs: [run] });
      const { page } = inspector;
      await expand(page, 2);
      const viewport = page.locator('.timeline-viewport');
      await viewport.evaluate((element) => {
        element.scrollTop = element.scrollHeight;
      });
      await row(page, 999).waitFor();
      assert.equal(await detail(page, 2).count(), 0);
      await viewport.evaluate((element) => {
        element.scrollTop = 0;
      });
      await detail(page, 2).waitFor();
      // The detail may push row 3 below the rendered window, so the keyboard brings it into view.
      await row(page, 2).focus();
      await page.keyboard.press('ArrowDown');
      await row(page, 3).waitFor();
      const boxes = await page.evaluate(() =>
        [2, 3].map((index) => {
          const item = document.querySelector(
            `.exchange-row[data-index="${index}"]`,
          )!.parentElement!;
          const rect = item.getBoundingClientRect();
          return { top: rect.top, bottom: rect.bottom };
        }),
      );
      assert.ok(boxes[0]!.bottom <= boxes[1]!.top, 'the expanded row overlaps the next row');
      await assertCleanConsole(inspector);
    });
    it('keeps expanded rows after scrolling far and back', async () => {
      const run = largeRun(1000);
      const inspector = await openWith(run, { runs: [run] });
      const { page } = inspector;
      const viewport = page.locator('.timeline-viewport');
      const scrollTo = (top: number) =>
        viewport.evaluate((element, value) => {
          element.scrollTop = value;
        }, top);
      await expand(page, 1);
      const detailHeight = await detail(page, 1).evaluate(
        (element) => element.parentElement!.offsetHeight - 26,
      );
      const farTop = detailHeight + 600 * 26;
      await scrollTo(farTop);
      await expand(page, 600);

      await scrollTo(0);
      await detail(page, 1).waitFor();
      assert.equal(await row(page, 1).getAttribute('aria-expanded'), 'true');
      assert.equal(await page.locator('.exchange-detail').count(), 1);
      await scrollTo(detailHeight + 500 * 26);
      await row(page, 500).waitFor();
      assert.equal(await page.locator('.exchange-detail').count(), 0);
      assert.equal(await page.locator('.exchange-row[aria-expanded="true"]').count(), 0);
      await scrollTo(farTop);
      await detail(page, 600).waitFor();
      assert.equal(await row(page, 600).getAttribute('aria-expanded'), 'true');
      assert.equal(await row(page, 599).getAttribute('aria-expanded'), 'false');
      assert.equal(await page.locator('.exchange-detail').count(), 1);

      const marks = await page.evaluate(() =>
        [...document.querySelectorAll('.exchange-row')].map((element) => ({
          index: Number(element.getAttribute('data-index')),
          failed: element.classList.contains('failed'),
          marked: element.querySelector('.failure-mark') !== null,
          number: element.querySelector('.cell.index')?.textContent,
        })),
      );
      for (const mark of marks) {
        const failed = mark.index % 50 === 49;
        assert.equal(mark.failed, failed, `row ${mark.index} failed class`);
        assert.equal(mark.marked, failed, `row ${mark.index} failure mark`);
        assert.equal(mark.number, String(mark.index + 1), `row ${mark.index} number`);
      }
      await page.waitForFunction(
        (runId) =>
          (window.__host.state as { ui?: { expanded?: Record<string, string[]> } })?.ui?.expanded?.[
            runId
          ]?.length === 2,
        run.id,
      );
      await assertCleanConsole(inspector);
    });
  });

  describe('malformed exchanges', () => {
    /** A run of 20 exchanges in which exchange 4 has a text duration and exchange 6 is null. */
    function runWithMalformedExchanges(): RunSnapshot {
      const run = largeRun(20);
      const exchanges: unknown[] = [...run.exchanges];
      exchanges[3] = { ...run.exchanges[3]!, durationMs: 'slow' };
      exchanges[5] = null;
      return { ...run, title: 'Run with malformed exchanges', exchanges } as RunSnapshot;
    }

    it('shows a malformed exchange as its own row', async () => {
      const run = runWithMalformedExchanges();
      const inspector = await open();
      const { page } = inspector;
      const warnings: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'warning') warnings.push(message.text());
      });
      await inspector.send({ type: 'snapshot', runs: [run], selectedRunId: run.id });
      await waitForTitle(page, run.title);

      assert.equal(await page.locator('.exchange-row').count(), 20);
      for (const index of [3, 5]) {
        const malformed = row(page, index);
        assert.equal(await malformed.getAttribute('class'), 'exchange-row malformed');
        assert.equal(await malformed.getAttribute('aria-disabled'), 'true');
        assert.equal(await malformed.getAttribute('aria-expanded'), null);
        assert.match(await malformed.innerText(), /Malformed exchange/);
        assert.match(
          (await malformed.getAttribute('aria-label')) ?? '',
          new RegExp(`^${index + 1}\\. Malformed exchange`),
        );
      }
      assert.equal(await row(page, 4).locator('.cell.method').textContent(), 'POST');
      assert.equal(await row(page, 4).locator('.cell.status').innerText(), '200 OK');
      assert.equal(await row(page, 19).locator('.cell.index').textContent(), '20');
      for (const number of [4, 6]) {
        assert.ok(
          warnings.some((text) => text.includes(`exchange ${number} of run "${run.id}"`)),
          `no warning names exchange ${number}: ${warnings.join(' | ')}`,
        );
      }
      assert.ok(
        !warnings.some((text) => text.includes('ignored a malformed message')),
        'the whole snapshot was ignored',
      );

      // Playwright does not click a disabled element, so the click is dispatched.
      await row(page, 3).dispatchEvent('click');
      assert.equal(await page.locator('.exchange-detail').count(), 0);
      assert.equal(await inspector.posted().then((posted) => posted.length), 1);
      await assertCleanConsole(inspector);
    });

    it('keeps keyboard navigation across a malformed row', async () => {
      const run = runWithMalformedExchanges();
      const inspector = await open();
      const { page } = inspector;
      await inspector.send({ type: 'snapshot', runs: [run], selectedRunId: run.id });
      await waitForTitle(page, run.title);
      const focusedRow = () =>
        page.evaluate(() => document.activeElement?.getAttribute('data-index'));

      await row(page, 2).focus();
      await page.keyboard.press('ArrowDown');
      assert.equal(await focusedRow(), '3');
      await page.keyboard.press('Enter');
      assert.equal(await detail(page, 3).count(), 0);
      await page.keyboard.press('ArrowRight');
      assert.equal(await detail(page, 3).count(), 0);
      await page.keyboard.press('ArrowDown');
      assert.equal(await focusedRow(), '4');
      await page.keyboard.press('Enter');
      await detail(page, 4).waitFor();
      assert.equal(await row(page, 4).getAttribute('aria-expanded'), 'true');

      await inspector.send({
        type: 'exchangeAdded',
        runId: run.id,
        exchange: { ...run.exchanges[0]!, id: 'exchange-20' },
      });
      await page.locator('vscode-panel-tab#tab-exchanges .count', { hasText: '21' }).waitFor();
      await page.keyboard.press('End');
      assert.equal(await focusedRow(), '20');
      assert.equal(await row(page, 20).locator('.cell.index').textContent(), '21');
      await assertCleanConsole(inspector);
    });
  });

  describe('content security policy', () => {
    it('loads and renders every view without violations', async () => {
      const inspector = await openWith(fixtures.clientCredentials);
      const { page } = inspector;
      const policy = await page
        .locator('meta[http-equiv="Content-Security-Policy"]')
        .getAttribute('content');
      assert.match(policy ?? '', /default-src 'none'/);
      assert.doesNotMatch(policy ?? '', /unsafe-inline|unsafe-eval/);
      for (const run of fixtures.all) {
        await selectRun(page, run);
        await showTab(page, 'exchanges');
        for (let index = 0; index < run.exchanges.length; index += 1) {
          await expand(page, index);
          await collapse(page, index);
        }
        for (const tab of ['routing', 'tokens', 'result'] as const) await showTab(page, tab);
      }
      for (const view of ['newRun', 'certificates', 'decode', 'runs']) {
        await page.locator(`#view-tab-${view}`).click();
        await page.locator(`#panel-${view}`).waitFor({ state: 'visible' });
      }
      await assertCleanConsole(inspector);
    });

    it('reports a violation the page causes', async () => {
      const inspector = await open();
      await inspector.page.evaluate(() => {
        document.body.setAttribute('style', 'color: red');
      });
      await inspector.page.waitForFunction(() => window.__host.violations.length > 0);
      const record = await inspector.record();
      assert.equal(record.violations[0]!.directive, 'style-src-attr');
      // The console event reaches Node a moment after the page recorded the violation.
      const reported = () => inspector.errors.some((error) => error.includes('Security Policy'));
      for (let attempt = 0; attempt < 50 && !reported(); attempt += 1) {
        await inspector.page.waitForTimeout(20);
      }
      assert.ok(reported(), `no CSP error in the console: ${inspector.errors.join(' | ')}`);
    });
  });
});
