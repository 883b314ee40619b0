import * as vscode from 'vscode';
import type { ClientProfile } from '../engine/clientAuth';
import type { LoadedClientCertificate } from '../engine/credentials';
import type { ClientConfig } from '../config/serverConfig';
import { loadEngine } from './engineLoader';
import type { Log } from './log';
import type { SecretKind, SecretStore } from './secrets';
import type { ServerStore, StoredServer } from './serverStore';
import { useMtlsAliasesByDefault } from './settings';
import { readWorkspaceText } from './workspaceFiles';

/** Tries allowed for a key passphrase before giving up. */
const PASSPHRASE_ATTEMPTS = 3;

/**
 * Builds the engine's ClientProfile for a configured client: reads the certificate, key and
 * signing key files, and takes secrets from SecretStorage, asking the user (in a password box)
 * for any that are missing and keeping what they enter there.
 */
export class ClientProfiles {
  constructor(
    private readonly store: ServerStore,
    private readonly secrets: SecretStore,
    private readonly log: Log,
  ) {}

  async build(
    server: StoredServer,
    client: ClientConfig,
    overrides: { use_mtls_endpoint_aliases?: boolean } = {},
  ): Promise<ClientProfile> {
    const profile: ClientProfile = {
      client_id: client.client_id,
      token_endpoint_auth_method: client.token_endpoint_auth_method,
      use_mtls_endpoint_aliases:
        overrides.use_mtls_endpoint_aliases ??
        client.use_mtls_endpoint_aliases ??
        useMtlsAliasesByDefault(),
      signingKeyId: client.signingKeyId,
      signingAlgorithm: client.signingAlgorithm,
    };
    if (client.certificateFile && client.keyFile) {
      profile.clientCertificate = await this.loadCertificate(server, client);
    }
    const method = client.token_endpoint_auth_method;
    if (method === 'client_secret_basic' || method === 'client_secret_post') {
      profile.clientSecret = await this.secretOrAsk(
        server,
        client,
        'clientSecret',
        `Client secret of ${client.client_id}`,
      );
    }
    if (method === 'private_key_jwt' && client.signingKeyFile) {
      profile.signingKey = await readWorkspaceText(
        this.store.resolvePath(server, client.signingKeyFile),
        'signing key',
      );
      if (/ENCRYPTED/.test(profile.signingKey)) {
        profile.signingKeyPassphrase = await this.secretOrAsk(
          server,
          client,
          'signingKeyPassphrase',
          `Passphrase of the signing key ${client.signingKeyFile}`,
        );
      }
    }
    return profile;
  }

  /**
   * Reads the client certificate and key in any format the certificate scanner accepts (PEM, DER,
   * PKCS#12), asking for the key's passphrase when it is encrypted and none is stored.
   */
  private async loadCertificate(
    server: StoredServer,
    client: ClientConfig,
  ): Promise<LoadedClientCertificate> {
    const engine = await loadEngine();
    const certificateFile = this.store.resolvePath(server, client.certificateFile!);
    const keyFile = this.store.resolvePath(server, client.keyFile!);
    if (!vscode.workspace.isTrusted) {
      throw new Error(
        `The client certificate ${certificateFile} is not read because this workspace is not trusted. Trust the folder to use it.`,
      );
    }
    let passphrase = await this.secrets.get(server.config.id, client.client_id, 'keyPassphrase');

    for (let attempt = 1; ; attempt += 1) {
      try {
        const input = await engine.readClientCertificateInput({
          certificateFile,
          keyFile,
          passphrase,
        });
        const loaded = engine.loadClientCertificate({ ...input, passphrase });
        if (passphrase)
          await this.secrets.set(server.config.id, client.client_id, 'keyPassphrase', passphrase);
        if (loaded.validityProblem) {
          this.log.warn(
            'certificates',
            `The client certificate ${loaded.summary.subject} ${loaded.validityProblem}.`,
          );
        }
        return loaded;
      } catch (error) {
        const needsPassphrase =
          engine.isExplorerError(error, 'KEY_PASSPHRASE_REQUIRED') ||
          engine.isExplorerError(error, 'KEY_PASSPHRASE_INCORRECT');
        if (!needsPassphrase || attempt > PASSPHRASE_ATTEMPTS) throw error;
        passphrase = await vscode.window.showInputBox({
          title: `Passphrase of ${keyFile}`,
          prompt: (error as Error).message,
          password: true,
          ignoreFocusOut: true,
        });
        if (passphrase === undefined) throw error;
      }
    }
  }

  private async secretOrAsk(
    server: StoredServer,
    client: ClientConfig,
    kind: SecretKind,
    title: string,
  ): Promise<string> {
    const stored = await this.secrets.get(server.config.id, client.client_id, kind);
    if (stored) return stored;
    const entered = await vscode.window.showInputBox({
      title,
      prompt: 'Kept in VS Code secret storage, never in settings or the configuration file.',
      password: true,
      ignoreFocusOut: true,
    });
    if (!entered) {
      throw new Error(
        `${title} is needed for ${client.token_endpoint_auth_method}, and none was entered.`,
      );
    }
    await this.secrets.set(server.config.id, client.client_id, kind, entered);
    return entered;
  }
}
