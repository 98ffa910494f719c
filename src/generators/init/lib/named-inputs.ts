import type { NxJsonConfiguration } from '@nx/devkit';

/** What Nx's own workspace presets exclude from `production`, plus __tests__ folders. */
export const PRODUCTION_INPUT = [
  'default',
  '!{projectRoot}/**/?(*.)+(spec|test).[jt]s?(x)?(.snap)',
  '!{projectRoot}/**/?(*.)+(spec|test).[cm][jt]s',
  '!{projectRoot}/**/__tests__/**/*',
  '!{projectRoot}/tsconfig.spec.json',
];

/**
 * Adds a `production` named input when the workspace has none, so the inferred build does
 * not miss the cache on test edits. An existing one is the workspace's decision: left alone.
 * Returns whether nx.json changed.
 */
export function addProductionInput(nxJson: NxJsonConfiguration): boolean {
  const named = (nxJson.namedInputs ??= {});
  if (named.production) return false;
  // Nx resolves an undefined `default` to `{projectRoot}/**/*`; declare it so `production`
  // reads correctly to anyone opening nx.json.
  named.default ??= ['{projectRoot}/**/*'];
  named.production = [...PRODUCTION_INPUT];
  return true;
}
