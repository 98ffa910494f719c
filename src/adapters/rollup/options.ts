import { resolve } from 'node:path';
import type { TransformOptions } from 'esbuild';
import type { InputOptions, OutputOptions } from 'rollup';
import { NODE_BUILTINS, type ResolvedBuildConfig } from '../../config/resolve';
import type { Format } from '../../config/schema';
import { extensionFor } from '../bundle-options';
import { packageNameOf } from '../../utils/node-resolve';

/** The builderOptions rollup takes (checked by the adapter's option schema). */
interface RollupBuilderOptions {
  treeshake?: InputOptions['treeshake'];
  banner?: OutputOptions['banner'];
  footer?: OutputOptions['footer'];
  preserveModules?: boolean;
  interop?: OutputOptions['interop'];
}

const builderOptionsOf = (config: ResolvedBuildConfig) => config.builderOptions as RollupBuilderOptions;

/** `rollup.rollup` options but the plugins and the log handler, which the adapter adds. */
export function rollupInputOptions(config: ResolvedBuildConfig): Pick<InputOptions, 'input' | 'external' | 'treeshake'> {
  return {
    input: Object.fromEntries(config.entries.map((e) => [e.name, resolve(config.packageRoot, e.path)])),
    external: isExternal(config),
    treeshake: builderOptionsOf(config).treeshake ?? true,
  };
}

/** `bundle.write` options for one format, but the plugins (minify: `esbuildMinifyOptions`). */
export function rollupOutputOptions(config: ResolvedBuildConfig, format: Format, outDir: string): OutputOptions {
  const opts = builderOptionsOf(config);
  return {
    dir: outDir,
    format: format === 'esm' ? 'es' : 'cjs',
    entryFileNames: `[name]${extensionFor(config, format)}`,
    chunkFileNames: `chunks/[name]-[hash]${extensionFor(config, format)}`,
    sourcemap: config.sourcemap,
    exports: 'named',
    interop: opts.interop ?? 'auto',
    preserveModules: Boolean(opts.preserveModules),
    banner: opts.banner,
    footer: opts.footer,
  };
}

/**
 * What esbuild's `external` patterns keep out (externalPatterns): the external packages and
 * their subpaths, and node builtins on `platform: 'node'` only — for the browser or neutral,
 * `node:fs` is an import that cannot resolve (an error), unless `external` names it.
 */
export function isExternal(config: Pick<ResolvedBuildConfig, 'external' | 'platform'>) {
  const external = new Set(config.external);
  return (id: string): boolean => {
    if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
    if (external.has(id)) return true;
    if (isBuiltin(id) && config.platform === 'node') return true;
    const name = packageNameOf(id);
    return external.has(name);
  };
}

export const isBuiltin = (id: string) => NODE_BUILTINS.has(id) || id.startsWith('node:');

const TRANSFORMABLE = /\.(m|c)?[jt]sx?$/;

/** Sources the transform compiles: the package's JS and TS, and TypeScript inside node_modules. */
export const isTransformed = (id: string) => TRANSFORMABLE.test(id) && (!id.includes('/node_modules/') || /\.[cm]?tsx?$/.test(id));

/** esbuild's `transform` options for one module: the config's target, define and sourcemap. */
export function esbuildTransformOptions(config: ResolvedBuildConfig, id: string): TransformOptions {
  const loader = /\.(m|c)?tsx?$/.test(id) ? (id.endsWith('x') ? 'tsx' : 'ts') : id.endsWith('x') ? 'jsx' : 'js';
  return {
    loader,
    format: 'esm',
    target: config.target,
    define: config.define,
    sourcemap: config.sourcemap ? 'external' : false,
    sourcefile: id,
  };
}

/** esbuild's `transform` options that minify one rendered chunk of a format (`minify: true`). */
export function esbuildMinifyOptions(format: Format): TransformOptions {
  return { minify: true, format: format === 'esm' ? 'esm' : 'cjs', loader: 'js' };
}
