import * as vscode from 'vscode';

/**
 * The extension's one log channel. Lines are tagged with a component, and any secret value the
 * extension has handled (registered through `registerSecret`) is masked before it is written,
 * as a second line of defence behind never formatting secrets into messages.
 */
export class Log implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;
  private readonly secrets = new Set<string>();

  constructor() {
    this.channel = vscode.window.createOutputChannel('OAuth Explorer', { log: true });
  }

  /** Masks this value in every later log line. Values shorter than 6 characters are ignored. */
  registerSecret(value: string | undefined): void {
    if (value && value.length >= 6) this.secrets.add(value);
  }

  private mask(line: string): string {
    let masked = line;
    for (const secret of this.secrets) {
      if (masked.includes(secret)) masked = masked.split(secret).join('[secret]');
    }
    return masked;
  }

  info(component: string, message: string): void {
    this.channel.info(this.mask(`[${component}] ${message}`));
  }

  warn(component: string, message: string): void {
    this.channel.warn(this.mask(`[${component}] ${message}`));
  }

  error(component: string, message: string): void {
    this.channel.error(this.mask(`[${component}] ${message}`));
  }

  debug(component: string, message: string): void {
    this.channel.debug(this.mask(`[${component}] ${message}`));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
