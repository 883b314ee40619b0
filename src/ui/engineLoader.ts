import type * as Engine from '../engine';

let loading: Promise<typeof Engine> | undefined;

/**
 * Loads the engine (and with it undici, jose and oauth4webapi) on first use. esbuild.mjs builds
 * the engine into `dist/engine.js` and points this require at that file, so
 * activating the extension neither parses nor runs the engine's code.
 */
export function loadEngine(): Promise<typeof Engine> {
  // A require rather than import(): a CommonJS bundle loads through the same module loader as
  // the extension itself, and a failure surfaces as this promise's rejection.
  loading ??= Promise.resolve().then(() => require('../engine') as typeof Engine);
  return loading;
}
