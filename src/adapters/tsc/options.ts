import { dirname, join, resolve } from 'node:path';
import { commonDir, toPosix, type ResolvedBuildConfig } from '../../config/resolve';

/** What the generated tsconfig depends on beyond the config: facts the adapter reads from disk. */
export interface TscConfigFacts {
  /** The package's own tsconfig, extended when it exists (else strict defaults). */
  ownTsconfig: string | undefined;
  /** `{ option: null }` for the output options the extended chain sets (declarationDir, outFile). */
  unsetInherited: Record<string, null>;
  /** TypeScript 5.7+: `import './x.ts'` may be written and compiles to `import './x.js'`. */
  rewritesTsExtensions: boolean;
  /** Where tsc writes (the state directory's `out`). */
  outDir: string;
  /** tsc's build info file, for an incremental build; undefined for a full one. */
  buildInfo: string | undefined;
}

/** `node20` → `ES2023`: the ECMAScript level each Node line supports fully. */
export function tscTarget(targets: string[]): string {
  const t = targets[0] ?? 'node20';
  const node = /^node(\d+)/.exec(t);
  if (node) {
    const v = Number(node[1]);
    return v >= 22 ? 'ES2024' : v >= 20 ? 'ES2023' : v >= 18 ? 'ES2022' : v >= 16 ? 'ES2021' : 'ES2020';
  }
  return /^es(next|\d{4})$/i.test(t) ? t.toUpperCase().replace('ESNEXT', 'ESNext') : 'ES2022';
}

/** The directory sources are compiled from: the entries' common directory. */
export function sourcesRoot(config: Pick<ResolvedBuildConfig, 'packageRoot' | 'entries'>): string {
  return resolve(config.packageRoot, commonDir(config.entries.map((e) => toPosix(dirname(e.path)))) || '.');
}

/** The tsconfig tsc builds with: the package's own extended, our output settings on top. */
export function tscProjectConfig(config: ResolvedBuildConfig, facts: TscConfigFacts) {
  const { ownTsconfig: own, outDir, buildInfo } = facts;
  const rootDir = sourcesRoot(config);
  const userOptions = (config.builderOptions.compilerOptions ?? {}) as Record<string, unknown>;
  return {
    ...(own ? { extends: own } : {}),
    compilerOptions: {
      ...(own ? {} : { strict: true, esModuleInterop: true, skipLibCheck: true }),
      module: 'esnext',
      moduleResolution: 'bundler',
      resolveJsonModule: true,
      // `import './x.ts'` compiles to `import './x.js'` (TypeScript 5.7+).
      ...(facts.rewritesTsExtensions ? { allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true } : {}),
      target: tscTarget(config.target),
      ...userOptions,
      // Every output goes into the staging directory, whatever the tsconfig chain says: a
      // `declarationDir` there would write declarations into the package (over files kept
      // there) and leave them out of the build; an `outFile` would concatenate.
      ...(own ? facts.unsetInherited : {}),
      outDir,
      ...(config.dts ? { declarationDir: outDir } : {}),
      rootDir,
      declaration: config.dts,
      declarationMap: false,
      sourceMap: config.sourcemap,
      noEmit: false,
      emitDeclarationOnly: false,
      incremental: Boolean(buildInfo),
      composite: false,
      ...(buildInfo ? { tsBuildInfoFile: buildInfo } : {}),
    },
    include: [toPosix(join(rootDir, '**/*'))],
    exclude: ['**/*.test.ts', '**/*.spec.ts', '**/*.test.tsx', '**/*.spec.tsx'].map((g) => toPosix(join(rootDir, g))),
  };
}
