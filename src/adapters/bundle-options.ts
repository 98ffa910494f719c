import { jsExtension, packageTypeOf, type JsExtension } from '../config/outputs';
import { NODE_BUILTINS, type ResolvedBuildConfig } from '../config/resolve';
import type { Format } from '../config/schema';

/** What the bundlers (esbuild, rollup, bun) map the same way: output names and what stays out of a bundle. */

/**
 * Output extension of a format for this package (config/outputs.ts): ESM `.js` in a
 * `"type": "module"` package and `.mjs` elsewhere, CJS `.cjs`.
 */
export const extensionFor = (config: Pick<ResolvedBuildConfig, 'packageJson'>, format: Format): JsExtension =>
  jsExtension(format, packageTypeOf(config.packageJson));

/** What stays out of the bundle: dependencies (`noExternal` left out when resolved) and their subpaths; node's builtins on node. */
export function externalPatterns(config: Pick<ResolvedBuildConfig, 'external' | 'platform'>): string[] {
  const list = [...config.external, ...config.external.map((e) => `${e}/*`)];
  if (config.platform === 'node') list.push(...NODE_BUILTINS);
  return list;
}
