import type * as vscode from 'vscode';
import type { Log } from './log';

/** Kinds of secret kept per server and client. */
export type SecretKind = 'clientSecret' | 'keyPassphrase' | 'signingKeyPassphrase' | 'refreshToken';

const SECRET_KINDS: SecretKind[] = [
  'clientSecret',
  'keyPassphrase',
  'signingKeyPassphrase',
  'refreshToken',
];

/**
 * Client secrets, key passphrases and refresh tokens, kept only in VS Code's SecretStorage under
 * keys made of the server id, the client id and the kind. Every value read or written is
 * registered with the log so it can never appear there.
 */
export class SecretStore {
  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly log: Log,
  ) {}

  private key(serverId: string, clientId: string, kind: SecretKind): string {
    return `oauthExplorer/${encodeURIComponent(serverId)}/${encodeURIComponent(clientId)}/${kind}`;
  }

  async get(serverId: string, clientId: string, kind: SecretKind): Promise<string | undefined> {
    const value = await this.storage.get(this.key(serverId, clientId, kind));
    this.log.registerSecret(value);
    return value;
  }

  async set(serverId: string, clientId: string, kind: SecretKind, value: string): Promise<void> {
    this.log.registerSecret(value);
    await this.storage.store(this.key(serverId, clientId, kind), value);
  }

  async delete(serverId: string, clientId: string, kind: SecretKind): Promise<void> {
    await this.storage.delete(this.key(serverId, clientId, kind));
  }

  async deleteClient(serverId: string, clientId: string): Promise<void> {
    await Promise.all(SECRET_KINDS.map((kind) => this.delete(serverId, clientId, kind)));
  }

  /** Moves every secret of a client to a new client_id, for a renamed client. */
  async moveClient(serverId: string, fromClientId: string, toClientId: string): Promise<void> {
    for (const kind of SECRET_KINDS) {
      const value = await this.get(serverId, fromClientId, kind);
      if (value !== undefined) await this.set(serverId, toClientId, kind, value);
      await this.delete(serverId, fromClientId, kind);
    }
  }
}
