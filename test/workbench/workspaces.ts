import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestServer } from '../server/provider';

/** Workspace settings that open the workbench on the side bar, without welcome page or chat. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
};

async function writeSettings(workspace: string): Promise<void> {
  await mkdir(path.join(workspace, '.vscode'), { recursive: true });
  await writeFile(
    path.join(workspace, '.vscode', 'settings.json'),
    `${JSON.stringify(QUIET_SETTINGS, null, 2)}\n`,
  );
}

/** Creates a workspace folder with no servers file. */
export async function emptyWorkspace(): Promise<string> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'oauth-explorer-workbench-empty-'));
  await writeSettings(workspace);
  return workspace;
}

/**
 * Creates a workspace whose `.vscode/oauth-explorer.json` points at the test server, with the
 * CA, the tls_client_auth client's certificate and key, and an expired certificate with its key
 * copied under `credentials/`.
 */
export async function serverWorkspace(server: TestServer): Promise<string> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'oauth-explorer-workbench-server-'));
  await writeSettings(workspace);
  const credentials = path.join(workspace, 'credentials');
  await mkdir(credentials, { recursive: true });
  await copyFile(server.certificates.ca.certificate, path.join(credentials, 'test-ca.pem'));
  await copyFile(server.certificates.client.certificate, path.join(credentials, 'client.pem'));
  await copyFile(server.certificates.client.key, path.join(credentials, 'client.key'));
  const expired = server.certificates.expiredClient;
  await copyFile(expired.certificate, path.join(credentials, 'expired-client.pem'));
  await copyFile(expired.key, path.join(credentials, 'expired-client.key'));
  const config = {
    servers: [
      {
        label: 'Local test server',
        issuer: server.issuer,
        discovery: 'auto',
        extraCaFiles: ['credentials/test-ca.pem'],
        clients: [
          {
            client_id: server.clients.tlsClientAuth.clientId,
            token_endpoint_auth_method: 'tls_client_auth',
            certificateFile: 'credentials/client.pem',
            keyFile: 'credentials/client.key',
            use_mtls_endpoint_aliases: true,
          },
        ],
      },
    ],
  };
  await writeFile(
    path.join(workspace, '.vscode', 'oauth-explorer.json'),
    `${JSON.stringify(config, null, 2)}\n`,
  );
  return workspace;
}
