import { relative } from 'node:path';
import { fail, ok, type BuildError, type Result } from '../errors';
import { readPackageJsonResult, type PackageJson } from '../utils/package-json';
import { packageVersion } from '../utils/version';
import { FIELD_DESCRIPTIONS } from './field-descriptions';
import { checkEnvironmentName, checkName, runtimeValidationErrors } from './resolve/checks';
import { applyDefaults, cleanObject, mergeEnvironment, resolveEnv } from './resolve/defaults';
import { resolveEntries } from './resolve/entries';
import {
  checkEntryFiles,
  checkGlobsInsidePackage,
  checkOutputDirField,
  checkOutputNames,
  checkTsconfigExists,
  toPosix,
  type PathContext,
} from './resolve/paths';
import type { ResolvedBuildConfig, ResolveInput, EntryPoint } from './resolve/types';
import type { ParsedBuildConfig } from './schema';
import { secretValuesOfRaw } from './secrets';
import { resolveUpload } from './upload';
import { validateWithCache } from './validation-cache';
import { classifyUnknownKeys } from './unknown-keys';

/**
 * Resolution: a raw config validated, checked against the package's files (resolve/paths.ts,
 * resolve/checks.ts) and completed with its defaults (resolve/defaults.ts), all problems at once.
 */

export type { PackageJson } from '../utils/package-json';
export type { EntryPoint, ResolvedBuildConfig, ResolvedCheck, ResolveInput } from './resolve/types';
export { NODE_BUILTINS, resolveCheck, resolveEnv } from './resolve/defaults';
export { commonDir, resolveEntries } from './resolve/entries';
export {
  checkOutputDir,
  isInside,
  ownTsconfigPath,
  packageTsconfig,
  realpathInside,
  toPosix,
  tsconfigCandidates,
  workspacePath,
} from './resolve/paths';

/** A raw config (as loaded) for one package and environment: the resolved config, or every problem found, located. */
export async function resolveBuildConfig(input: ResolveInput): Promise<Result<ResolvedBuildConfig>> {
  const ctx: PathContext = {
    packageRoot: input.packageRoot,
    workspaceRoot: input.workspaceRoot,
    file: input.configFile ? toPosix(relative(input.workspaceRoot, input.configFile)) : undefined,
  };
  const shape = await validateShape(input, ctx.file);
  const pkg = readPackageJsonResult(input.packageRoot, input.workspaceRoot);
  if (!pkg.ok) return fail(...(shape.ok ? [] : shape.errors), ...pkg.errors.map((e) => ({ ...e, phase: 'validate' as const })));
  // Still report the path problems of fields that have the right type: all problems at once.
  if (!shape.ok) return fail(...shape.errors, ...checkFields(fieldsOfRightType(input.raw, shape.errors), pkg.value, ctx).errors);
  return resolveValid(shape.value, pkg.value, input, ctx);
}

/** The config's shape (zod), loaded only when this exact config has not been validated before. */
function validateShape(input: ResolveInput, file: string | undefined): Promise<Result<ParsedBuildConfig>> {
  return validateWithCache(
    input.raw,
    input.packageRoot,
    packageVersion(),
    async () => {
      const { validateConfigShape } = await import('./validate');
      return validateConfigShape(input.raw, file ?? 'build options');
    },
    secretValuesOfRaw(input.raw, input.processEnv ?? process.env),
  );
}

/** A config of the right shape: checked, then completed with its defaults. */
function resolveValid(
  parsed: ParsedBuildConfig,
  packageJson: PackageJson,
  input: ResolveInput,
  ctx: PathContext,
): Result<ResolvedBuildConfig> {
  const merged = mergeEnvironment(parsed, input.environment);
  // A custom build runs its own command: it has an entry only when the config names one.
  const entryless = merged.builder === 'custom' && (input.raw as { entry?: unknown } | undefined)?.entry === undefined;
  const checked = checkFields(entryless ? { ...merged, entry: undefined } : merged, packageJson, ctx);
  const processEnv = input.processEnv ?? process.env;
  const buildEnv = { ...processEnv, ...resolveEnv(merged.env ?? {}, processEnv) };
  const upload = resolveUpload(merged.upload, ctx, ctx.file);
  const errors = [
    ...checkEnvironmentName(parsed, input.environment, ctx.file),
    ...checked.errors,
    ...checkGlobsInsidePackage(merged.artifactGlobs ?? [], { field: 'artifactGlobs', label: 'artifact', example: 'dist/**' }, ctx),
    ...checkGlobsInsidePackage(
      cleanObject(merged.clean)?.keep ?? [],
      { field: 'clean.keep', label: 'clean.keep', example: 'dist/.gitkeep' },
      ctx,
    ),
    ...checkTsconfigExists(merged.tsconfig, ctx),
    ...runtimeValidationErrors(merged.runtimeValidationSchema, buildEnv, ctx.file),
    ...(upload.ok ? [] : upload.errors),
  ];
  if (errors.length || !upload.ok) return fail(...errors);
  return ok(
    applyDefaults(merged, {
      workspaceRoot: input.workspaceRoot,
      packageRoot: input.packageRoot,
      configFile: input.configFile,
      environment: input.environment,
      packageJson,
      entries: checked.entries,
      checkedOutputDir: checked.outputDir,
      entryless,
      processEnv,
      upload: upload.value,
      configWarnings: unknownKeyWarnings(input.raw, ctx.file ?? 'build options'),
    }),
  );
}

type PathFields = { name?: string; outputDir?: string; entry?: ParsedBuildConfig['entry'] };

/** Checks beyond the schema: name matches package.json, outputDir is safe, entries exist and have distinct names. */
function checkFields(
  fields: PathFields,
  packageJson: PackageJson,
  ctx: PathContext,
): { errors: BuildError[]; entries: EntryPoint[]; outputDir?: string } {
  const entries = fields.entry === undefined ? [] : resolveEntries(fields.entry);
  const outputDir = fields.outputDir === undefined ? undefined : checkOutputDirField(fields.outputDir, entries, ctx);
  const errors = [
    ...checkName(fields.name, packageJson, ctx),
    ...(outputDir && !outputDir.ok ? outputDir.errors : []),
    ...checkEntryFiles(entries, ctx),
    ...checkOutputNames(entries, ctx),
  ];
  return { errors, entries, outputDir: outputDir?.ok ? outputDir.value : undefined };
}

/** In a config that failed validation, the checked fields whose type is right (the others have their error already). */
function fieldsOfRightType(raw: unknown, shapeErrors: readonly BuildError[]): PathFields {
  const object = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const invalid = new Set(shapeErrors.map((e) => e.field?.split('.')[0]));
  return {
    name: invalid.has('name') ? undefined : str(object.name),
    outputDir: invalid.has('outputDir') ? undefined : str(object.outputDir),
    entry: invalid.has('entry') || object.entry === undefined ? undefined : (object.entry as ParsedBuildConfig['entry']),
  };
}

/** The package's own top-level keys (not typos of documented ones, which fail validation). */
function unknownKeyWarnings(raw: unknown, file: string): BuildError[] {
  if (!raw || typeof raw !== 'object') return [];
  return classifyUnknownKeys(raw as Record<string, unknown>, Object.keys(FIELD_DESCRIPTIONS), file).warnings;
}
