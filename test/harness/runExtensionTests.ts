/**
 * Runs an extension's test suite inside a real VS Code: code-server, with its workbench driven
 * by headless chromium. The tests module exports `run()` as for @vscode/test-electron, so one
 * suite serves both.
 *
 * CLI: `node --import tsx test/harness/runExtensionTests.ts --extension . \
 *   --tests out/test/vscode/index.js --workspace DIR [--artifacts DIR] [--timeout SECONDS] \
 *   [--env NAME=VALUE]...` exits with the suite's exit code.
 */
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { format, parseArgs } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { startCodeServer, type RunningCodeServer } from './codeServer';
import { ensureCodeServer } from './install';
import { buildWorkbenchUrl, launchChromium, takeScreenshot } from './workbench';

/** Exit code when the suite does not finish within `timeoutMs`, as from coreutils `timeout`. */
export const TIMEOUT_EXIT_CODE = 124;
/** Exit code when the run is aborted through `signal`, as for a shell killed by SIGINT. */
export const ABORTED_EXIT_CODE = 130;
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export interface ExtensionTestOptions {
  /** Extension folder, loaded in development mode. */
  extensionDevelopmentPath: string;
  /** Module that exports `run(): Promise<void>`. */
  extensionTestsPath: string;
  /** Folder that the workbench opens. */
  workspace: string;
  /** Receives the screenshot, code-server's log, the browser console and VS Code's logs. */
  artifactsDir: string;
  /** Time allowed for the whole suite after the page starts loading. 5 minutes when missing. */
  timeoutMs?: number;
  /**
   * Variables for the extension host, such as a test server's issuer URL. They are set in
   * code-server's environment, and code-server 4.139.1 forks the extension host with its own
   * environment, so the tests read them from `process.env`. The page cannot pass variables:
   * the payload has no field for them.
   */
  env?: Record<string, string>;
  /** Aborting stops the run, cleans up and resolves with ABORTED_EXIT_CODE. */
  signal?: AbortSignal;
}

/** One log file of the workbench, as the smoke-test driver passes them to `codeAutomationExit`. */
interface WorkbenchLog {
  relativePath: string;
  contents: string;
}

/**
 * Runs the suite and resolves with its exit code: 0 when `run()` resolved, 1 when it threw,
 * TIMEOUT_EXIT_CODE or ABORTED_EXIT_CODE otherwise. Test output goes to stdout. Everything it
 * starts is stopped before it resolves, also when it rejects.
 */
export async function runExtensionTests(options: ExtensionTestOptions): Promise<number> {
  const started = Date.now();
  const installation = await ensureCodeServer();
  const artifactsDir = path.resolve(options.artifactsDir);
  await mkdir(artifactsDir, { recursive: true });
  const stateDir = await mkdtemp(path.join(tmpdir(), 'vscode-test-run-'));
  const consoleLines: string[] = [];
  let server: RunningCodeServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;

  try {
    server = await startCodeServer({
      workspace: options.workspace,
      stateDir,
      installation,
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    log(`code-server is listening on ${server.url}`, started);

    context = await launchChromium(installation.chromiumPath, path.join(stateDir, 'chromium'));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) =>
      consoleLines.push(`[pageerror] ${error.stack ?? error.message}`),
    );

    const exitCode = await runSuite(page, server, options, artifactsDir);
    log(`tests finished with exit code ${exitCode}`, started);
    return exitCode;
  } finally {
    if (page !== undefined) {
      await takeScreenshot(page, artifactsDir, 'extension-tests').catch((error: Error) =>
        log(`screenshot failed: ${error.message}`),
      );
    }
    await writeFile(path.join(artifactsDir, 'browser-console.log'), consoleLines.join('\n') + '\n');
    await context
      ?.close()
      .catch((error: Error) => log(`closing chromium failed: ${error.message}`));
    await server?.stop();
    if (server !== undefined) {
      await copyFile(server.logFile, path.join(artifactsDir, 'code-server.log'));
    }
    await rm(stateDir, { recursive: true, force: true });
  }
}

/**
 * Opens the workbench with the suite in its payload and resolves when the workbench calls
 * `codeAutomationExit`, the time runs out, or the caller aborts.
 */
