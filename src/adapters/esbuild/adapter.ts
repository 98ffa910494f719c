import { resolve } from 'node:path';
import type { BuildOptions, Message } from 'esbuild';
import { jsExtension, packageTypeOf, type JsExtension } from '../../config/outputs';
import { NODE_BUILTINS, type ResolvedBuildConfig } from '../../config/resolve';
import type { Format } from '../../config/schema';
import { buildError, type BuildError } from '../../errors';
import type { AdapterContext, AdapterResult, BuilderAdapter } from '../types';
import { checkBuilderOptions, rule, workspaceLocation, type OptionSchema } from '../builder-options';
import { installHint, requireTool } from '../../utils/find-tool';

type Esbuild = typeof import('esbuild');

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
const BUILDER_OPTIONS: OptionSchema = {
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
const PASSED_THROUGH = Object.keys(BUILDER_OPTIONS).filter((k) => k !== 'splitting');
/** Where esbuild's JS API places errors it throws for bad options (its own frames). */
export const ESBUILD_PACKAGES = ['esbuild', '@esbuild'];

/**
 * Output extension of a format for this package (config/outputs.ts): ESM `.js` in a
 * `"type": "module"` package and `.mjs` elsewhere, CJS `.cjs`.
 */
export const extensionFor = (config: Pick<ResolvedBuildConfig, 'packageJson'>, format: Format): JsExtension =>
  jsExtension(format, packageTypeOf(config.packageJson));

export function externalPatterns(config: ResolvedBuildConfig): string[] {
  const list = [...config.external, ...config.external.map((e) => `${e}/*`)];
  if (config.platform === 'node') list.push(...NODE_BUILTINS);
  return list;
}

/** esbuild options for one format. */
function esbuildOptionsFor(config: ResolvedBuildConfig, outDir: string, format: 'esm' | 'cjs'): BuildOptions {
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
    write: true,
    ...pick(extra, PASSED_THROUGH),
  };
}

/**
 * One esbuild message as a located error. Its notes carry the hint (`…use "platform: 'node'"`)
 * and go into the message; a location in esbuild's own source (a bad option it threw on) is
 * dropped rather than reported as the file at fault.
 */
export function esbuildMessageToError(m: Message, config: ResolvedBuildConfig): BuildError {
  const loc = m.location;
  const file = workspaceLocation(config, loc?.file || undefined, ESBUILD_PACKAGES);
  const notes = (m.notes ?? []).map((n) => n.text.trim()).filter(Boolean);
  return buildError('COMPILE_ERROR', notes.length ? `${m.text} (${notes.join(' ')})` : m.text, {
    phase: 'build',
    file,
    line: file ? loc?.line : undefined,
    column: file && loc ? loc.column + 1 : undefined,
  });
}

export const esbuildAdapter: BuilderAdapter = {
  name: 'esbuild',
  validate(config) {
    return this.validateBuilderOptions(config);
  },
  validateBuilderOptions(config) {
    return checkBuilderOptions('esbuild', config, BUILDER_OPTIONS);
  },
  async build(ctx: AdapterContext): Promise<AdapterResult> {
    const esbuild = requireTool<Esbuild>('esbuild', [ctx.config.packageRoot, ctx.config.workspaceRoot]);
    if (!esbuild)
      return {
        errors: [
          buildError(
            'BUILDER_UNAVAILABLE',
            `esbuild is not installed: add it to the workspace devDependencies: ${installHint(['esbuild'], ctx.config.workspaceRoot)}`,
            { phase: 'build' },
          ),
        ],
      };
    const results = await Promise.all(
      ctx.config.format.map((format) =>
        esbuild.build({ ...esbuildOptionsFor(ctx.config, ctx.outDir, format), metafile: true }).then(
          (r) => ({ errors: r.errors, warnings: r.warnings, inputs: Object.keys(r.metafile?.inputs ?? {}) }),
          (err: { errors?: Message[]; warnings?: Message[]; message?: string }) => ({
            inputs: [] as string[],
            errors: err.errors?.length ? err.errors : [{ text: err.message ?? String(err) } as Message],
            warnings: err.warnings ?? [],
          }),
        ),
      ),
    );
    // Both formats report the same source error; keep one of each.
    const seen = new Set<string>();
    const errors: BuildError[] = [];
    const warnings: BuildError[] = [];
    for (const r of results) {
      for (const m of r.errors) pushUnique(errors, seen, esbuildMessageToError(m, ctx.config));
      for (const m of r.warnings) pushUnique(warnings, seen, esbuildMessageToError(m, ctx.config));
    }
    return {
      errors,
      warnings,
      reads: metafileReads(
        ctx.config.packageRoot,
        results.flatMap((r) => r.inputs),
      ),
    };
  },
};

/**
 * Files in a metafile's `inputs` (esbuild's and bun's), relative to the working directory;
 * modules of other namespaces (`ns:path`, `<stdin>`) are not files.
 */
export function metafileReads(cwd: string, inputs: readonly string[]): string[] {
  return [...new Set(inputs.filter((p) => !/^[\w-]{2,}:/.test(p) && !p.startsWith('<')).map((p) => resolve(cwd, p)))];
}

function pushUnique(list: BuildError[], seen: Set<string>, e: BuildError) {
  const key = `${e.file}:${e.line}:${e.column}:${e.message}`;
  if (!seen.has(key)) {
    seen.add(key);
    list.push(e);
  }
}

function pick<T extends object>(obj: T, keys: string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in obj) out[k] = (obj as Record<string, unknown>)[k];
  return out as Partial<T>;
}
