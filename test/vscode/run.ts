/**
 * Runs the suite in `test/vscode/` inside a real VS Code (code-server driven by headless Chromium)
 * against the test authorization server, which this process starts on 127.0.0.1 and stops again.
 *
 *   node --import tsx test/vscode/run.ts [--artifacts DIR] [--timeout SECONDS]
 *
 * The suite is bundled by `node esbuild.mjs` into `out/test/vscode/index.js`; this runner builds
 * it first, so the bundle always matches the sources.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runExtensionTests } from '../harness/runExtensionTests';
import { startTestServer } from '../server/provider';
import type { TestServerDescription } from './testServerDescription';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../..');

function build(): void {
  const result = spawnSync(process.execPath, ['esbuild.mjs'], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(`node esbuild.mjs failed with exit code ${result.status}.`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      artifacts: { type: 'string', default: path.join(REPOSITORY_ROOT, 'test-artifacts/vscode') },
      timeout: { type: 'string', default: '300' },
    },
  });
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0)) {
    throw new Error(
      `Invalid --timeout "${values.timeout}": expected a positive number of seconds.`,
    );
  }

  build();
  const scratch = await mkdtemp(path.join(tmpdir(), 'oauth-explorer-vscode-'));
  const workspace = path.join(scratch, 'workspace');
  await mkdir(workspace);
  const server = await startTestServer({ directory: path.join(scratch, 'server') });
  try {
    const { certificates, clients } = server;
    const description: TestServerDescription = {
      issuer: server.issuer,
      mtlsOrigin: server.mtlsOrigin,
      caFile: certificates.ca.certificate,
      tlsClient: {
        clientId: clients.tlsClientAuth.clientId,
        certificateFile: certificates.client.certificate,
        keyFile: certificates.client.key,
        thumbprint: certificates.client.thumbprint,
      },
      secretClient: {
        clientId: clients.clientSecretBasic.clientId,
        clientSecret: clients.clientSecretBasic.clientSecret,
      },
      expiredCertificate: {
        certificateFile: certificates.expiredClient.certificate,
        keyFile: certificates.expiredClient.key,
      },
    };

    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    return await runExtensionTests({
      extensionDevelopmentPath: REPOSITORY_ROOT,
      extensionTestsPath: path.join(REPOSITORY_ROOT, 'out/test/vscode/index.js'),
      workspace,
      artifactsDir: path.resolve(values.artifacts),
      timeoutMs: timeoutSeconds * 1000,
      env: { OAUTH_EXPLORER_TEST_SERVER: JSON.stringify(description) },
      signal: controller.signal,
    });
  } finally {
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    process.stderr.write(
      `test/vscode/run.ts: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
