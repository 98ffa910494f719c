import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { jsExtension, packageTypeOf } from '../../config/outputs';
import { NODE_BUILTINS, ownTsconfigPath, toPosix, workspacePath, type ResolvedBuildConfig } from '../../config/resolve';
import { readCompilerOption, unsetInherited } from '../../utils/tsconfig-read';
import { buildError, type BuildError } from '../../errors';
import { packageVersion } from '../../utils/version';
import { walkFiles } from '../../utils/files';
import { locateSpecifier } from '../../utils/locate-specifier';
import { cannotHonour, checkBuilderOptions, rule, type OptionSchema } from '../builder-options';
import { runTsc, tsVersionAtLeast, typescriptVersion } from './tsc-cli';
import { sourceOf, writeEmittedOutputs } from './tsc-outputs';
import { prepareIncrementalTsc } from './tsc-reuse';
import type { AdapterContext, AdapterResult, BuilderAdapter } from '../types';
import { sourcesRoot, tscProjectConfig } from './options';
import { packageNameOf } from '../../utils/node-resolve';

const BUILDER_OPTIONS: OptionSchema = { compilerOptions: rule.plainObject };

/**
 * tsc with the workspace's own TypeScript (5.x or the native 7.x): structure kept
 * (`src/x.ts` → `dist/x.js`), declarations emitted. tsc writes into the state directory,
 * incrementally (its build info dropped whenever what it describes is not exactly there);
 * the outputs are written from there on every build, one file per format (tsc-outputs.ts).
 */
export const tscAdapter: BuilderAdapter = {
  name: 'tsc',
  validateBuilderOptions(config) {
    return checkBuilderOptions('tsc', config, BUILDER_OPTIONS);
  },
  validate(config) {
    const errors = this.validateBuilderOptions(config);
    if (config.minify) errors.push(cannotHonour('tsc', config, 'minify', 'tsc does not minify; use esbuild, bun or rollup', 'true'));
    if (Object.keys(config.define).length)
      errors.push(cannotHonour('tsc', config, 'define', 'tsc does not replace identifiers', Object.keys(config.define).join(', ')));
    if (config.noExternal.length)
      errors.push(cannotHonour('tsc', config, 'noExternal', 'tsc does not bundle dependencies', config.noExternal.join(', ')));
    if (config.platform === 'browser')
      errors.push(cannotHonour('tsc', config, 'platform', 'tsc emits modules, not browser bundles', 'browser'));
    // tsc keeps the source tree: an entry's output is named after its path, never renamed.
    const root = toPosix(relative(config.packageRoot, sourcesRoot(config)));
    for (const e of config.entries) {
      const kept = (root ? posix.relative(root, e.path) : e.path).replace(/\.(d\.)?[cm]?[jt]sx?$/, '');
      if (kept !== e.name)
        errors.push(
          cannotHonour(
            'tsc',
            config,
            'entry',
            `tsc names outputs after their sources: "${e.path}" writes "${kept}.js", not "${e.name}.js"`,
            e.name,
          ),
        );
    }
    return errors;
  },
  async build(ctx: AdapterContext): Promise<AdapterResult> {
    const { config } = ctx;
    const emittedDir = join(ctx.stateDir, 'out');
    const run = prepareIncrementalTsc({
      config,
      stateDir: ctx.stateDir,
      name: 'build',
      rootDir: sourcesRoot(config),
      outDir: emittedDir,
      tsconfig: (buildInfo) => tscConfig(config, emittedDir, buildInfo),
      key: reuseKey(config),
    });
    const errors: BuildError[] = await runTsc({ ctx, config, args: ['-p', run.tsconfig], phase: 'build' });
    if (errors.length) return (run.discard(), { errors });
    // tsc's own output is complete and matches its build info, whatever happens next.
    run.commit();
    const written = await writeEmittedOutputs({ config, emittedDir, outDir: ctx.outDir, sourcesRoot: sourcesRoot(config) });
    if (written.length) return { errors: written };
    return { errors: [], warnings: aliasedImports(config, emittedDir), reads: run.programFiles() };
  },
};

