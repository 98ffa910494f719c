import { builtinModules } from 'node:module';
import { relative } from 'node:path';
import type { BuildError } from '../../errors';
import type { PackageJson } from '../../utils/package-json';
import { DEFAULT_ARTIFACT_GLOBS } from '../define';
import type { Format, Hook, ParsedBuildConfig, Platform } from '../schema';
import type { ResolvedUpload } from '../upload';
import { toPosix } from './paths';
import type { EntryPoint, ResolvedBuildConfig, ResolvedCheck } from './types';

/**
 * Pure: a parsed config with one environment's overrides merged in, and every default applied.
 * The files are read and the paths checked by the caller (resolve.ts, resolve/paths.ts).
 */

/** What resolution found out before applying the defaults: where the package is, and its checked paths. */
export interface ResolutionFacts {
  workspaceRoot: string;
  packageRoot: string;
  configFile?: string;
  environment: string;
  packageJson: PackageJson;
  /** The checked entries (none for a custom build without `entry`). */
  entries: EntryPoint[];
  /** `outputDir` as the path checks normalised it, when they did. */
  checkedOutputDir?: string;
  /** A custom build without `entry`: it runs its own command, so declarations are off unless asked for. */
  entryless: boolean;
  processEnv: NodeJS.ProcessEnv;
  upload?: ResolvedUpload;
  configWarnings: BuildError[];
}

/** The environment's overrides over the base config; `env`, `define` and `builderOptions` merge key by key. */
export function mergeEnvironment(parsed: ParsedBuildConfig, environment: string): ParsedBuildConfig {
  const overrides = parsed.environments?.[environment] ?? {};
  const merged = { ...parsed, ...overrides } as ParsedBuildConfig;
  merged.env = { ...(parsed.env ?? {}), ...(overrides.env ?? {}) };
  merged.define = { ...(parsed.define ?? {}), ...(overrides.define ?? {}) };
  merged.builderOptions = { ...(parsed.builderOptions ?? {}), ...(overrides.builderOptions ?? {}) };
  return merged;
}

/** The merged config with every default applied: the resolved config adapters consume. */
export function applyDefaults(merged: ParsedBuildConfig, facts: ResolutionFacts): ResolvedBuildConfig {
  const { packageJson } = facts;
  const outputDir = facts.checkedOutputDir ?? merged.outputDir;
  const platform = merged.platform ?? 'node';
  const clean = cleanObject(merged.clean);
  return {
    name: (merged.name ?? packageJson.name)!,
    workspaceRoot: facts.workspaceRoot,
    packageRoot: facts.packageRoot,
    packagePath: toPosix(relative(facts.workspaceRoot, facts.packageRoot)),
    configFile: facts.configFile,
    environment: facts.environment,
    builder: merged.builder,
    entries: facts.entries,
    outputDir,
    format: resolveFormat(merged.format),
    platform,
    target: merged.target === undefined ? defaultTarget(packageJson, platform) : arrayOf(merged.target),
    sourcemap: merged.sourcemap ?? false,
    minify: merged.minify ?? false,
    external: resolveExternal(packageJson, merged.external ?? [], merged.noExternal ?? []),
    noExternal: merged.noExternal ?? [],
    define: merged.define ?? {},
    dts: merged.dts === undefined ? !facts.entryless && declaresTypes(packageJson) : merged.dts !== false,
    dtsBundle: typeof merged.dts === 'object' ? merged.dts.bundle !== false : true,
    tsconfig: merged.tsconfig,
    builderOptions: merged.builderOptions ?? {},
    artifactGlobs: merged.artifactGlobs ?? [...new Set([`${outputDir}/**`, ...DEFAULT_ARTIFACT_GLOBS])],
    cache: merged.cache ?? {},
    hooks: { prebuild: merged.prebuild, postbuild: merged.postbuild, clean: cleanHook(merged.clean) },
    cleanOptions: { keep: clean?.keep ?? [], dryRun: clean?.dryRun ?? false },
    env: resolveEnv(merged.env ?? {}, facts.processEnv),
    secretEnv: merged.secretEnv ?? [],
    packageJson,
    runtimeValidationSchema: merged.runtimeValidationSchema,
    check: resolveCheck(merged.check),
    ...(facts.upload ? { upload: facts.upload } : {}),
    ...(merged.meta ? { meta: merged.meta } : {}),
    ...(merged.friendlyName ? { friendlyName: merged.friendlyName } : {}),
    incremental: merged.incremental ?? true,
    configWarnings: facts.configWarnings,
  };
}

/** process.env wins over the config's defaults (README.md, "build.config.ts"). */
export function resolveEnv(configEnv: Record<string, string>, processEnv: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(configEnv)) out[k] = processEnv[k] ?? v;
  return out;
}

export function resolveCheck(check: ParsedBuildConfig['check']): ResolvedCheck {
  if (check === false) return { mode: 'off', publint: false, attw: false };
  if (check === undefined || check === true || check === 'warn') return { mode: 'warn', publint: false, attw: false };
  if (check === 'strict') return { mode: 'strict', publint: false, attw: false };
  return { mode: check.strict ? 'strict' : 'warn', publint: check.publint ?? false, attw: check.attw ?? false };
}

/** ESM unless configured; package.json `type` only names the ESM files (docs/builders.md#output-files). */
export function resolveFormat(format: ParsedBuildConfig['format']): Format[] {
  if (format === undefined) return ['esm'];
  return Array.isArray(format) ? [...new Set(format)] : [format];
}

/** `engines.node: ">=20"` → `node20`; browsers get es2022. */
export function defaultTarget(pkg: PackageJson, platform: Platform): string[] {
  if (platform !== 'node') return ['es2022'];
  const m = /(\d+)/.exec(pkg.engines?.node ?? '');
  return [`node${m ? m[1] : '20'}`];
}

/** Node's builtin modules, bare and `node:`-prefixed: always external. */
export const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** What bundles leave out: the package's dependencies, peer and optional ones, and `external`, less `noExternal`; sorted. */
export function resolveExternal(pkg: PackageJson, external: readonly string[], noExternal: readonly string[]): string[] {
  const deps = [
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
    ...external,
  ];
  return [...new Set(deps)].filter((d) => !noExternal.includes(d)).sort();
}

/** A package that publishes types (`types` or `typings`) gets declarations by default. */
export function declaresTypes(pkg: PackageJson): boolean {
  return Boolean(pkg.types ?? pkg.typings);
}

type CleanObject = { command?: Hook; keep?: string[]; dryRun?: boolean };

/** `clean` in its object form (`{ command, keep, dryRun }`), not a hook. */
export function cleanObject(clean: ParsedBuildConfig['clean']): CleanObject | undefined {
  if (!clean || typeof clean !== 'object' || 'cmd' in clean) return undefined;
  return clean as CleanObject;
}

function cleanHook(clean: ParsedBuildConfig['clean']): Hook | undefined {
  const object = cleanObject(clean);
  return object ? object.command : (clean as Hook | undefined);
}

function arrayOf<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
