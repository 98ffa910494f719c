import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { commonDir, ownTsconfigPath, type ResolvedBuildConfig } from '../config/resolve';
import type { AdapterContext, AdapterResult } from '../adapters/types';
import { codeCacheEnabled, codeCachePath } from '../adapters/code-cache';
import { findTranspileDeclarationApi, runTsc } from '../adapters/tsc-cli';
import { prepareIncrementalTsc } from '../adapters/tsc-reuse';
import { readCompilerOption, unsetInherited } from './tsconfig-read';

/**
 * Declarations for bundled builds: per-file `.d.ts` next to the bundles (`src/index.ts` →
 * `dist/index.d.ts`), from the workspace's own TypeScript. Per-file rather than rolled up: it
 * is exact for every TypeScript version, including 7, and needs no extra dependency.
 *
 * Two ways, same files: by default the workspace's tsc emits them (type-checking on the way,
 * so a type error fails the build; incremental, exact as the tsc builder's build info is). Where the project's tsconfig sets `isolatedDeclarations`
 * and its TypeScript has `transpileDeclaration` (5.5–6.x), each file's declarations are
 * transpiled from its own syntax with no program and no type-check, several times faster:
 * type errors are then the `typecheck` target's business, as with tsdown and oxc.
 */
export async function emitDeclarations(ctx: AdapterContext): Promise<AdapterResult> {
  const { config } = ctx;
  const isolatedApi = usesIsolatedDeclarations(config) ? findTranspileDeclarationApi(config) : undefined;
  if (isolatedApi) {
    const tsconfigPath = join(ctx.stateDir, 'tsconfig.dts-isolated.json');
    mkdirSync(ctx.stateDir, { recursive: true });
    writeFileSync(tsconfigPath, JSON.stringify(dtsTsconfig(config, ctx.outDir), null, 2));
    const readsFile = join(ctx.stateDir, 'dts-isolated-reads.json');
    const args = [isolatedApi, codeCacheEnabled() ? codeCachePath(config.workspaceRoot, isolatedApi) : '', tsconfigPath, readsFile];
    const errors = await runTsc({ ctx, config, args, phase: 'dts', script: ISOLATED_DTS_WORKER });
    return { errors, reads: errors.length ? [] : readList(readsFile) };
  }
  // Checked: tsc writes into its own directory under the state dir, incrementally (an edit
  // re-checks what it affects), and the declarations are copied beside the bundles.
  const dtsDir = join(ctx.stateDir, 'dts');
  const run = prepareIncrementalTsc({
    config,
    stateDir: ctx.stateDir,
    name: 'dts',
    rootDir: resolve(config.packageRoot, entriesRoot(config)),
    outDir: dtsDir,
    tsconfig: (buildInfo) => dtsTsconfig(config, dtsDir, buildInfo),
  });
  const errors = await runTsc({ ctx, config, args: ['-p', run.tsconfig], phase: 'dts' });
  if (errors.length) return run.discard(), { errors };
  run.commit();
  cpSync(dtsDir, ctx.outDir, { recursive: true });
  return { errors: [], reads: run.programFiles() };
}

function readList(file: string): string[] {
  try {
    const list = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

const ISOLATED_DTS_WORKER = join(__dirname, 'isolated-dts-worker.js');

function usesIsolatedDeclarations(config: ResolvedBuildConfig): boolean {
  const own = ownTsconfigPath(config);
  return existsSync(own) && readCompilerOption(own, 'isolatedDeclarations') === true;
}

export function dtsTsconfig(config: ResolvedBuildConfig, outDir: string, buildInfo?: string): object {
  const own = ownTsconfigPath(config);
  const hasOwn = existsSync(own);
  return {
    ...(hasOwn ? { extends: own } : {}),
    compilerOptions: {
      ...(hasOwn
        ? {}
        : { target: 'es2022', module: 'preserve', moduleResolution: 'bundler', strict: true, esModuleInterop: true, resolveJsonModule: true }),
      allowImportingTsExtensions: true,
      declaration: true,
      emitDeclarationOnly: true,
      noEmit: false,
      declarationMap: false,
      sourceMap: false,
      incremental: Boolean(buildInfo),
      ...(buildInfo ? { tsBuildInfoFile: buildInfo } : {}),
      composite: false,
      skipLibCheck: true,
      // The user's own output settings must not send declarations elsewhere than ours.
      ...(hasOwn ? unsetInherited(own, ['outFile']) : {}),
      declarationDir: outDir,
      outDir,
      rootDir: resolve(config.packageRoot, entriesRoot(config)),
    },
    files: config.entries.map((e) => resolve(config.packageRoot, e.path)),
    include: [],
  };
}

/** The directory the entries' outputs are named from (their common directory). */
export function entriesRoot(config: ResolvedBuildConfig): string {
  return commonDir(config.entries.map((e) => posix.dirname(e.path))) || '.';
}
