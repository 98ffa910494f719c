import type { TypedBuildConfig } from './builder-options-types';

/**
 * Kept free of zod and of the pipeline: every build.config.ts imports this module at graph
 * time, so it must cost nothing to load.
 */
export const FORMATS = ['esm', 'cjs'] as const;
export const PLATFORMS = ['node', 'browser', 'neutral'] as const;

export const CONFIG_FILE_NAMES = [
  'build.config.ts',
  'build.config.mts',
  'build.config.cts',
  'build.config.mjs',
  'build.config.js',
  'build.config.cjs',
] as const;
export const CONFIG_GLOB = '**/build.config.{ts,mts,cts,mjs,js,cjs}';
export const DEFAULT_ARTIFACT_GLOBS = ['dist/**', 'build/**', 'lib/**', '*.tgz'];
export const BUILD_CACHE_DIR = '.build-cache';

/**
 * Directories that are never a package's sources: dependencies, version control, and the state
 * of this plugin, Nx and Turborepo (turbo writes `.turbo/turbo-<task>.log` in the package while
 * the task runs, so hashing it would make every run look changed).
 */
export const NOT_SOURCE_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', BUILD_CACHE_DIR, '.nx', '.turbo']);
/** Environments every package has (Nx configurations of the build target), overrides or not. */
export const BUILT_IN_ENVIRONMENTS = ['development', 'ci', 'production'] as const;

export interface ConfigContext {
  environment: string;
}
export type BuildConfigExport =
  TypedBuildConfig | Promise<TypedBuildConfig> | ((ctx: ConfigContext) => TypedBuildConfig | Promise<TypedBuildConfig>);

/** Typed identity helper for build.config.ts. */
export function defineBuildConfig<T extends BuildConfigExport>(config: T): T {
  return config;
}
