import type { Dir } from 'node:fs';
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

/** Characters that make a glob segment more than a literal name. */
const GLOB_SYNTAX = /[*?[\]{}]/;

/** Exclude globs split by what they need to be tested against. */
interface ExcludeMatcher {
  /** Entry names excluded at any depth, from globs such as `**` + `/node_modules`. */
  names: Set<string>;
  /** Patterns over the entry name alone, from globs such as `**` + `/*.bak`. */
  namePatterns: RegExp[];
  /** Patterns over the whole relative path. */
  pathPatterns: RegExp[];
}

/**
 * Sorts each glob into the cheapest test that gives the same result. A glob of `**` + `/` +
 * REST, where REST has no `/`, `**` or `[`, can match only the last path segment, so it is
 * tested against the entry name, or looked up as a name when REST is a literal.
 */
function compileExclude(globs: readonly string[]): ExcludeMatcher {
  const matcher: ExcludeMatcher = { names: new Set(), namePatterns: [], pathPatterns: [] };
  for (const glob of globs) {
    const rest = glob.startsWith('**/') ? glob.slice(3) : undefined;
    if (rest === undefined || /\/|\*\*|\[/.test(rest)) {
      matcher.pathPatterns.push(globToRegExp(glob));
    } else if (GLOB_SYNTAX.test(rest)) {
      matcher.namePatterns.push(globToRegExp(rest));
    } else {
      matcher.names.add(rest);
    }
  }
  return matcher;
}

/** One folder being read: its open handle, its path and its path relative to the root. */
interface OpenFolder {
  directory: Dir;
  /** Absolute path with a trailing separator, ready to have an entry name appended. */
  prefix: string;
  /** Relative to the root with `/` separators; `''` for the root itself. */
  relative: string;
}

/** Entries read from a folder per system call; Node's default is 32. */
const DIRECTORY_BUFFER_SIZE = 128;

async function openFolder(folder: string, relative: string): Promise<OpenFolder | undefined> {
  try {
    const directory = await opendir(folder, { bufferSize: DIRECTORY_BUFFER_SIZE });
    const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep;
    return { directory, prefix, relative };
  } catch {
    return undefined;
  }
}

/**
 * Yields the paths of certificate and key files under `root`, by extension, depth first. It
 * reads folders as streams, skips excluded paths and does not follow symbolic links, so it
 * keeps at most one folder open per level of depth. Folders that cannot be opened are skipped.
 *
 * Meant for tests, benchmarks and tools outside VS Code; the extension itself finds files with
 * `vscode.workspace.findFiles`, which applies the user's `files.exclude`.
 */
export async function* walkForCertificateFiles(
  root: string,
  options: CertificateWalkOptions = {},
): AsyncGenerator<string> {
  const exclude = compileExclude(options.exclude ?? DEFAULT_WALK_EXCLUDE);
  const testsPaths = exclude.pathPatterns.length > 0;
  const testsNames = exclude.names.size > 0 || exclude.namePatterns.length > 0;
  const extensions = new Set(options.extensions ?? CERTIFICATE_FILE_EXTENSIONS);
  const isExcluded = (name: string, relative: string): boolean =>
    (testsNames &&
      (exclude.names.has(name) || exclude.namePatterns.some((pattern) => pattern.test(name)))) ||
    (testsPaths && exclude.pathPatterns.some((pattern) => pattern.test(relative)));

  // An explicit stack of open folders, so that each path is yielded once by this generator
  // instead of passing through one delegating generator per level.
  const stack: OpenFolder[] = [];
  const rootFolder = await openFolder(path.resolve(root), '');
  if (rootFolder) stack.push(rootFolder);
  try {
    while (stack.length > 0) {
      const folder = stack[stack.length - 1]!;
      const entry = await folder.directory.read();
      if (entry === null) {
        stack.pop();
        await folder.directory.close();
        continue;
      }
      throwIfAborted(options.signal);
      const name = entry.name;
      // The relative path is built only when a pattern needs it, from the parent's.
      let relative = '';
      if (testsPaths) relative = folder.relative ? `${folder.relative}/${name}` : name;
      if (isExcluded(name, relative)) continue;
      if (entry.isDirectory()) {
        const child = await openFolder(folder.prefix + name, relative);
        if (child) stack.push(child);
      } else if (entry.isFile() && extensions.has(path.extname(name).toLowerCase())) {
        yield folder.prefix + name;
      }
    }
  } finally {
    // Closes what is still open when the walk stops early or fails.
    await Promise.all(stack.map((folder) => folder.directory.close().catch(() => undefined)));
  }
}
