/**
 * Serves the inspector page as the host would (renderInspectorHtml with a real CSP and a fresh
 * nonce per load) from 127.0.0.1, and opens it in Debian's Chromium through playwright-core with
 * a stand-in for the VS Code host: `acquireVsCodeApi` records posted messages and saved state,
 * and tests post host messages to the page.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { HostMessage, WebviewMessage } from '../../src/shared/inspectorProtocol';
import { renderInspectorHtml } from '../../src/shared/inspectorHtml';
import type { HostRecord, StandInOptions, Theme } from './harnessTypes';

export type { HostRecord, Theme } from './harnessTypes';

const ROOT = path.resolve(__dirname, '../..');
const BUNDLE_DIR = path.join(ROOT, 'out/test/webview');
export const ARTIFACTS_DIR = path.join(ROOT, 'test-artifacts/webview');

/** Debian's Chromium unless CHROMIUM_PATH names another Chromium executable. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that work for Debian's Chromium on these machines (no sandbox, no outside traffic). */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const COMMON_VARIABLES = {
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': 'monospace',
  '--vscode-editor-font-size': '12px',
};

export const DARK_THEME: Theme = {
  kind: 'vscode-dark',
  variables: {
    ...COMMON_VARIABLES,
    '--vscode-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-errorForeground': '#f85149',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-sideBar-background': '#181818',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-badge-background': '#616161',
    '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-list-activeSelectionBackground': '#04395e',
    '--vscode-list-activeSelectionForeground': '#ffffff',
    '--vscode-list-inactiveSelectionBackground': '#37373d',
    '--vscode-textLink-foreground': '#4daafc',
    '--vscode-textCodeBlock-background': '#2b2b2b',
    '--vscode-testing-iconPassed': '#73c991',
    '--vscode-testing-iconFailed': '#f14c4c',
    '--vscode-progressBar-background': '#0078d4',
    '--vscode-inputValidation-errorBackground': '#5a1d1d',
    '--vscode-inputValidation-errorBorder': '#be1100',
    '--vscode-inputValidation-warningBackground': '#352a05',
    '--vscode-inputValidation-warningBorder': '#b89500',
    '--vscode-editorWarning-foreground': '#cca700',
    '--vscode-editorHoverWidget-background': '#202020',
    '--vscode-editorHoverWidget-foreground': '#cccccc',
    '--vscode-editorHoverWidget-border': '#454545',
    '--vscode-panelTitle-activeForeground': '#e7e7e7',
    '--vscode-panelTitle-activeBorder': '#0078d4',
    '--vscode-panelTitle-inactiveForeground': '#9d9d9d',
    '--vscode-input-background': '#313131',
    '--vscode-input-foreground': '#cccccc',
    '--vscode-input-placeholderForeground': '#989898',
    '--vscode-dropdown-background': '#313131',
    '--vscode-dropdown-foreground': '#cccccc',
    '--vscode-dropdown-border': '#3c3c3c',
    '--vscode-checkbox-background': '#313131',
    '--vscode-checkbox-foreground': '#cccccc',
    '--vscode-checkbox-border': '#3c3c3c',
  },
};

export const LIGHT_THEME: Theme = {
  kind: 'vscode-light',
  variables: {
    ...COMMON_VARIABLES,
    '--vscode-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#3b3b3b',
    '--vscode-errorForeground': '#f85149',
    '--vscode-editor-background': '#ffffff',
    '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-badge-background': '#cccccc',
    '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-button-background': '#005fb8',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-list-activeSelectionBackground': '#e8e8e8',
    '--vscode-list-activeSelectionForeground': '#000000',
    '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
    '--vscode-textLink-foreground': '#005fb8',
    '--vscode-textCodeBlock-background': '#f8f8f8',
    '--vscode-testing-iconPassed': '#388a34',
    '--vscode-testing-iconFailed': '#f14c4c',
    '--vscode-progressBar-background': '#005fb8',
    '--vscode-inputValidation-errorBackground': '#f2dede',
    '--vscode-inputValidation-errorBorder': '#be1100',
    '--vscode-inputValidation-warningBackground': '#f6f5d2',
    '--vscode-inputValidation-warningBorder': '#b89500',
    '--vscode-editorWarning-foreground': '#bf8803',
    '--vscode-editorHoverWidget-background': '#f8f8f8',
    '--vscode-editorHoverWidget-foreground': '#3b3b3b',
    '--vscode-editorHoverWidget-border': '#c8c8c8',
    '--vscode-panelTitle-activeForeground': '#3b3b3b',
    '--vscode-panelTitle-activeBorder': '#005fb8',
    '--vscode-panelTitle-inactiveForeground': '#3b3b3b',
    '--vscode-input-background': '#ffffff',
    '--vscode-input-foreground': '#3b3b3b',
    '--vscode-input-placeholderForeground': '#767676',
    '--vscode-dropdown-background': '#ffffff',
    '--vscode-dropdown-foreground': '#3b3b3b',
    '--vscode-dropdown-border': '#cecece',
    '--vscode-checkbox-background': '#f8f8f8',
    '--vscode-checkbox-foreground': '#3b3b3b',
    '--vscode-checkbox-border': '#cecece',
  },
};

