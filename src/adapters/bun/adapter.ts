import { renameSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { toPosix, type ResolvedBuildConfig } from '../../config/resolve';
import { buildError, type BuildError } from '../../errors';
import { runCommand } from '../../utils/spawn';
import { extensionFor } from '../bundle-options';
import { metafileReads } from '../esbuild/adapter';
import { locateSpecifier } from '../../utils/locate-specifier';
import { checkBuilderOptions, workspaceLocation } from '../builder-options';
import type { AdapterContext, AdapterResult, BuilderAdapter } from '../types';
import { findBinary, installHint } from '../../utils/find-tool';
import { BUN_BUILDER_OPTIONS, bunBuildSpec } from './options';

/** The script bun runs: Bun.build per format, results printed as one JSON line. */
const BUN_SCRIPT = join(__dirname, 'bun-build.mjs');

interface BunLog {
  level: string;
  message: string;
  position?: { file?: string; line?: number; column?: number };
}

function findBun(config: Pick<ResolvedBuildConfig, 'packageRoot' | 'workspaceRoot'>): string | undefined {
  return findBinary('bun', [config.packageRoot, config.workspaceRoot]);
}

/** `bun build` through Bun.build (structured logs give located errors). */
export const bunAdapter: BuilderAdapter = {
  name: 'bun',
  validateBuilderOptions(config) {
    return checkBuilderOptions('bun', config, BUN_BUILDER_OPTIONS);
  },
  validate(config) {
    const errors = this.validateBuilderOptions(config);
    for (const t of config.target) {
      const m = /^node(\d+)/.exec(t);
      if ((m && Number(m[1]) < 18) || (!m && !/^(esnext|es202[2-9])$/i.test(t))) {
        errors.push(
          buildError(
            'BUILDER_OPTION_UNSUPPORTED',
            `bun cannot down-level to target "${t}" (it emits syntax for current runtimes, lowering \`using\`)`,
            { phase: 'validate', field: 'target', expected: 'node18 or later, es2022 or later, esnext', found: t },
          ),
        );
      }
    }
    return errors;
  },
  async build(ctx: AdapterContext): Promise<AdapterResult> {
    const { config } = ctx;
    const bun = findBun(config);
    if (!bun)
      return {
        errors: [
          buildError(
            'BUILDER_UNAVAILABLE',
            `no bun binary: install the \`bun\` package (${installHint(['bun'], config.workspaceRoot)}) or put bun on PATH`,
            { phase: 'build' },
          ),
        ],
      };
    const spec = bunBuildSpec(config, ctx.outDir);
    const result = await runCommand(bun, {
      args: [BUN_SCRIPT],
      cwd: config.packageRoot,
      env: { ...ctx.env, BUILD_SYSTEM_BUN_SPEC: JSON.stringify(spec) },
      signal: ctx.signal,
      onOutput: (c) => {
        if (!c.includes('@@BUILD_SYSTEM_RESULT@@')) ctx.log.write(c);
      },
    });
    if (result.cancelled) return { errors: [buildError('CANCELLED', 'bun build cancelled', { phase: 'build' })] };
    const marker = result.output.lastIndexOf('@@BUILD_SYSTEM_RESULT@@');
    if (marker === -1) {
      return {
        errors: [
          buildError('BUILD_FAILED', `bun exited with code ${result.exitCode}: ${result.output.trim().split('\n').slice(-10).join('\n')}`, {
            phase: 'build',
          }),
        ],
      };
    }
    const runs = JSON.parse(result.output.slice(marker + '@@BUILD_SYSTEM_RESULT@@'.length).split('\n')[0]) as {
      success: boolean;
      logs: BunLog[];
      builtins?: { path: string; importer: string }[];
      inputs?: string[];
    }[];
    const errors: BuildError[] = [];
    const warnings: BuildError[] = [];
    const seen = new Set<string>();
    for (const run of runs) {
      for (const log of run.logs) {
        const e = bunLogToError(log, config);
        const key = `${e.file}:${e.line}:${e.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        (log.level === 'error' ? errors : warnings).push(e);
      }
      for (const b of run.builtins ?? []) {
        const e = builtinOffNodeError(b.path, b.importer, config);
        const key = `${e.file}:${e.line}:${e.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        errors.push(e);
      }
      if (!run.success && !run.logs.some((l) => l.level === 'error'))
        errors.push(buildError('BUILD_FAILED', 'bun build failed without a message', { phase: 'build' }));
    }
    if (errors.length === 0) renameNamedEntries(ctx, spec.options.root);
    // Bun's metafile paths are relative to its working directory, the package root.
    return {
      errors,
      warnings,
      reads: metafileReads(
        config.packageRoot,
        runs.flatMap((r) => r.inputs ?? []),
      ),
    };
  },
};

function bunLogToError(log: BunLog, config: ResolvedBuildConfig): BuildError {
  const file = workspaceLocation(config, log.position?.file || undefined, ['bun']);
  return buildError('COMPILE_ERROR', log.message, {
    phase: 'build',
    file,
    line: (file && log.position?.line) || undefined,
    column: file && log.position?.column !== undefined ? log.position.column + 1 : undefined,
  });
}

/** esbuild's error for the same import, located at the specifier. */
function builtinOffNodeError(specifier: string, importer: string, config: ResolvedBuildConfig): BuildError {
  const file = workspaceLocation(config, importer, ['bun']);
  const at = file ? locateSpecifier(importer, specifier) : undefined;
  const message = `Could not resolve "${specifier}" (the package "${specifier}" is built into node, not ${config.platform === 'browser' ? 'browsers' : 'every platform'}: use platform: 'node', or list it in \`external\`)`;
  return buildError('COMPILE_ERROR', message, { phase: 'build', file, line: at?.line, column: at?.column });
}

/** Bun names outputs after their path below `root`; object entries name them explicitly. */
function renameNamedEntries(ctx: AdapterContext, root: string) {
  for (const e of ctx.config.entries) {
    const natural = toPosix(relative(root, resolve(ctx.config.packageRoot, e.path))).replace(/\.[cm]?[jt]sx?$/, '');
    if (natural === e.name) continue;
    for (const format of ctx.config.format) {
      const ext = extensionFor(ctx.config, format);
      renameSync(join(ctx.outDir, natural + ext), join(ctx.outDir, e.name + ext));
    }
  }
}
