/**
 * Starts code-server with an extension installed, for a person to try it in a browser:
 *
 *   node --import tsx scripts/launch-vscode.ts --extension . --workspace DIR [--port N] [--state DIR]
 *
 * The extension folder is linked into code-server's extensions folder, so it is an installed
 * extension for every visitor of the URL, not only for a page opened with a development payload.
 * The link points at the folder itself, so after a rebuild "Developer: Reload Window" picks up
 * the new `dist/`. Settings and other state stay in the state folder between launches.
 */
import { readFile, mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCodeServer } from '../test/harness/codeServer';
import { CACHE_ROOT } from '../test/harness/install';

const USAGE =
  'Usage: launch-vscode.ts --extension DIR --workspace DIR [--port N] [--state DIR]\n' +
  '  --extension  extension folder with package.json and its built main file\n' +
  '  --workspace  folder that VS Code opens\n' +
  '  --port       TCP port on 127.0.0.1 (default: a free port)\n' +
  '  --state      folder for settings and logs (default: .vscode-test/launch)';

interface LaunchOptions {
  extension: string;
  workspace: string;
  port?: number;
  stateDir: string;
}

interface ExtensionManifest {
  publisher?: string;
  name?: string;
  version?: string;
}

async function main(): Promise<void> {
  const options = parseCommandLine(process.argv.slice(2));
  const extensionsDir = path.join(options.stateDir, 'extensions');
  const extensionFolderName = await readExtensionFolderName(options.extension);

  // VS Code registers what it finds in the extensions folder only while the folder has no
  // extensions.json, so the folder is made anew for each launch with nothing but the link.
  await rm(extensionsDir, { recursive: true, force: true });
  await mkdir(extensionsDir, { recursive: true });
  await symlink(options.extension, path.join(extensionsDir, extensionFolderName), 'dir');

  // Listening before the start means a Ctrl-C during it still stops code-server, which runs in a
  // process group of its own and does not receive the terminal's SIGINT.
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const server = await startCodeServer({
    workspace: options.workspace,
    stateDir: options.stateDir,
    extensionsDir,
    ...(options.port === undefined ? {} : { port: options.port }),
  });

  const url = `${server.url}/?folder=${encodeURIComponent(options.workspace)}`;
  process.stdout.write(
    `VS Code (code-server) is running with ${extensionFolderName} installed.\n` +
      `Open ${url}\n` +
      `It listens on 127.0.0.1 only; from another machine, forward the port (ssh -L ${server.port}:127.0.0.1:${server.port} HOST).\n` +
      `code-server's log: ${server.logFile}\n` +
      `Press Ctrl-C to stop.\n`,
  );

  const signal = await stopRequested;
  process.stdout.write(`Received ${signal}, stopping code-server\n`);
  await server.stop();
}

/** Returns the folder name that VS Code gives an installed extension: `publisher.name-version`. */
async function readExtensionFolderName(extensionDir: string): Promise<string> {
  const manifestPath = path.join(extensionDir, 'package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ExtensionManifest;
  const missing = (['publisher', 'name', 'version'] as const).filter((field) => !manifest[field]);
  if (missing.length > 0) {
    throw new Error(
      `${manifestPath} has no ${missing.join(', ')}; VS Code needs them to install it.`,
    );
  }
  return `${manifest.publisher}.${manifest.name}-${manifest.version}`.toLowerCase();
}

function parseCommandLine(argv: string[]): LaunchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      extension: { type: 'string' },
      workspace: { type: 'string' },
      port: { type: 'string' },
      state: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!values.extension || !values.workspace) {
    throw new Error(`--extension and --workspace are required.\n${USAGE}`);
  }

  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`Invalid --port "${values.port}": expected a TCP port from 1 to 65535.`);
  }
  return {
    extension: path.resolve(values.extension),
    workspace: path.resolve(values.workspace),
    stateDir: path.resolve(values.state ?? path.join(CACHE_ROOT, 'launch')),
    ...(port === undefined ? {} : { port }),
  };
}

main().catch((error: unknown) => {
  process.stderr.write(
    `launch-vscode: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
