/**
 * Generates the extensions that the activation benchmark loads into code-server: a timing
 * wrapper around the real bundle, the same wrapper around an empty extension, and a build of the
 * bundle that records which library and engine modules it evaluates.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { REPOSITORY_ROOT } from './report';

/** One activation as the wrapper recorded it, in milliseconds. */
export interface ActivationSample {
  /** `require()` of the bundle: reading, compiling and running its top level. */
  load: number;
  /** The `activate()` call until its result (or promise) settled. */
  activate: number;
  /** Modules that announced themselves, for the instrumented bundle. */
  evaluated: string[];
}

/** Global set that the instrumented bundle's modules add their paths to. */
const EVALUATED_GLOBAL = '__benchEvaluatedModules';

/**
 * The wrapper's main file. It times `require()` of the target and its `activate()` with
 * `performance.now()`, appends one JSON line per activation to `resultFile`, and hands the
 * target's API back to VS Code. The target gets the wrapper's own ExtensionContext, which has the
 * same shape as the one VS Code would pass it.
 */
function wrapperSource(targetFile: string, resultFile: string): string {
  return `'use strict';
const { appendFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
let target;
exports.activate = async function activate(context) {
  const started = performance.now();
  target = require(${JSON.stringify(targetFile)});
  const loaded = performance.now();
  const api = await target.activate(context);
  const activated = performance.now();
  const evaluated = [...(globalThis.${EVALUATED_GLOBAL} ?? [])];
  appendFileSync(
    ${JSON.stringify(resultFile)},
    JSON.stringify({ load: loaded - started, activate: activated - loaded, evaluated }) + '\\n',
  );
  return api;
};
exports.deactivate = function deactivate() {
  return target && target.deactivate && target.deactivate();
};
`;
}

export interface GeneratedExtension {
  folder: string;
  resultFile: string;
}

/**
 * Writes an extension folder whose manifest is `manifest` with `main` pointing at the wrapper
 * and `activationEvents` set to `*`, so VS Code activates it as soon as the window starts.
 */
async function writeWrapper(
  folder: string,
  manifest: Record<string, unknown>,
  targetFile: string,
): Promise<GeneratedExtension> {
  await mkdir(folder, { recursive: true });
  const resultFile = path.join(folder, 'activations.jsonl');
  await writeFile(path.join(folder, 'wrapper.js'), wrapperSource(targetFile, resultFile));
  const wrapped = { ...manifest, main: './wrapper.js', activationEvents: ['*'] };
  await writeFile(path.join(folder, 'package.json'), JSON.stringify(wrapped, null, 2));
  return { folder, resultFile };
}

/**
 * Writes the product wrapped: its manifest (so the views and commands that activate() registers
 * are contributed), its media, and copies of the built `extension.js` and `engine.js` from the
 * folder `bundles` in `dist/`.
 */
