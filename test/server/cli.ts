import { chmod, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { API_RESOURCE, API_SCOPES, startTestServer, type TestServer } from './provider';

const USAGE = `Usage: node --import tsx test/server/cli.ts [options]

Starts the OAuth Explorer test authorization server (oidc-provider) on 127.0.0.1 until SIGINT or
SIGTERM.

Options:
  --dir DIR            folder for certificates, keys, server.json and the secrets file
                       (default: a temporary folder, removed on stop)
  --port N             port of the issuer's listener (default: any free port)
  --mtls-port N        port of the mTLS listener (default: any free port)
  --issuer-path PATH   path of the issuer, e.g. /tenant-a (default: none)
  --help               print this text
`;

function parsePort(name: string, value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid --${name} "${value}": expected an integer from 0 to 65535.`);
  }
  return port;
}

function timestamped(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

/** Writes the client secrets and the key passphrase, which are never printed, to a 0600 file. */
async function writeSecrets(server: TestServer, file: string): Promise<void> {
  const { clients, certificates } = server;
  const secrets = {
    clientSecrets: {
      [clients.clientSecretBasic.clientId]: clients.clientSecretBasic.clientSecret,
      [clients.clientSecretPost.clientId]: clients.clientSecretPost.clientSecret,
    },
    clientKeyPassphrase: certificates.client.passphrase,
  };
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  // writeFile applies the mode only when it creates the file.
  await chmod(file, 0o600);
}

/** Describes the running server for a launcher, without secrets. */
function describeServer(server: TestServer, secretsFile: string): object {
  const { certificates, clients, issuer, mtlsOrigin } = server;
  const issuerUrl = new URL(issuer);
  const issuerPath = issuerUrl.pathname === '/' ? '' : issuerUrl.pathname;
  const { passphrase: _passphrase, ...clientCertificate } = certificates.client;
  return {
    pid: process.pid,
    issuer,
    mtlsOrigin,
    openidConfiguration: `${issuer}/.well-known/openid-configuration`,
    oauthAuthorizationServerMetadata: `${issuerUrl.origin}/.well-known/oauth-authorization-server${issuerPath}`,
    apiResource: API_RESOURCE,
    apiScopes: API_SCOPES,
    secretsFile,
    certificates: { ...certificates, client: clientCertificate },
    clients: Object.values(clients).map((client) => {
      const {
        clientSecret: _secret,
        privateJwk: _jwk,
        ...rest
      } = client as typeof client & {
        clientSecret?: string;
        privateJwk?: unknown;
      };
      return rest;
    }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      port: { type: 'string' },
      'mtls-port': { type: 'string' },
      'issuer-path': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }

  const server = await startTestServer({
    directory: values.dir,
    port: parsePort('port', values.port),
    mtlsPort: parsePort('mtls-port', values['mtls-port']),
    issuerPath: values['issuer-path'],
    log: timestamped,
  });
  const directory = server.certificates.directory;
  const secretsFile = path.join(directory, 'secrets.json');
  const serverFile = path.join(directory, 'server.json');
  await writeSecrets(server, secretsFile);
  await writeFile(serverFile, `${JSON.stringify(describeServer(server, secretsFile), null, 2)}\n`);

  const { certificates } = server;
  const lines = [
    `Issuer:        ${server.issuer}`,
    `mTLS origin:   ${server.mtlsOrigin}`,
    `Files:         ${directory}`,
    `  CA:                 ${certificates.ca.certificate}`,
    `  client certificate: ${certificates.client.certificate}`,
    `  client key:         ${certificates.client.key}`,
    `  encrypted key:      ${certificates.client.encryptedKey}`,
    `  self-signed:        ${certificates.selfSignedClient.certificate}`,
    `  server.json:        ${serverFile}`,
    `  secrets (0600):     ${secretsFile}`,
    'Clients:',
    ...Object.values(server.clients).map(
      (client) => `  ${client.clientId.padEnd(28)} ${client.authMethod}`,
    ),
    `API resource:  ${API_RESOURCE} (scopes ${API_SCOPES.join(' ')})`,
    'Press Ctrl+C to stop.',
  ];
  console.log(lines.join('\n'));

  const stop = async (signal: string): Promise<void> => {
    timestamped(`received ${signal}, stopping`);
    try {
      await server.close();
      // The secrets and ports are only valid while this process runs.
      await Promise.all([rm(serverFile, { force: true }), rm(secretsFile, { force: true })]);
      process.exit(0);
    } catch (error) {
      console.error('Failed to stop the test server cleanly:', error);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(
    `Failed to start the test server: ${error instanceof Error ? error.message : String(error)}`,
  );
  if (error instanceof Error && error.message.startsWith('Invalid')) {
    process.stderr.write(`\n${USAGE}`);
  }
  process.exit(1);
});
