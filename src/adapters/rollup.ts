import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin, RollupError, RollupLog } from 'rollup';
import { NODE_BUILTINS, workspacePath, type ResolvedBuildConfig } from '../config/resolve';
import { buildError, type BuildError } from '../errors';
import { extensionFor } from './esbuild';
import { resolveModule } from './node-resolve';
import { unsupportedOptions } from './options';
import type { AdapterContext, AdapterResult, BuilderAdapter } from './types';
import { requireTool } from './tool';

type Rollup = typeof import('rollup');
type Esbuild = typeof import('esbuild');

const KNOWN_BUILDER_OPTIONS = ['treeshake', 'banner', 'footer', 'preserveModules', 'interop'];
const TRANSFORMABLE = /\.(m|c)?[jt]sx?$/;

/**
 * Rollup with a TypeScript transform chosen for speed (esbuild's `transform`, per module) and
 * small resolve and JSON plugins: dependencies external by default, ESM and CJS outputs.
 */
export const rollupAdapter: BuilderAdapter = {
  name: 'rollup',
  toolPackage: 'rollup',
  validate(config) {
    return unsupportedOptions('rollup', config, KNOWN_BUILDER_OPTIONS);
  },
  async build(ctx: AdapterContext): Promise<AdapterResult> {
    const { config } = ctx;
    const from = [config.packageRoot, config.workspaceRoot];
    const rollup = requireTool<Rollup>('rollup', from);
    const esbuild = requireTool<Esbuild>('esbuild', from);
    if (!rollup || !esbuild) return { errors: [buildError('BUILDER_UNAVAILABLE', `${rollup ? 'esbuild' : 'rollup'} is not installed: the rollup builder needs rollup and esbuild`, { phase: 'build' })] };
    const warnings: BuildError[] = [];
    const opts = config.builderOptions as Record<string, unknown>;
    let bundle;
    try {
      bundle = await rollup.rollup({
        input: Object.fromEntries(config.entries.map((e) => [e.name, resolve(config.packageRoot, e.path)])),
        external: isExternal(config),
        treeshake: (opts.treeshake as boolean | undefined) ?? true,
        plugins: [resolvePlugin(), jsonPlugin(), transformPlugin(esbuild, config)],
        onLog: (level, log) => {
          if (level === 'warn' && log.code !== 'CIRCULAR_DEPENDENCY') warnings.push(rollupLogToError(log, config));
        },
      });
      await Promise.all(
        config.format.map((format) =>
          bundle!.write({
            dir: ctx.outDir,
            format: format === 'esm' ? 'es' : 'cjs',
            entryFileNames: `[name]${extensionFor(format)}`,
            chunkFileNames: `chunks/[name]-[hash]${extensionFor(format)}`,
            sourcemap: config.sourcemap,
            exports: 'named',
            interop: (opts.interop as 'auto' | undefined) ?? 'auto',
            preserveModules: Boolean(opts.preserveModules),
            banner: opts.banner as string | undefined,
            footer: opts.footer as string | undefined,
            plugins: config.minify ? [minifyPlugin(esbuild, format)] : [],
          }),
        ),
      );
    } catch (err) {
      return { errors: [rollupLogToError(err as RollupError, config)], warnings };
    } finally {
      await bundle?.close();
    }
    return { errors: [], warnings };
  },
};

function isExternal(config: ResolvedBuildConfig) {
  const external = new Set(config.external);
  return (id: string): boolean => {
    if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
    if (NODE_BUILTINS.has(id) || id.startsWith('node:')) return config.platform === 'node' || NODE_BUILTINS.has(id);
    const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0];
    return external.has(name);
  };
}

function resolvePlugin(): Plugin {
  return {
    name: 'build-system:resolve',
    resolveId(source, importer) {
      if (!importer || source.startsWith('\0')) return null;
      return resolveModule(source, importer) ?? null;
    },
  };
}

function jsonPlugin(): Plugin {
  return {
    name: 'build-system:json',
    load(id) {
      if (!id.endsWith('.json')) return null;
      return { code: `export default ${readFileSync(id, 'utf8').trim()};\n`, map: { mappings: '' } };
    },
  };
}

function transformPlugin(esbuild: Esbuild, config: ResolvedBuildConfig): Plugin {
  return {
    name: 'build-system:esbuild-transform',
    async transform(code, id) {
      if (!TRANSFORMABLE.test(id) || id.includes('/node_modules/') && !/\.[cm]?tsx?$/.test(id)) return null;
      const loader = /\.(m|c)?tsx?$/.test(id) ? (id.endsWith('x') ? 'tsx' : 'ts') : id.endsWith('x') ? 'jsx' : 'js';
      try {
        const out = await esbuild.transform(code, { loader, format: 'esm', target: config.target, define: config.define, sourcemap: config.sourcemap ? 'external' : false, sourcefile: id });
        return { code: out.code, map: out.map || null };
      } catch (err) {
        const m = (err as { errors?: import('esbuild').Message[] }).errors?.[0];
        this.error({ message: m?.text ?? String(err), id, loc: m?.location ? { file: id, line: m.location.line, column: m.location.column } : undefined });
      }
    },
  };
}

function minifyPlugin(esbuild: Esbuild, format: 'esm' | 'cjs'): Plugin {
  return {
    name: 'build-system:minify',
    async renderChunk(code) {
      const out = await esbuild.transform(code, { minify: true, format: format === 'esm' ? 'esm' : 'cjs', loader: 'js' });
      return { code: out.code, map: out.map || null };
    },
  };
}

function rollupLogToError(log: RollupLog | RollupError, config: ResolvedBuildConfig): BuildError {
  const file = log.loc?.file ?? log.id;
  const where = file ? workspacePath(config, file) : undefined;
  // Rollup columns are 0-based; ours 1-based like every editor.
  return buildError('COMPILE_ERROR', log.message.replace(/^.*?\(\d+:\d+\): /, ''), {
    phase: 'build',
    file: where,
    line: log.loc?.line,
    column: log.loc?.column !== undefined ? log.loc.column + 1 : undefined,
  });
}
