/**
 * Playwright helpers for checking the VS Code workbench that code-server serves: open it with an
 * extension in development mode, run commands, find views and webviews, take screenshots.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { startCodeServer, type RunningCodeServer } from './codeServer';
import { ensureCodeServer } from './install';

/**
 * Flags for Debian's chromium on these machines. The network flags stop the background requests
 * to outside hosts, which this closed network refuses.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const DEFAULT_TIMEOUT_MS = 30_000;

/** Launches headless chromium with a profile of its own in `profileDir`. */
export async function launchChromium(
  chromiumPath: string,
  profileDir: string,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
}

export interface WorkbenchLocation {
  /** Absolute path of the folder to open on the server. */
  folder: string;
  /** Absolute path of an extension to load in development mode. */
  extensionDevelopmentPath?: string;
  /** Absolute path of a module that exports `run()`, as for @vscode/test-electron. */
  extensionTestsPath?: string;
}

/**
 * Builds the workbench URL for a folder. The development paths go into the `payload` query
 * parameter as `vscode-remote://` URIs of this server, which code-server honours only when it
 * runs with `--vscode-option=enable-smoke-test-driver`.
 */
export function buildWorkbenchUrl(serverUrl: string, location: WorkbenchLocation): string {
  const url = new URL(serverUrl);
  url.searchParams.set('folder', path.resolve(location.folder));

  const payload: [string, string][] = [];
  if (location.extensionDevelopmentPath !== undefined) {
    payload.push(['extensionDevelopmentPath', toRemoteUri(url, location.extensionDevelopmentPath)]);
  }
  if (location.extensionTestsPath !== undefined) {
    payload.push(['extensionTestsPath', toRemoteUri(url, location.extensionTestsPath)]);
  }
  if (payload.length > 0) {
    url.searchParams.set('payload', JSON.stringify(payload));
  }
  return url.toString();
}

function toRemoteUri(serverUrl: URL, filePath: string): string {
  const uri = new URL(`vscode-remote://${serverUrl.host}`);
  uri.pathname = path.resolve(filePath);
  return uri.toString();
}

export interface OpenWorkbenchOptions {
  /** Extension folder to load in development mode. Its tests do not run. */
  extensionDevelopmentPath: string;
  workspace: string;
  /** Where close() copies code-server's log. Nothing is copied when missing. */
  artifactsDir?: string;
  /** Variables for code-server's environment, which its extension host inherits. */
  env?: Record<string, string>;
  /** Leaves Workspace Trust on; see CodeServerOptions. */
  workspaceTrust?: boolean;
  timeoutMs?: number;
}

export interface Workbench {
  page: Page;
  context: BrowserContext;
  server: RunningCodeServer;
  /** Closes chromium, stops code-server and deletes their profiles. */
  close(): Promise<void>;
}

/**
 * Starts code-server and chromium, opens the workbench for a folder with the extension in
 * development mode, and resolves when the workbench has restored.
 */
