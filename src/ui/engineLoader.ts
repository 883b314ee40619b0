import type * as Engine from '../engine';

let loading: Promise<typeof Engine> | undefined;

/**
 * Loads the engine (and with it undici, jose and oauth4webapi) on first use. UI modules import
 * only engine types, so activating the extension evaluates none of that code; esbuild keeps a
 * dynamically imported module's initialisation deferred inside the single bundle.
 */
export function loadEngine(): Promise<typeof Engine> {
  loading ??= import('../engine');
  return loading;
}