async function runSuite(
  page: Page,
  server: RunningCodeServer,
  options: ExtensionTestOptions,
  artifactsDir: string,
): Promise<number> {
  let settle: (exitCode: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    settle = resolve;
  });

  // The workbench looks these functions up on `window` when it logs a line and when the
  // extension host exits, so they must exist before the page loads.
  const workbenchLog = createWriteStream(path.join(artifactsDir, 'workbench.log'));
  await page.exposeFunction(
    'harnessWriteLog',
    (level: string, args: unknown[], source: LogSource) => {
      const line = formatLogLine(args);
      if (!workbenchLog.writableEnded) {
        workbenchLog.write(`[${source}] [${level}] ${line}`);
      }
      if (source === 'extensionHost') {
        (level === 'error' ? process.stderr : process.stdout).write(line);
      }
    },
  );
  await page.addInitScript(defineCodeAutomationLog);
  await page.exposeFunction(
    'codeAutomationExit',
    async (exitCode: number, logs: WorkbenchLog[] | undefined) => {
      await saveWorkbenchLogs(path.join(artifactsDir, 'vscode-logs'), logs ?? []);
      settle(exitCode);
    },
  );

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = setTimeout(() => {
    log(`tests did not finish within ${timeoutMs / 1000} s`);
    settle(TIMEOUT_EXIT_CODE);
  }, timeoutMs);
  const onAbort = (): void => {
    log('aborted');
    settle(ABORTED_EXIT_CODE);
  };
  const onCrash = (): void => {
    log('the page crashed');
    settle(1);
  };
  page.once('crash', onCrash);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) {
    onAbort();
  }

  try {
    const url = buildWorkbenchUrl(server.url, {
      folder: options.workspace,
      extensionDevelopmentPath: options.extensionDevelopmentPath,
      extensionTestsPath: options.extensionTestsPath,
    });
    await Promise.race([page.goto(url), finished]);
    return await finished;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    page.off('crash', onCrash);
    await new Promise<void>((resolve) => workbenchLog.end(() => resolve()));
  }
}

type LogSource = 'extensionHost' | 'workbench';

/**
 * Defines `window.codeAutomationLog`, which the workbench calls for every line of its log service
 * once it runs extension tests. That log carries the extension host's console output as well as
 * the workbench's own lines, with nothing to tell them apart but the call stack: extension host
 * lines arrive through the RPC method `$logExtensionHostMessage`, whose name minification keeps.
 * Runs in the page, so it may use nothing from this module.
 */
function defineCodeAutomationLog(): void {
  const page = window as unknown as {
    codeAutomationLog: (level: string, args: unknown[]) => void;
    harnessWriteLog: (level: string, args: unknown[], source: string) => Promise<void>;
  };
  page.codeAutomationLog = (level, args) => {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = stackTraceLimit;
    const source = stack.includes('$logExtensionHostMessage') ? 'extensionHost' : 'workbench';
    void page.harnessWriteLog(level, args, source);
  };
}

function formatLogLine(args: unknown[]): string {
  // The extension host forwards console calls with their arguments unformatted, so mocha's
  // `%s` and `%d` placeholders are filled in here, as Node's console would.
  const text = format(...args);
  return text.endsWith('\n') ? text : `${text}\n`;
}

async function saveWorkbenchLogs(directory: string, logs: WorkbenchLog[]): Promise<void> {
  for (const { relativePath, contents } of logs) {
    const file = path.resolve(directory, relativePath);
    if (!file.startsWith(directory + path.sep)) {
      continue;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, contents);
  }
}

function log(message: string, startedAt?: number): void {
  const duration =
    startedAt === undefined ? '' : ` (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`;
  process.stderr.write(`[vscode-test] ${message}${duration}\n`);
}

function parseCommandLine(argv: string[]): ExtensionTestOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      extension: { type: 'string' },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      artifacts: { type: 'string', default: 'test-artifacts/vscode' },
      timeout: { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
    },
  });
  if (!values.extension || !values.tests || !values.workspace) {
    throw new Error(
      'Usage: runExtensionTests.ts --extension DIR --tests FILE --workspace DIR ' +
        '[--artifacts DIR] [--timeout SECONDS] [--env NAME=VALUE]...',
    );
  }

  const env: Record<string, string> = {};
  for (const assignment of values.env) {
    const separator = assignment.indexOf('=');
    if (separator <= 0) {
      throw new Error(`Invalid --env "${assignment}": expected NAME=VALUE.`);
    }
    env[assignment.slice(0, separator)] = assignment.slice(separator + 1);
  }
  const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
    throw new Error(
      `Invalid --timeout "${values.timeout}": expected a positive number of seconds.`,
    );
  }

  return {
    extensionDevelopmentPath: path.resolve(values.extension),
    extensionTestsPath: path.resolve(values.tests),
    workspace: path.resolve(values.workspace),
    artifactsDir: path.resolve(values.artifacts),
    ...(timeoutSeconds === undefined ? {} : { timeoutMs: timeoutSeconds * 1000 }),
    env,
  };
}

async function main(): Promise<number> {
  const options = parseCommandLine(process.argv.slice(2));
  const controller = new AbortController();
  // code-server runs in a process group of its own, so a Ctrl-C in the terminal does not reach
  // it: stop it here instead.
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return runExtensionTests({ ...options, signal: controller.signal });
}

if (import.meta.filename === process.argv[1]) {
  main().then(
    (exitCode) => process.exit(exitCode),
    (error: unknown) => {
      log(`failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