export const HIGH_CONTRAST_THEME: Theme = {
  kind: 'vscode-high-contrast',
  variables: {
    ...DARK_THEME.variables,
    '--vscode-editor-background': '#000000',
    '--vscode-sideBar-background': '#000000',
    '--vscode-foreground': '#ffffff',
    '--vscode-contrastBorder': '#6fc3df',
    '--vscode-contrastActiveBorder': '#f38518',
    '--vscode-focusBorder': '#f38518',
    '--vscode-badge-background': '#000000',
    '--vscode-badge-foreground': '#ffffff',
  },
};

export interface InspectorPage {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
  send(message: HostMessage | unknown): Promise<void>;
  posted(): Promise<WebviewMessage[]>;
  record(): Promise<HostRecord>;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export class InspectorHarness {
  private constructor(
    private readonly server: Server,
    private readonly context: BrowserContext,
    private readonly profileDir: string,
    private readonly standIn: string,
    readonly origin: string,
  ) {}

  static async start(): Promise<InspectorHarness> {
    await access(CHROMIUM_PATH).catch(() => {
      throw new Error(
        `Chromium was not found at ${CHROMIUM_PATH}. Install it (apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable.`,
      );
    });
    await buildWebviewBundle();
    const standIn = await buildHostStandIn();
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const server = createServer(
      (request, response) => void serve(request.url ?? '/', origin, response),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const profileDir = await mkdtemp(path.join(tmpdir(), 'inspector-chromium-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 800 },
    });
    return new InspectorHarness(server, context, profileDir, standIn, origin);
  }

  /** Opens the inspector with an optional saved state, and waits for its `ready` message. */
  async open(options: { state?: unknown; theme?: Theme } = {}): Promise<InspectorPage> {
    const page = await this.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    const standInOptions: StandInOptions = {
      state: options.state,
      theme: options.theme ?? DARK_THEME,
    };
    await page.addInitScript({
      content: `window.__standInOptions = ${JSON.stringify(standInOptions)};\n${this.standIn}`,
    });
    await page.goto(`${this.origin}/`);
    await page.waitForFunction(() =>
      window.__host.posted.some((message) => message.type === 'ready'),
    );
    return {
      page,
      errors,
      send: (message) => page.evaluate((data) => window.postMessage(data, '*'), message as never),
      posted: () => page.evaluate(() => window.__host.posted),
      record: () => page.evaluate(() => window.__host),
      screenshot: async (name) => {
        await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
      },
      close: () => page.close(),
    };
  }

  async stop(): Promise<void> {
    await this.context.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.profileDir, { recursive: true, force: true });
  }
}

/**
 * Builds the webview bundle with the options `esbuild.mjs --production` uses for
 * `dist/webview.js` (the bundle a packaged extension ships), plus a source map for stack traces.
 */
async function buildWebviewBundle(): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'webview/main.ts')],
    outfile: path.join(BUNDLE_DIR, 'webview.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'silent',
  });
}

/**
 * Bundles the host stand-in into one script. `__name` is defined for the callbacks tests pass to
 * `page.evaluate`: tsx compiles them with esbuild's `keepNames`, which calls that helper.
 */
async function buildHostStandIn(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, 'test/webview/hostStandIn.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const nameHelper = 'window.__name = (target) => target;';
  return `${nameHelper}\n${result.outputFiles[0]!.text}`;
}

const FILES: Record<string, { file: string; type: string }> = {
  '/webview.js': { file: path.join(BUNDLE_DIR, 'webview.js'), type: 'text/javascript' },
  '/webview.js.map': { file: path.join(BUNDLE_DIR, 'webview.js.map'), type: 'application/json' },
  '/inspector.css': { file: path.join(ROOT, 'media/inspector.css'), type: 'text/css' },
};

async function serve(
  url: string,
  origin: string,
  response: import('node:http').ServerResponse,
): Promise<void> {
  const pathname = new URL(url, origin).pathname;
  if (pathname === '/') {
    const html = renderInspectorHtml({
      cspSource: origin,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: `${origin}/webview.js`,
      styleUri: `${origin}/inspector.css`,
    });
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    return;
  }
  const entry = FILES[pathname];
  if (!entry) {
    // Chromium asks for /favicon.ico on its own; an empty response keeps the console clean.
    response.writeHead(pathname === '/favicon.ico' ? 204 : 404).end();
    return;
  }
  response.writeHead(200, { 'content-type': entry.type }).end(await readFile(entry.file));
}