export async function writeProductWrapper(
  folder: string,
  bundles: string,
): Promise<GeneratedExtension> {
  const manifest = JSON.parse(await readFile(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8'));
  await mkdir(path.join(folder, 'dist'), { recursive: true });
  for (const name of ['extension.js', 'engine.js']) {
    await writeFile(path.join(folder, 'dist', name), await readFile(path.join(bundles, name)));
  }
  await symlink(path.join(REPOSITORY_ROOT, 'media'), path.join(folder, 'media'), 'dir');
  return writeWrapper(folder, manifest, path.join(folder, 'dist', 'extension.js'));
}

/** An extension whose activate() does nothing, wrapped the same way. */
export async function writeEmptyWrapper(folder: string): Promise<GeneratedExtension> {
  await mkdir(folder, { recursive: true });
  const target = path.join(folder, 'empty.js');
  await writeFile(target, "'use strict';\nexports.activate = function activate() {};\n");
  const manifest = {
    name: 'empty-extension',
    publisher: 'bench',
    version: '0.0.1',
    engines: { vscode: '^1.100.0' },
  };
  return writeWrapper(folder, manifest, target);
}

/**
 * The skeleton's main file: what any extension with the product's contributions has to do in
 * activate(), and nothing more. It registers every contributed command with an empty handler,
 * creates every contributed view with an empty tree, creates a log output channel and registers
 * the inspector's webview serializer.
 */
const SKELETON_SOURCE = `'use strict';
const vscode = require('vscode');
const manifest = require('./package.json');
exports.activate = function activate(context) {
  const channel = vscode.window.createOutputChannel(manifest.displayName, { log: true });
  const emptyTree = { getTreeItem: (item) => item, getChildren: () => [] };
  const views = Object.values(manifest.contributes.views ?? {}).flat();
  context.subscriptions.push(
    channel,
    ...views.map((view) => vscode.window.createTreeView(view.id, { treeDataProvider: emptyTree })),
    ...manifest.contributes.commands.map((entry) =>
      vscode.commands.registerCommand(entry.command, () => undefined),
    ),
    vscode.window.registerWebviewPanelSerializer('oauthExplorer.inspector', {
      deserializeWebviewPanel: async () => undefined,
    }),
  );
  channel.info('Activated.');
};
`;

/**
 * Writes the skeleton, wrapped like the product and with the product's manifest, so the two
 * contribute the same commands and views and differ only in what activate() does.
 */
export async function writeSkeletonWrapper(folder: string): Promise<GeneratedExtension> {
  const manifest = JSON.parse(await readFile(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8'));
  await mkdir(folder, { recursive: true });
  const target = path.join(folder, 'skeleton.js');
  await writeFile(target, SKELETON_SOURCE);
  await symlink(path.join(REPOSITORY_ROOT, 'media'), path.join(folder, 'media'), 'dir');
  return writeWrapper(folder, manifest, target);
}

/** Modules whose evaluation the instrumented bundle reports. */
const WATCHED_MODULES =
  /[\\/]node_modules[\\/](undici|jose|oauth4webapi)[\\/]|[\\/]src[\\/]engine[\\/]/;

const LIBRARY_MODULE = /^node_modules\/(undici|jose|oauth4webapi)\//;

/**
 * Returns the src/engine files of a metafile that import undici, jose or oauth4webapi, directly
 * or through other bundled modules.
 */
function engineFilesImportingLibraries(metafile: esbuild.Metafile): string[] {
  const importsLibrary = new Map<string, boolean>();
  const visit = (file: string, seen: Set<string>): boolean => {
    const known = importsLibrary.get(file);
    if (known !== undefined) return known;
    if (seen.has(file)) return false;
    seen.add(file);
    const imports = metafile.inputs[file]?.imports ?? [];
    const result = imports.some(
      (entry) => LIBRARY_MODULE.test(entry.path) || visit(entry.path, seen),
    );
    importsLibrary.set(file, result);
    return result;
  };
  return Object.keys(metafile.inputs).filter(
    (file) => file.startsWith('src/engine/') && visit(file, new Set()),
  );
}

/**
 * Builds `extension.js` and `engine.js` into the folder `outdir` as esbuild.mjs does for
 * production, with the engine left out of the host bundle in the same way. The one difference is
 * that every module of undici, jose, oauth4webapi and src/engine first adds its path to a global
 * set.
 * esbuild wraps lazily initialised modules in a function, so a path lands in the set only when
 * the module's code actually runs. Returns the engine files of the host bundle that import a
 * library.
 */
export async function buildInstrumentedBundles(
  outdir: string,
): Promise<{ libraryImporters: string[] }> {
  const marker: esbuild.Plugin = {
    name: 'evaluation-marker',
    setup(build) {
      build.onLoad({ filter: WATCHED_MODULES }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const relative = path.relative(REPOSITORY_ROOT, args.path);
        const mark = `(globalThis.${EVALUATED_GLOBAL} ??= new Set()).add(${JSON.stringify(relative)});\n`;
        // A 'use strict' directive only works as the first statement, so the mark goes after it.
        const directive = /^(\s*(['"])use strict\2;?\s*\n)/.exec(source)?.[1] ?? '';
        const extension = path.extname(args.path);
        const loader = extension === '.ts' ? 'ts' : 'js';
        return { contents: directive + mark + source.slice(directive.length), loader };
      });
    },
  };
  const engineLoader = path.join(REPOSITORY_ROOT, 'src/ui/engineLoader.ts');
  // The same split as esbuild.mjs: the loader's import of '../engine' stays a run-time require.
  const engineAsSeparateBundle: esbuild.Plugin = {
    name: 'engine-as-separate-bundle',
    setup(build) {
      build.onResolve({ filter: /^\.\.\/engine$/ }, (args) =>
        path.resolve(args.importer) === engineLoader
          ? { path: './engine.js', external: true }
          : undefined,
      );
    },
  };
  const shared: esbuild.BuildOptions = {
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // As in esbuild.mjs: jsonc-parser's UMD build cannot be bundled, its ES module build can.
    mainFields: ['module', 'main'],
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: REPOSITORY_ROOT,
  };
  const host = await esbuild.build({
    ...shared,
    entryPoints: [path.join(REPOSITORY_ROOT, 'src/extension.ts')],
    outfile: path.join(outdir, 'extension.js'),
    external: ['vscode'],
    metafile: true,
    plugins: [engineAsSeparateBundle, marker],
  });
  await esbuild.build({
    ...shared,
    entryPoints: [path.join(REPOSITORY_ROOT, 'src/engine/index.ts')],
    outfile: path.join(outdir, 'engine.js'),
    plugins: [marker],
  });
  return { libraryImporters: engineFilesImportingLibraries(host.metafile) };
}
