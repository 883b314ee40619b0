/**
 * The main job on one command: starts the test authorization server on 127.0.0.1, writes a sample
 * workspace whose `.vscode/oauth-explorer.json` points at it, and opens that workspace in VS Code
 * (code-server) with the extension installed from this folder.
 *
 *   node --import tsx scripts/demo.ts [--port N] [--dir DIR]
 *
 * Everything it writes goes under `.demo/` (or DIR): the server's certificates and keys, the
 * sample workspace and code-server's state. Both servers stop on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ClientConfig, ServerConfig } from '../src/config/serverConfig';
import { ensureCodeServer } from '../test/harness/install';
import { startTestServer, type TestServer } from '../test/server/provider';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..');

interface DemoOptions {
  directory: string;
  port?: string;
}

function parseCommandLine(): DemoOptions {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, dir: { type: 'string' } },
  });
  return {
    directory: path.resolve(values.dir ?? path.join(REPOSITORY_ROOT, '.demo')),
    ...(values.port === undefined ? {} : { port: values.port }),
  };
}

/**
 * Copies the client credentials into the workspace, where the certificate picker finds them, and
 * returns the server entry of the configuration file. The client secret stays out of the file:
 * the extension asks for it once and keeps it in SecretStorage.
 */
async function writeWorkspace(server: TestServer, workspace: string): Promise<void> {
  const { certificates, clients } = server;
  const credentials = path.join(workspace, 'credentials');
  await mkdir(credentials, { recursive: true });
  await mkdir(path.join(workspace, '.vscode'), { recursive: true });

  const files: Record<string, string> = {
    'test-ca.pem': certificates.ca.certificate,
    'client.pem': certificates.client.certificate,
    'client.key': certificates.client.key,
    'client-encrypted.key': certificates.client.encryptedKey,
    'self-signed.pem': certificates.selfSignedClient.certificate,
    'self-signed.key': certificates.selfSignedClient.key,
    'private-key-jwt.jwk.json': clients.privateKeyJwt.privateJwkFile,
  };
  for (const [name, source] of Object.entries(files)) {
    const target = path.join(credentials, name);
    await copyFile(source, target);
    if (name.endsWith('.key') || name.endsWith('.jwk.json')) await chmod(target, 0o600);
  }

  const relative = (name: string) => `credentials/${name}`;
  const clientEntries: ClientConfig[] = [
    {
      client_id: clients.tlsClientAuth.clientId,
      token_endpoint_auth_method: 'tls_client_auth',
      certificateFile: relative('client.pem'),
      keyFile: relative('client.key'),
      use_mtls_endpoint_aliases: true,
      scope: 'openid api:read',
      resource: ['https://api.test.example'],
    },
    {
      client_id: clients.selfSignedTlsClientAuth.clientId,
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      certificateFile: relative('self-signed.pem'),
      keyFile: relative('self-signed.key'),
      use_mtls_endpoint_aliases: true,
    },
    {
      client_id: clients.privateKeyJwt.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      signingKeyFile: relative('private-key-jwt.jwk.json'),
    },
    {
      client_id: clients.clientSecretBasic.clientId,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    { client_id: clients.none.clientId, token_endpoint_auth_method: 'none' },
  ];
  const serverEntry: Omit<ServerConfig, 'id'> = {
    label: 'Local test server (oidc-provider)',
    issuer: server.issuer,
    discovery: 'auto',
    extraCaFiles: [relative('test-ca.pem')],
    clients: clientEntries,
  };
  // Opens on the OAuth Explorer view rather than on VS Code's welcome page and chat.
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
  };
  await writeFile(
    path.join(workspace, '.vscode', 'settings.json'),
    `${JSON.stringify(settings, null, 2)}\n`,
  );
  await writeFile(
    path.join(workspace, '.vscode', 'oauth-explorer.json'),
    `${JSON.stringify({ servers: [serverEntry] }, null, 2)}\n`,
  );
}

async function main(): Promise<void> {
  const options = parseCommandLine();
  const serverDirectory = path.join(options.directory, 'server');
  const workspace = path.join(options.directory, 'workspace');
  // Each start makes new certificates and ports, so last time's files are stale.
  await rm(serverDirectory, { recursive: true, force: true });
  await rm(workspace, { recursive: true, force: true });
  await mkdir(serverDirectory, { recursive: true });

  await ensureCodeServer();
  const server = await startTestServer({ directory: serverDirectory });
  await writeWorkspace(server, workspace);
  // The demo's secrets go to a file readable only by its owner, not to the terminal.
  const secretsFile = path.join(serverDirectory, 'demo-secrets.txt');
  await writeFile(
    secretsFile,
    [
      `client_secret of ${server.clients.clientSecretBasic.clientId}: ${server.clients.clientSecretBasic.clientSecret}`,
      `passphrase of credentials/client-encrypted.key: ${server.certificates.client.passphrase}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  process.stdout.write(
    [
      '',
      `Test authorization server: ${server.issuer}`,
      `  mTLS listener (published as mtls_endpoint_aliases): ${server.mtlsOrigin}`,
      `  Sample workspace: ${workspace}`,
      `  Its servers file: ${path.join(workspace, '.vscode', 'oauth-explorer.json')}`,
      `  The client secret and key passphrase that the extension asks for once: ${secretsFile}`,
      '  Your browser does not trust the test CA, so the login page of the authorization code',
      `  flow shows a certificate warning; the CA is ${path.join(workspace, 'credentials', 'test-ca.pem')}.`,
      '',
    ].join('\n'),
  );

  const launcher = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(REPOSITORY_ROOT, 'scripts', 'launch-vscode.ts'),
      '--extension',
      REPOSITORY_ROOT,
      '--workspace',
      workspace,
      '--state',
      path.join(options.directory, 'code-server'),
      ...(options.port === undefined ? [] : ['--port', options.port]),
    ],
    { stdio: 'inherit' },
  );
  // The launcher stops code-server on SIGINT, which the terminal sends to both processes.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => launcher.kill('SIGTERM'));
  const exitCode = await new Promise<number>((resolve) =>
    launcher.once('close', (code) => resolve(code ?? 1)),
  );
  await server.close();
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
