/**
 * Starts and stops code-server on 127.0.0.1 with a fresh profile, for tests and for a person.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { ensureCodeServer, type CodeServerInstallation } from './install';
import { startLoopbackRedirector } from './loopbackRedirector';

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

export interface CodeServerOptions {
  /** Folder that code-server opens when the URL names none. */
  workspace: string;
  /** TCP port on 127.0.0.1. A free one is chosen when missing. */
  port?: number;
  /** Folder for the profile, extensions, XDG folders and the log, created when missing. */
  stateDir: string;
  /** Extensions folder, `stateDir/extensions` when missing. */
  extensionsDir?: string;
  /**
   * Leaves Workspace Trust on, so a folder opens in restricted mode until it is trusted. Off when
   * missing, because the trust prompt would block every other test.
   */
  workspaceTrust?: boolean;
  /** More command-line arguments for code-server. */
  extraArgs?: string[];
  /**
   * Variables added to code-server's environment. The server passes its environment on to the
   * extension host that it forks, so the extension under test reads them from `process.env`.
   */
  env?: Record<string, string>;
  /** Paths of an installation to use, instead of calling `ensureCodeServer()`. */
  installation?: CodeServerInstallation;
}

export interface RunningCodeServer {
  /** Base URL without a trailing slash, such as `http://127.0.0.1:43117`. */
  url: string;
  port: number;
  /** Stops the whole process group: SIGTERM, then SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
  /** code-server's stdout and stderr. */
  logFile: string;
}

/**
 * Starts code-server with authentication off and a profile of its own under `stateDir`, and
 * resolves once it responds to HTTP. The smoke-test driver is on, so a page opened with a `payload`
 * query parameter can load an extension in development mode and run its tests.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<RunningCodeServer> {
  const installation = options.installation ?? (await ensureCodeServer());
  const port = options.port ?? (await findFreePort());
  const stateDir = path.resolve(options.stateDir);
  const folders = {
    userData: path.join(stateDir, 'user-data'),
    extensions: path.resolve(options.extensionsDir ?? path.join(stateDir, 'extensions')),
    xdgConfig: path.join(stateDir, 'xdg-config'),
    xdgData: path.join(stateDir, 'xdg-data'),
    xdgCache: path.join(stateDir, 'xdg-cache'),
  };
  for (const folder of Object.values(folders)) {
    await mkdir(folder, { recursive: true });
  }

  const args = [
    installation.codeServerEntry,
    '--auth=none',
    `--bind-addr=127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    // The port proxy serves HTTPS listeners over plain HTTP, which the test server refuses.
    '--disable-proxy',
    `--user-data-dir=${folders.userData}`,
    `--extensions-dir=${folders.extensions}`,
    '--vscode-option=enable-smoke-test-driver',
    // Lets the server drop a closed page's extension host after 5 s instead of 3 hours.
    '--vscode-option=reconnection-grace-time=5',
    ...(options.extraArgs ?? []),
    path.resolve(options.workspace),
  ];
  const redirector = await startLoopbackRedirector();
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    // Loopback URLs that an extension opens reach their own port, not code-server's proxy.
    VSCODE_PROXY_URI: redirector.proxyTemplate,
    ...options.env,
    // code-server keeps its config.yaml and coder.json under these, not under --user-data-dir.
    XDG_CONFIG_HOME: folders.xdgConfig,
    XDG_DATA_HOME: folders.xdgData,
    XDG_CACHE_HOME: folders.xdgCache,
  };

  const logFile = path.join(stateDir, 'code-server.log');
  const output = createWriteStream(logFile, { flags: 'a' });
  // `detached` makes the child call setsid(2), so it leads a new process group whose id is its
  // PID, and stop() can signal the extension host and the other helpers that it forks as well.
  const child = spawn(installation.nodeBinary, args, {
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.pipe(output);
  child.stderr.pipe(output);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const processGroup = child.pid;
  if (processGroup === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    await redirector.close();
    throw new Error(
      `Failed to start code-server with ${installation.nodeBinary}: ${error.message}`,
    );
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= stopProcessGroup(processGroup, exited).finally(() => redirector.close());
    return stopping;
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, exited);
  } catch (error) {
    await stop();
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new Error(`${(error as Error).message} Last lines of ${logFile}:\n${lastLines(log, 30)}`);
  }
  return { url, port, stop, logFile };
}

/** Polls code-server's health endpoint until it returns 200. */
async function waitUntilReady(url: string, exited: Promise<void>): Promise<void> {
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited) {
      throw new Error(`code-server exited before it responded to HTTP on ${url}.`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(
    `code-server did not respond to HTTP on ${url} within ${READY_TIMEOUT_MS / 1000} s.`,
  );
}

/**
 * Sends SIGTERM to the process group led by `processGroup`, waits for all its members to exit,
 * and sends SIGKILL to whatever is left after the grace period.
 */
async function stopProcessGroup(processGroup: number, leaderExited: Promise<void>): Promise<void> {
  if (!signalGroup(processGroup, 'SIGTERM')) {
    return;
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline) {
    if (!signalGroup(processGroup, 0)) {
      await leaderExited;
      return;
    }
    await sleep(50);
  }
  signalGroup(processGroup, 'SIGKILL');
  await leaderExited;
}

/** Signals every process in the group and returns false when none is left. */
function signalGroup(processGroup: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-processGroup, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
      return false;
    }
    throw error;
  }
}

/**
 * Returns a port that was free on 127.0.0.1 a moment ago. Another process can take it before
 * code-server binds it; startCodeServer then fails with code-server's EADDRINUSE in the log.
 */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
