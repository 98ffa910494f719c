import { existsSync } from 'node:fs';
import type { RollupCache, RollupError, RollupLog } from 'rollup';
import type { ResolvedBuildConfig } from '../../config/resolve';
import { buildError, type BuildError } from '../../errors';
import { ESBUILD_PACKAGES } from '../esbuild/adapter';
import { checkBuilderOptions, rule, workspaceLocation, type OptionSchema } from '../builder-options';
import { locateSpecifier } from '../../utils/locate-specifier';
import type { AdapterContext, AdapterResult, BuilderAdapter } from '../types';
import { installHint, requireTool } from '../../utils/find-tool';
import { isBuiltin, rollupInputOptions, rollupOutputOptions } from './options';
import { jsonPlugin, minifyPlugin, resolvePlugin, transformPlugin } from './plugins';

type Rollup = typeof import('rollup');
type Esbuild = typeof import('esbuild');

const BUILDER_OPTIONS: OptionSchema = {
  treeshake: rule.anyOf(rule.boolean, rule.oneOf('smallest', 'safest', 'recommended'), rule.plainObject),
  banner: rule.anyOf(rule.string, rule.function),
  footer: rule.anyOf(rule.string, rule.function),
  preserveModules: rule.boolean,
  interop: rule.anyOf(rule.oneOf('auto', 'esModule', 'default', 'defaultOnly', 'compat'), rule.function),
};
/** Rollup's own frames, and esbuild's (the transform), are never the file at fault. */
const TOOL_PACKAGES = ['rollup', '@rollup', ...ESBUILD_PACKAGES];

/**
 * Rollup with a TypeScript transform chosen for speed (esbuild's `transform`, per module) and
 * small resolve and JSON plugins: dependencies external by default, ESM and CJS outputs.
 */
export const rollupAdapter: BuilderAdapter = {
  name: 'rollup',
  validate(config) {
    return this.validateBuilderOptions(config);
  },
  validateBuilderOptions(config) {
    return checkBuilderOptions('rollup', config, BUILDER_OPTIONS);
  },
  async build(ctx: AdapterContext): Promise<AdapterResult> {
    const { config } = ctx;
    const from = [config.packageRoot, config.workspaceRoot];
    const rollup = requireTool<Rollup>('rollup', from);
    const esbuild = requireTool<Esbuild>('esbuild', from);
    if (!rollup || !esbuild) {
      const missing = [...(rollup ? [] : ['rollup']), ...(esbuild ? [] : ['esbuild'])];
      const message = `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed: the rollup builder needs rollup and esbuild; install: ${installHint(missing, config.workspaceRoot)}`;
      return { errors: [buildError('BUILDER_UNAVAILABLE', message, { phase: 'build' })] };
    }
    const warnings: BuildError[] = [];
    const unresolved: BuildError[] = [];
    let bundle;
    let reads: string[] = [];
    // In a watch, the previous build's module cache: modules whose source did not change are not transformed again.
    const warm = ctx.session && { key: `rollup:${config.packageRoot}`, fingerprint: cacheFingerprint(config) };
    const cache = warm && withoutMissingFiles(await ctx.session!.take<RollupCache>(warm.key, warm.fingerprint));
    try {
      bundle = await rollup.rollup({
        cache,
        ...rollupInputOptions(config),
        plugins: [resolvePlugin(), jsonPlugin(), transformPlugin(esbuild, config)],
        onLog: (level, log) => {
          // Rollup keeps an import it cannot resolve as an external one, with a warning, and
          // writes a bundle importing a package that is not there. esbuild and bun fail
          // (located); so do we. Externals by config never get here: `external` said so first.
          if (log.code === 'UNRESOLVED_IMPORT') unresolved.push(unresolvedImportError(log, config));
          else if (level === 'warn' && log.code !== 'CIRCULAR_DEPENDENCY') warnings.push(rollupLogToError(log, config));
        },
      });
      if (unresolved.length) return { errors: unresolved, warnings };
      // Every module rollup loaded (and any file a plugin watched): what the output depends on.
      reads = bundle.watchFiles.filter((f) => !f.startsWith('\0'));
      await Promise.all(
        config.format.map((format) =>
          bundle!.write({
            ...rollupOutputOptions(config, format, ctx.outDir),
            plugins: config.minify ? [minifyPlugin(esbuild, format)] : [],
          }),
        ),
      );
      // Kept after a good build only: a failed one keeps the previous cache.
      if (warm && bundle.cache) await ctx.session!.keep(warm.key, { ...warm, value: bundle.cache });
    } catch (err) {
      return { errors: [rollupLogToError(err as RollupError, config)], warnings };
    } finally {
      await bundle?.close();
    }
    return { errors: [], warnings, reads, ...(warm ? { warm: { reused: Boolean(cache), state: 'rollup module cache' } } : {}) };
  },
};

/**
 * Rollup reuses a cached module's resolved imports when its source is unchanged: an import of
 * a file deleted since would be loaded (ENOENT) rather than reported unresolved, located, as
 * without a cache. Modules that are gone, or import one that is, are dropped: they are read,
 * transformed and resolved again.
 */
function withoutMissingFiles(cache: RollupCache | undefined): RollupCache | undefined {
  if (!cache?.modules) return cache;
  const isFile = (id: string) => id.startsWith('\0') || existsSync(id);
  const modules = cache.modules.filter(
    (m) => isFile(m.id) && Object.values(m.resolvedIds ?? {}).every((r) => !r || r.external || isFile(r.id)),
  );
  return { ...cache, modules };
}

/** What the cached transforms depend on besides the sources: a change (an edited config) starts a new cache. */
function cacheFingerprint(config: ResolvedBuildConfig): string {
  const { entries, external, platform, target, define, sourcemap, builderOptions } = config;
  return JSON.stringify({ entries, external, platform, target, define, sourcemap, treeshake: builderOptions.treeshake });
}

/** `Could not resolve "x"`, located at the specifier in the importer, as esbuild reports it. */
function unresolvedImportError(log: RollupLog, config: ResolvedBuildConfig): BuildError {
  const specifier = log.exporter ?? /"([^"]+)"/.exec(log.message)?.[1] ?? '';
  const importer = log.id;
  const at = importer && specifier ? locateSpecifier(importer, specifier) : undefined;
  const file = workspaceLocation(config, importer, TOOL_PACKAGES);
  const hint = isBuiltin(specifier)
    ? ` (the package "${specifier}" is built into node, not ${config.platform === 'browser' ? 'browsers' : 'every platform'}: use platform: 'node', or list it in \`external\`)`
    : ` (not found in node_modules; dependencies, peerDependencies and optionalDependencies of package.json, and names in \`external\`, stay external without being installed)`;
  return buildError('COMPILE_ERROR', `Could not resolve "${specifier}"${hint}`, {
    phase: 'build',
    file,
    line: file ? at?.line : undefined,
    column: file ? at?.column : undefined,
  });
}

function rollupLogToError(log: RollupLog | RollupError, config: ResolvedBuildConfig): BuildError {
  const where = workspaceLocation(config, log.loc?.file ?? log.id, TOOL_PACKAGES);
  // Rollup columns are 0-based; ours 1-based like every editor.
  return buildError('COMPILE_ERROR', log.message.replace(/^.*?\(\d+:\d+\): /, ''), {
    phase: 'build',
    file: where,
    line: where ? log.loc?.line : undefined,
    column: where && log.loc?.column !== undefined ? log.loc.column + 1 : undefined,
  });
}
