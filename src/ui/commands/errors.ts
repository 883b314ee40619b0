import * as vscode from 'vscode';
import type { ExplorerError } from '../../engine/errors';
import { Commands } from '../constants';
import type { Log } from '../log';
import { ConfigFileError } from '../serverStore';

/** Engine error codes that a different certificate or key can fix. */
const CERTIFICATE_CODES = new Set([
  'CERTIFICATE_INVALID',
  'KEY_INVALID',
  'KEY_PASSPHRASE_INCORRECT',
  'KEY_CERTIFICATE_MISMATCH',
  'TLS_CLIENT_CERTIFICATE_REQUIRED',
  'TLS_CLIENT_CERTIFICATE_REJECTED',
]);

/** Engine error codes that a setting can fix, with the setting to open. */
const SETTING_FOR_CODE: Record<string, string> = {
  CONNECT_TIMEOUT: 'oauthExplorer.timeouts.connectSeconds',
  RESPONSE_TIMEOUT: 'oauthExplorer.timeouts.responseSeconds',
  RESPONSE_TOO_LARGE: 'oauthExplorer.maxResponseSizeKiB',
  TLS_SERVER_UNTRUSTED: 'oauthExplorer.extraCaCertificates',
  CALLBACK_TIMEOUT: 'oauthExplorer.timeouts.authorizationSeconds',
  LOOPBACK_UNAVAILABLE: 'oauthExplorer.redirectPortRange',
};

/** The server and client of a failure, so that the message can offer the action that fixes it. */
export interface FailureContext {
  serverId?: string;
  client_id?: string;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as Partial<ExplorerError> | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Actions offered for an error code: a button label and what it runs. */
export function actionsFor(
  code: string | undefined,
  context: FailureContext,
): { label: string; run: () => Thenable<unknown> }[] {
  const actions: { label: string; run: () => Thenable<unknown> }[] = [];
  if (code && CERTIFICATE_CODES.has(code) && context.serverId && context.client_id) {
    actions.push({
      label: 'Select Certificate…',
      run: () =>
        vscode.commands.executeCommand(Commands.selectCertificate, {
          serverId: context.serverId,
          client_id: context.client_id,
        }),
    });
  }
  if (code && (CERTIFICATE_CODES.has(code) || code.startsWith('CLIENT_AUTH')) && context.serverId) {
    actions.push({
      label: 'Open Configuration',
      run: () =>
        vscode.commands.executeCommand(Commands.openConfig, {
          serverId: context.serverId,
          client_id: context.client_id,
        }),
    });
  }
  const setting = code && SETTING_FOR_CODE[code];
  if (setting) {
    actions.push({
      label: 'Open Setting',
      run: () => vscode.commands.executeCommand('workbench.action.openSettings', setting),
    });
  }
  return actions;
}

/**
 * Shows an error with the actions that help: the configuration file at the line at fault, another
 * certificate, the setting to change, and the log.
 */
export async function showError(
  message: string,
  error: unknown,
  context: FailureContext,
  log: Log,
): Promise<void> {
  const actions = actionsFor(errorCode(error), context);
  if (error instanceof ConfigFileError && error.problem) {
    const line = error.problem?.line;
    actions.unshift({
      label: 'Open File',
      run: () => vscode.commands.executeCommand(Commands.openConfig, { line }),
    });
  }
  actions.push({ label: 'Show Log', run: async () => log.show() });
  const choice = await vscode.window.showErrorMessage(
    message,
    ...actions.map((action) => action.label),
  );
  await actions.find((action) => action.label === choice)?.run();
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const full = (error as Partial<ExplorerError>).fullMessage;
    return typeof full === 'string' ? full : error.message;
  }
  return String(error);
}

/**
 * Wraps a command so that an error becomes a message naming what failed, with its actions, and
 * never an unhandled rejection. The message is not awaited, so the command returns at once.
 */
export function guarded<T>(
  log: Log,
  name: string,
  handler: (...args: unknown[]) => Promise<T>,
): (...args: unknown[]) => Promise<T | undefined> {
  return async (...args: unknown[]): Promise<T | undefined> => {
    try {
      return await handler(...args);
    } catch (error) {
      const message = describe(error);
      log.error('command', `${name}: ${message}`);
      const context = (args[0] ?? {}) as FailureContext & {
        server?: { config: { id: string } };
        client?: { client_id: string };
      };
      void showError(
        message,
        error,
        {
          serverId: context.serverId ?? context.server?.config.id,
          client_id: context.client_id ?? context.client?.client_id,
        },
        log,
      );
      return undefined;
    }
  };
}
