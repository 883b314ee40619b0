import { opendir } from 'node:fs/promises';
import * as path from 'node:path';
import { throwIfAborted } from './certificateRead';

/** Extensions of certificate and key files, lower case with the dot. */
export const CERTIFICATE_FILE_EXTENSIONS = ['.pem', '.crt', '.cer', '.der', '.key', '.p12', '.pfx'];

/** The same extensions as a glob, for `vscode.workspace.findFiles` and similar APIs. */
export const CERTIFICATE_FILE_GLOB = '**/*.{pem,crt,cer,der,key,p12,pfx}';

/** Folders a walk skips unless `exclude` is given. */
export const DEFAULT_WALK_EXCLUDE = ['**/.git', '**/node_modules'];

export interface CertificateWalkOptions {
  /**
   * Globs, relative to the root with `/` separators, of files and folders to skip, as in VS
   * Code's `files.exclude`: `*`, `?`, `**`, `{a,b}` and `[abc]`. A matching folder is skipped
   * with everything under it. Default {@link DEFAULT_WALK_EXCLUDE}.
   */
  exclude?: string[];
  /**
   * File extensions to yield, lower case with the dot. Default
   * {@link CERTIFICATE_FILE_EXTENSIONS}.
   */
  extensions?: string[];
  /** Stops the walk, which then throws an ExplorerError of code `ABORTED`. */
  signal?: AbortSignal;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^$()|\\]/g, '\\$&');
}

/** Translates one glob into a regular expression over a whole `/`-separated relative path. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const character = glob[i]!;
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (character === '*') {
      source += '[^/]*';
    } else if (character === '?') {
      source += '[^/]';
    } else if (character === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) {
        source += '\\[';
        continue;
      }
      const set = glob.slice(i + 1, end).replace(/^!/, '^');
      source += `[${set.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (character === '{') {
      braceDepth++;
      source += '(?:';
    } else if (character === '}' && braceDepth > 0) {
      braceDepth--;
      source += ')';
    } else if (character === ',' && braceDepth > 0) {
      source += '|';
    } else {
      source += escapeRegExp(character);
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Yields the paths of certificate and key files under `root`, by extension, depth first. It
 * reads folders as streams, skips excluded paths and does not follow symbolic links, so it
 * keeps at most one folder open per level of depth. Folders that cannot be read are skipped.
 *
 * Meant for tests, benchmarks and tools outside VS Code; the extension itself finds files with
 * `vscode.workspace.findFiles`, which applies the user's `files.exclude`.
 */
export async function* walkForCertificateFiles(
  root: string,
  options: CertificateWalkOptions = {},
): AsyncGenerator<string> {
  const exclude = (options.exclude ?? DEFAULT_WALK_EXCLUDE).map(globToRegExp);
  const extensions = new Set(options.extensions ?? CERTIFICATE_FILE_EXTENSIONS);
  const base = path.resolve(root);
  const isExcluded = (relative: string) => exclude.some((pattern) => pattern.test(relative));

  async function* walk(folder: string): AsyncGenerator<string> {
    let directory;
    try {
      directory = await opendir(folder);
    } catch {
      return;
    }
    for await (const entry of directory) {
      throwIfAborted(options.signal);
      const fullPath = path.join(folder, entry.name);
      const relative = path.relative(base, fullPath).split(path.sep).join('/');
      if (isExcluded(relative)) continue;
      if (entry.isDirectory()) {
        yield* walk(fullPath);
      } else if (entry.isFile() && extensions.has(path.extname(entry.name).toLowerCase())) {
        yield fullPath;
      }
    }
  }

  yield* walk(base);
}
