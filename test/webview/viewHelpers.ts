/**
 * Helpers for the tests of the New run, Certificates and Decode JWT views: switching views,
 * driving toolkit controls through their shadow DOM, and reading posted messages.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ServerChoice, WebviewMessage } from '../../src/shared/inspectorProtocol';
import type { InspectorPage } from './harness';

/** Two servers; the first has a client with aliases on and one with them off. */
export const SERVERS: ServerChoice[] = [
  {
    id: 'bank',
    label: 'Bank sandbox',
    issuer: 'https://127.0.0.1:8443',
    clients: [
      {
        client_id: 'mtls-client',
        token_endpoint_auth_method: 'tls_client_auth',
        use_mtls_endpoint_aliases: true,
        hasCertificate: true,
        scope: 'openid accounts',
      },
      {
        client_id: 'post-client',
        token_endpoint_auth_method: 'client_secret_post',
        use_mtls_endpoint_aliases: false,
        hasCertificate: false,
      },
    ],
  },
  {
    id: 'shop',
    label: 'Shop',
    issuer: 'https://127.0.0.1:9443',
    clients: [
      {
        client_id: 'shop-client',
        token_endpoint_auth_method: 'private_key_jwt',
        use_mtls_endpoint_aliases: false,
        hasCertificate: false,
      },
    ],
  },
];

export async function showView(
  page: Page,
  view: 'runs' | 'newRun' | 'certificates' | 'decode',
): Promise<void> {
  await page.locator(`#view-tab-${view}`).click();
  await page.locator(`#panel-${view}`).waitFor({ state: 'visible' });
}

/** Picks an option of a `vscode-dropdown` by value, as a user does: open it, click the option. */
export async function choose(page: Page, id: string, value: string): Promise<void> {
  const dropdown = page.locator(`#${id}`);
  await dropdown.click();
  await dropdown.locator(`vscode-option[value="${value}"]`).click();
  await page.waitForFunction(
    ([selector, expected]) =>
      (document.querySelector(selector!) as HTMLElement & { value: string }).value === expected,
    [`#${id}`, value],
  );
}

/** Types into a `vscode-text-field` or `vscode-text-area` through its inner control. */
export async function fill(page: Page, id: string, text: string): Promise<void> {
  await page.locator(`#${id}`).locator('input, textarea').fill(text);
}

export async function isChecked(page: Page, id: string): Promise<boolean> {
  return page
    .locator(`#${id}`)
    .evaluate((element) => (element as HTMLElement & { checked: boolean }).checked);
}

/** Waits for the next message of a type posted after `before` messages, and returns it. */
export async function nextPosted<T extends WebviewMessage['type']>(
  inspector: InspectorPage,
  type: T,
  before: number,
): Promise<Extract<WebviewMessage, { type: T }>> {
  await inspector.page.waitForFunction(
    ([count, wanted]) =>
      window.__host.posted.slice(count as number).some((message) => message.type === wanted),
    [before, type] as const,
  );
  const message = (await inspector.posted()).slice(before).find((entry) => entry.type === type);
  assert.ok(message);
  return message as Extract<WebviewMessage, { type: T }>;
}

export async function postedCount(inspector: InspectorPage): Promise<number> {
  return (await inspector.posted()).length;
}

export async function assertCleanPage(inspector: InspectorPage): Promise<void> {
  // Violation events are dispatched as tasks: let the queued ones run before reading the record.
  await inspector.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  const record = await inspector.record();
  assert.deepEqual(record.violations, [], 'CSP violations');
  assert.deepEqual(inspector.errors, [], 'console errors and uncaught exceptions');
}
