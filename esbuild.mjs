// Builds the extension host bundle (CommonJS, `vscode` external), the engine bundle that it loads
// on first use, the webview bundle (browser) and the test suite that runs inside VS Code.
// `--production` minifies; `--watch` rebuilds.
import path from 'node:path';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const shared = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
  legalComments: production ? 'none' : 'inline',
};

const ENGINE_LOADER = path.resolve('src/ui/engineLoader.ts');

/**
 * Leaves the engine (and undici, jose, oauth4webapi and node-forge with it) out of the host
 * bundle. The loader's `require('../engine')` points at `dist/engine.js` instead, so activation
 * neither parses nor runs that code.
 */
const engineAsSeparateBundle = {
  name: 'engine-as-separate-bundle',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/engine$/ }, (args) =>
      path.resolve(args.importer) === ENGINE_LOADER
        ? { path: './engine.js', external: true }
        : undefined,
    );
  },
};

const nodeBundle = {
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // jsonc-parser's UMD build requires its own modules at run time, which a bundle cannot
  // resolve; its ES module build bundles cleanly.
  mainFields: ['module', 'main'],
  metafile: true,
};

const builds = [
  {
    ...shared,
    ...nodeBundle,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    plugins: [engineAsSeparateBundle],
  },
  {
    ...shared,
    ...nodeBundle,
    entryPoints: ['src/engine/index.ts'],
    outfile: 'dist/engine.js',
  },
  {
    ...shared,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    metafile: true,
  },
];

if (!production) {
  builds.push({
    ...shared,
    entryPoints: ['test/vscode/index.ts'],
    outfile: 'out/test/vscode/index.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
  });
}

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  if (process.argv.includes('--metafile')) {
    for (const result of results) {
      if (result.metafile) console.log(await esbuild.analyzeMetafile(result.metafile));
    }
  }
}
