import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ExplorerApi } from '../../src/extension';
import type { ServerTreeNode } from '../../src/ui/tree/nodes';
import type { TestServerDescription } from './testServerDescription';

const EXTENSION_ID = 'oauth-explorer.oauth-explorer';

export function testServer(): TestServerDescription {
  const text = process.env.OAUTH_EXPLORER_TEST_SERVER;
  assert.ok(
    text,
    'OAUTH_EXPLORER_TEST_SERVER is not set; run the suite through test/vscode/run.ts',
  );
  return JSON.parse(text) as TestServerDescription;
}

export async function api(): Promise<ExplorerApi> {
  const extension = vscode.extensions.getExtension<ExplorerApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  return extension.activate();
}

export function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

export async function childrenOf(
  explorer: ExplorerApi,
  node?: ServerTreeNode,
): Promise<ServerTreeNode[]> {
  return (await explorer.tree.getChildren(node)) ?? [];
}

export function itemOf(explorer: ExplorerApi, node: ServerTreeNode): vscode.TreeItem {
  return explorer.tree.getTreeItem(node) as vscode.TreeItem;
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Returns the root node of a server in the tree. */
export async function serverNode(explorer: ExplorerApi, serverId: string): Promise<ServerTreeNode> {
  const roots = await childrenOf(explorer);
  const node = roots.find((root) => root.kind === 'server' && root.server.config.id === serverId);
  assert.ok(node, `server ${serverId} is not in the tree`);
  return node;
}

/** Returns the child group of a server node by kind (`endpoints`, `clients`, ...). */
export async function groupNode(
  explorer: ExplorerApi,
  serverId: string,
  kind: ServerTreeNode['kind'],
): Promise<ServerTreeNode> {
  const groups = await childrenOf(explorer, await serverNode(explorer, serverId));
  const group = groups.find((node) => node.kind === kind);
  assert.ok(group, `server ${serverId} has no ${kind} node`);
  return group;
}

/**
 * Reads what the extension wrote to its log channel. VS Code writes an extension's log output
 * channel to `<channel name>.log` in the extension's log folder, `ExtensionContext.logUri`.
 */
export async function readLogChannel(explorer: ExplorerApi): Promise<string> {
  const folder = explorer.logUri.fsPath;
  const files = (await readdir(folder)).filter((file) => file.startsWith('OAuth Explorer'));
  if (files.length === 0) {
    throw new Error(
      `No OAuth Explorer log file in ${folder}: ${(await readdir(folder)).join(', ')}`,
    );
  }
  const texts = await Promise.all(files.map((file) => readFile(path.join(folder, file), 'utf8')));
  return texts.join('\n');
}
