import * as vscode from 'vscode';
import type { HttpClientSettings } from '../engine/httpClient';
import { Settings } from './constants';

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(Settings.section);
}

function positiveNumber(key: string, fallback: number): number {
  const value = section().get<number>(key);
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** HTTP client settings from the user's configuration, in the units the engine uses. */
export function httpSettings(): Omit<HttpClientSettings, 'extraCaPem'> {
  return {
    connectTimeoutMs: positiveNumber(Settings.connectTimeout, 10) * 1000,
    responseTimeoutMs: positiveNumber(Settings.responseTimeout, 30) * 1000,
    maxResponseBytes: positiveNumber(Settings.maxResponseSize, 1024) * 1024,
  };
}

export function callbackTimeoutMs(): number {
  return positiveNumber(Settings.callbackTimeout, 300) * 1000;
}

export function useMtlsAliasesByDefault(): boolean {
  return section().get<boolean>(Settings.useMtlsAliases) ?? true;
}

/** Paths of CA certificates trusted for every server, from the settings. */
export function extraCaCertificateFiles(): string[] {
  const value = section().get<unknown>(Settings.extraCaCertificates);
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/** The inclusive loopback port range, or undefined for an ephemeral port. */
export function redirectPortRange(): [number, number] | undefined {
  const value = section().get<string>(Settings.redirectPortRange)?.trim();
  if (!value) return undefined;
  const match = /^(\d{1,5})\s*-\s*(\d{1,5})$/.exec(value) ?? /^(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2] ?? match[1]);
  if (first < 1 || last > 65535 || first > last) return undefined;
  return [first, last];
}
