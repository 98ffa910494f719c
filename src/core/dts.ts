import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { commonDir, type ResolvedBuildConfig } from '../config/resolve';
import type { BuildError } from '../errors';
import type { AdapterContext } from '../adapters/types';
import { runTsc } from '../adapters/tsc-cli';

/**
 * Declarations for bundled builds: per-file `.d.ts` emitted by the workspace's tsc next to
 * the bundles (`src/index.ts` → `dist/index.d.ts`). Per-file rather than rolled up: it is
 * exact for every TypeScript version, including 7, and needs no extra dependency.
 */
export async function emitDeclarations(ctx: AdapterContext): Promise<BuildError[]> {
  const { config } = ctx;
  const tsconfigPath = join(ctx.stateDir, 'tsconfig.dts.json');
  mkdirSync(ctx.stateDir, { recursive: true });
  writeFileSync(tsconfigPath, JSON.stringify(dtsTsconfig(config, ctx.outDir), null, 2));
  return runTsc({ ctx, config, args: ['-p', tsconfigPath], phase: 'dts' });
}

export function dtsTsconfig(config: ResolvedBuildConfig, outDir: string): object {
  const own = resolve(config.packageRoot, config.tsconfig ?? 'tsconfig.json');
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
      incremental: false,
      composite: false,
      skipLibCheck: true,
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