/** What decides the files written beyond the generated tsconfig (tsc-reuse.ts, `key`). */
function reuseKey(config: ResolvedBuildConfig): string {
  return JSON.stringify({
    format: config.format,
    packageType: packageTypeOf(config.packageJson),
    entries: config.entries,
    typescript: typescriptVersion(config) ?? null,
    plugin: packageVersion(),
  });
}

/** The generated tsconfig, with what it depends on read from disk (the package tsconfig chain, TypeScript's version). */
export function tscConfig(config: ResolvedBuildConfig, outDir: string, buildInfo: string | undefined) {
  const own = ownTsconfigPath(config);
  const hasOwn = existsSync(own);
  return tscProjectConfig(config, {
    ownTsconfig: hasOwn ? own : undefined,
    unsetInherited: hasOwn ? unsetInherited(own, ['declarationDir', 'outFile']) : {},
    rewritesTsExtensions: tsVersionAtLeast(config, 5, 7),
    outDir,
    buildInfo,
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/**
 * tsc leaves a tsconfig `paths` alias as written (`import { h } from '@lib/helper'`): the
 * output fails at run time (ERR_MODULE_NOT_FOUND) where the bundlers resolved it. Each import
 * in the emitted JavaScript that matches an alias and is not a package the output can import
 * (a dependency) is a warning located in its source. Not an error: a `postbuild` such as
 * tsc-alias may rewrite them.
 */
function aliasedImports(config: ResolvedBuildConfig, outDir: string): BuildError[] {
  const userPaths = ((config.builderOptions.compilerOptions ?? {}) as Record<string, unknown>).paths;
  const paths = userPaths ?? readCompilerOption(ownTsconfigPath(config), 'paths');
  if (!paths || typeof paths !== 'object') return [];
  const patterns = Object.keys(paths).map((key) => {
    const star = key.indexOf('*');
    return star === -1
      ? { key, test: (s: string) => s === key }
      : { key, test: (s: string) => s.startsWith(key.slice(0, star)) && s.endsWith(key.slice(star + 1)) && s.length >= key.length - 1 };
  });
  if (!patterns.length) return [];
  const isPackage = (s: string) => {
    const name = packageNameOf(s);
    return config.external.includes(name);
  };
  const rootDir = sourcesRoot(config);
  const warnings: BuildError[] = [];
  for (const file of walkFiles(outDir)) {
    if (!/\.(c|m)?js$/.test(file) || (file.endsWith('.cjs') && config.format.includes('esm'))) continue;
    const text = readFileSync(file, 'utf8');
    const reported = new Set<string>();
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[2];
      if (spec.startsWith('.') || spec.startsWith('/') || reported.has(spec) || isPackage(spec) || NODE_BUILTINS.has(spec)) continue;
      const alias = patterns.find((p) => p.test(spec));
      if (!alias) continue;
      reported.add(spec);
      const source = sourceOf(rootDir, relative(outDir, file));
      const at = source ? locateSpecifier(source, spec) : undefined;
      const emitted = toPosix(relative(config.packageRoot, resolve(config.packageRoot, config.outputDir, relative(outDir, file)))).replace(
        /\.js$/,
        jsExtension('esm', packageTypeOf(config.packageJson)),
      );
      warnings.push(
        buildError(
          'BUILDER_OPTION_UNSUPPORTED',
          `tsc does not rewrite the tsconfig \`paths\` alias "${alias.key}": ${emitted} imports "${spec}" unchanged, which will not resolve at run time; import it by a relative path, a workspace package name (a dependency), or build with esbuild, bun or rollup, which resolve aliases`,
          {
            phase: 'build',
            file: source ? workspacePath(config, source) : undefined,
            line: at?.line,
            column: at?.column,
            field: 'compilerOptions.paths',
            found: spec,
          },
        ),
      );
    }
  }
  return warnings;
}