export async function openWorkbench(options: OpenWorkbenchOptions): Promise<Workbench> {
  const installation = await ensureCodeServer();
  const stateDir = await mkdtemp(path.join(tmpdir(), 'vscode-workbench-'));
  let server: RunningCodeServer | undefined;
  let context: BrowserContext | undefined;

  const close = async (): Promise<void> => {
    await context?.close().catch(() => undefined);
    await server?.stop();
    if (server !== undefined && options.artifactsDir !== undefined) {
      await mkdir(options.artifactsDir, { recursive: true });
      await copyFile(server.logFile, path.join(options.artifactsDir, 'code-server.log'));
    }
    await rm(stateDir, { recursive: true, force: true });
  };

  try {
    server = await startCodeServer({
      workspace: options.workspace,
      stateDir,
      installation,
      workspaceTrust: options.workspaceTrust ?? false,
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    context = await launchChromium(installation.chromiumPath, path.join(stateDir, 'chromium'));
    const page = context.pages()[0] ?? (await context.newPage());
    const url = buildWorkbenchUrl(server.url, {
      folder: options.workspace,
      extensionDevelopmentPath: options.extensionDevelopmentPath,
    });
    await page.goto(url);
    await waitForWorkbench(page, options.timeoutMs);
    return { page, context, server, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The parts of the smoke-test driver that the workbench puts on `window` that we call. */
interface WindowWithDriver {
  driver?: { whenWorkbenchRestored(): Promise<void> };
}

/**
 * Waits until the workbench has restored its editors and views, as VS Code's own smoke tests do
 * through the `window.driver` object of the smoke-test driver.
 */
export async function waitForWorkbench(page: Page, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  await page.waitForFunction(() => (window as WindowWithDriver).driver !== undefined, undefined, {
    timeout: timeoutMs,
  });
  await page.evaluate(() => (window as WindowWithDriver).driver?.whenWorkbenchRestored());
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Runs a command by its title (such as `OAuth Explorer: Add Server`) through the command palette.
 * Throws unless the highlighted row is that title exactly, because Enter on a fuzzy match of a
 * missing command would run a different one.
 */
export async function runCommand(
  page: Page,
  title: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  await page.locator('.monaco-workbench').click({ position: { x: 1, y: 1 }, force: true });
  await page.keyboard.press('F1');
  await widget.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(`>${title}`);
  let filledAt = Date.now();

  const focusedLabel = widget.locator('.monaco-list-row.focused .label-name').first();
  const deadline = Date.now() + timeoutMs;
  let highlighted = '';
  while (Date.now() < deadline) {
    highlighted = (
      (await focusedLabel.textContent({ timeout: 1000 }).catch(() => '')) ?? ''
    ).trim();
    if (highlighted === title) {
      await page.keyboard.press('Enter');
      // The palette closes, or the command reuses the widget for a quick pick of its own.
      await page.waitForFunction(
        (typed) => {
          const widget = document.querySelector<HTMLElement>('.quick-input-widget');
          const input = widget?.querySelector('input');
          return !widget || widget.offsetParent === null || input?.value !== typed;
        },
        `>${title}`,
        { timeout: timeoutMs },
      );
      return;
    }

    // The palette filters its rows only when the text changes, so a command that the extension
    // host registers after the first filter shows up only once the text is typed again.
    if (Date.now() - filledAt > 1000) {
      await input.fill('>');
      await input.fill(`>${title}`);
      filledAt = Date.now();
    }
    await page.waitForTimeout(100);
  }

  await page.keyboard.press('Escape');
  throw new Error(
    `The command palette highlights "${highlighted || 'no command'}" for "${title}" after ` +
      `${timeoutMs} ms. Check that the extension is active and contributes a command with that title.`,
  );
}

/** Returns the activity bar item of a view container, such as the extension's own. */
export function findViewContainer(page: Page, title: string) {
  return page.locator('.part.activitybar').getByRole('tab', { name: title });
}

/**
 * Clicks a view container in the activity bar and waits for the side bar to show it. The side
 * bar's heading is the container's title, or `Title: View Name` when the container has one view.
 */
export async function openViewContainer(
  page: Page,
  title: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  const item = findViewContainer(page, title);
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  if ((await item.getAttribute('aria-selected')) !== 'true') {
    await item.click();
  }
  await page
    .locator('.part.sidebar .composite.title h2')
    .filter({ hasText: new RegExp(`^${escapeRegExp(title)}(: |$)`) })
    .waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Saves a PNG of the page as `artifactsDir/NAME.png` and returns its path. */
export async function takeScreenshot(
  page: Page,
  artifactsDir: string,
  name: string,
): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface WebviewFrames {
  /** VS Code's host frame, which relays messages between the workbench and the content. */
  host: Frame;
  /** The frame with the extension's HTML. */
  content: Frame;
}

/**
 * Finds the frames of a webview panel or view. A webview matches when its HTML's `<title>` is
 * `title`, or, for a panel, when its editor tab is labelled `title`: then the tab is selected so
 * that its webview is the visible one. Waits up to `timeoutMs` for the webview to load.
 */
export async function findWebviewFrames(
  page: Page,
  title: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<WebviewFrames> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const frames =
      (await findWebviewByDocumentTitle(page, title)) ?? (await findWebviewByTab(page, title));
    if (frames !== undefined) {
      return frames;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`No webview titled "${title}" appeared within ${timeoutMs} ms.`);
}

async function findWebviewByDocumentTitle(
  page: Page,
  title: string,
): Promise<WebviewFrames | undefined> {
  for (const host of webviewHostFrames(page)) {
    const content = await contentFrameOf(host);
    if (content !== undefined && (await content.title().catch(() => '')) === title) {
      return { host, content };
    }
  }
  return undefined;
}

async function findWebviewByTab(page: Page, title: string): Promise<WebviewFrames | undefined> {
  const tab = page.locator('.part.editor .tabs-container .tab').filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
  });
  if ((await tab.count()) === 0) {
    return undefined;
  }
  if ((await tab.first().getAttribute('aria-selected')) !== 'true') {
    await tab.first().click();
  }

  // Webviews sit in an overlay above the editor, and VS Code hides those of inactive tabs.
  for (const iframe of await page.locator('iframe.webview').all()) {
    if (!(await iframe.isVisible())) {
      continue;
    }
    const host = await (await iframe.elementHandle())?.contentFrame();
    if (!host) {
      continue;
    }
    const content = await contentFrameOf(host);
    if (content !== undefined) {
      return { host, content };
    }
  }
  return undefined;
}

function webviewHostFrames(page: Page): Frame[] {
  return page.frames().filter((frame) => /\/webview\/.*index\.html\?/.test(frame.url()));
}

/**
 * Returns the frame in which VS Code's webview host shows the extension's HTML. The host loads
 * new content into a frame with the id `pending-frame` and renames it `active-frame` once loaded.
 */
async function contentFrameOf(host: Frame): Promise<Frame | undefined> {
  for (const frame of host.childFrames()) {
    const element = await frame.frameElement().catch(() => undefined);
    if ((await element?.getAttribute('id')) === 'active-frame') {
      return frame;
    }
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
