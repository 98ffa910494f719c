import { resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';
import type { ResolvedBuildConfig } from '../../config/resolve';
import type { Format } from '../../config/schema';
import { rule, type OptionSchema } from '../builder-options';
import { extensionFor, externalPatterns } from '../bundle-options';

export { extensionFor, externalPatterns } from '../bundle-options';

/**
 * The config → esbuild `BuildOptions` mapping, pure (no I/O, no esbuild loaded): the adapter
 * (adapter.ts) runs what this returns, once per format, with `build()` or a kept context.
 */

const LOADERS = [
  'base64',
  'binary',
  'copy',
  'css',
  'dataurl',
  'default',
  'empty',
  'file',
  'global-css',
  'js',
  'json',
  'jsx',
  'local-css',
  'text',
  'ts',
  'tsx',
];
const PER_TYPE = rule.recordOf('{ js?: string, css?: string }', rule.string, (k) => k === 'js' || k === 'css');

/** builderOptions passed to `esbuild.build`, with the types esbuild accepts for them. */
export const BUILDER_OPTIONS: OptionSchema = {
  loader: rule.recordOf(`{ ".ext": ${LOADERS.map((l) => JSON.stringify(l)).join(' | ')} }`, rule.oneOf(...LOADERS), (k) =>
    k.startsWith('.'),
  ),
  mainFields: rule.stringArray,
  conditions: rule.stringArray,
  jsx: rule.oneOf('transform', 'preserve', 'automatic'),
  jsxImportSource: rule.string,
  keepNames: rule.boolean,
  legalComments: rule.oneOf('none', 'inline', 'eof', 'linked', 'external'),
  treeShaking: rule.boolean,
  banner: PER_TYPE,
  footer: PER_TYPE,
  alias: rule.recordOf('{ [module]: string }', rule.string),
  tsconfig: rule.string,
  splitting: rule.boolean,
};
/** `splitting` is not passed as is: it has a default of ours (on for ESM with several entries). */
const PASSED_THROUGH = Object.keys(BUILDER_OPTIONS).filter((k) => k !== 'splitting');

export type EsbuildConfig = Pick<
  ResolvedBuildConfig,
  'packageRoot' | 'entries' | 'platform' | 'target' | 'sourcemap' | 'minify' | 'define' | 'external' | 'builderOptions' | 'packageJson'
>;

export interface OutputChoices {
  /** False: the files stay in the result's `outputFiles`, with the paths and bytes esbuild would write into `outDir`. */
  write?: boolean;
  /** The metafile lists the files read (the undeclared-input check); off when nothing reads it. */
  metafile?: boolean;
}

/**
 * esbuild options for one format, writing into `outDir` (a kept context writes its
 * `outputFiles` into each build's own staging directory itself: `write: false`).
 */
export function esbuildOptionsFor(
  config: EsbuildConfig,
  outDir: string,
  format: Format,
  { write = true, metafile = true }: OutputChoices = {},
): BuildOptions {
  const extra = config.builderOptions as Partial<BuildOptions>;
  return {
    absWorkingDir: config.packageRoot,
    entryPoints: config.entries.map((e) => ({ in: resolve(config.packageRoot, e.path), out: e.name })),
    outdir: outDir,
    bundle: true,
    format,
    platform: config.platform,
    target: config.target,
    sourcemap: config.sourcemap,
    minify: config.minify,
    define: config.define,
    external: externalPatterns(config),
    splitting: extra.splitting ?? (format === 'esm' && config.entries.length > 1),
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': extensionFor(config, format) },
    logLevel: 'silent',
    write,
    metafile,
    ...pick(extra, PASSED_THROUGH),
  };
}

function pick<T extends object>(obj: T, keys: string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in obj) out[k] = (obj as Record<string, unknown>)[k];
  return out as Partial<T>;
}
