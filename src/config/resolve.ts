import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { buildError, fail, ok, type BuildError, type Result } from '../errors';
import { BUILD_CACHE_DIR, BUILT_IN_ENVIRONMENTS, DEFAULT_ARTIFACT_GLOBS } from './define';
import type { Format, Hook, Platform, ParsedBuildConfig } from './schema';
import { packageVersion } from '../utils/version';
import { secretValuesOfRaw } from './secrets';
import { resolveUpload, type ResolvedUpload } from './upload';
import { validateWithCache } from './validation-cache';
import { FIELD_DESCRIPTIONS } from './field-descriptions';
import { classifyUnknownKeys } from './unknown-keys';

export interface EntryPoint {
  /** Output name without extension, posix: `index`, `cli/index`. */
  name: string;
  /** Source path relative to the package root, posix. */
  path: string;
}

export interface PackageJson {
  name?: string;
  version?: string;
  type?: string;
  types?: string;
  typings?: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** Fields whose resolved value is the config's own with its default applied: typed by the schema. */
type Defaulted = 'platform' | 'sourcemap' | 'minify' | 'noExternal' | 'define' | 'builderOptions' | 'artifactGlobs' | 'cache' | 'secretEnv';
/** Fields that stay as parsed (the schema already defaults the required ones). */
type AsParsed = 'builder' | 'outputDir' | 'tsconfig' | 'runtimeValidationSchema' | 'meta' | 'friendlyName';

/**
 * A config with every default applied and every path checked: what adapters consume. Fields
 * kept as configured take their types from the schema; the rest are computed by resolution.
 */
export interface ResolvedBuildConfig extends Required<Pick<ParsedBuildConfig, Defaulted>>, Pick<ParsedBuildConfig, AsParsed> {
  /** The config's `name`, else package.json's. */
  name: string;
  workspaceRoot: string;
  packageRoot: string;
  /** Package root relative to the workspace root (posix, '' for a root package). */
  packagePath: string;
  configFile?: string;
  environment: string;
  /** From `entry`: one output name and source path per entry. */
  entries: EntryPoint[];
  format: Format[];
  target: string[];
  /** Package names kept out of bundles (`name` and `name/…`): dependencies and `external`. Node builtins are always external. */
  external: string[];
  hooks: { prebuild?: Hook; postbuild?: Hook; clean?: Hook };
  /** `clean: { keep, dryRun }`: globs (relative to the package root) inside the outputs that clean leaves. */
  cleanOptions: { keep: string[]; dryRun: boolean };
  /** Declarations on (`dts: true` or an object). */
  dts: boolean;
  /** Declarations bundled per entry and format (the default), or one file per source (`dts: { bundle: false }`). */
  dtsBundle: boolean;
  /** Config env overlaid by process.env (process.env wins), keys of `env` only. */
  env: Record<string, string>;
  packageJson: PackageJson;
  /** The `check` option resolved: `off` checks nothing, `strict` fails the build on a finding. */
  check: ResolvedCheck;
  /** Where the outputs are uploaded after a build; absent when not configured (docs/upload.md). */
  upload?: ResolvedUpload;
  /** Warnings about the config itself (unknown top-level keys): recorded, never a failure. */
  configWarnings: BuildError[];
  /** `incremental` (default true): false, every build is a full one (tsc-reuse.ts). */
  incremental: boolean;
}

export interface ResolvedCheck {
  mode: 'off' | 'warn' | 'strict';
  publint: boolean;
  attw: boolean;
}

export function resolveCheck(check: ParsedBuildConfig['check']): ResolvedCheck {
  if (check === false) return { mode: 'off', publint: false, attw: false };
  if (check === undefined || check === true || check === 'warn') return { mode: 'warn', publint: false, attw: false };
  if (check === 'strict') return { mode: 'strict', publint: false, attw: false };
  return { mode: check.strict ? 'strict' : 'warn', publint: check.publint ?? false, attw: check.attw ?? false };
}

export interface ResolveInput {
  raw: unknown;
  packageRoot: string;
  workspaceRoot: string;
  environment: string;
  /** The file the raw config came from; errors name it. */
  configFile?: string;
  processEnv?: NodeJS.ProcessEnv;
}

export const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export function readPackageJson(packageRoot: string, workspaceRoot: string): Result<PackageJson> {
  const file = join(packageRoot, 'package.json');
  const rel = toPosix(relative(workspaceRoot, file));
  if (!existsSync(file)) {
    return fail(
      buildError('PACKAGE_JSON_INVALID', `no package.json in ${toPosix(relative(workspaceRoot, packageRoot)) || '.'}`, {
        file: rel,
        phase: 'validate',
      }),
    );
  }
  try {
    return ok(JSON.parse(readFileSync(file, 'utf8')) as PackageJson);
  } catch (err) {
    return fail(
      buildError('PACKAGE_JSON_INVALID', `package.json is not valid JSON: ${(err as Error).message}`, { file: rel, phase: 'validate' }),
    );
  }
}

export async function resolveBuildConfig(input: ResolveInput): Promise<Result<ResolvedBuildConfig>> {
  const { packageRoot, workspaceRoot, environment } = input;
  const fileRel = input.configFile ? toPosix(relative(workspaceRoot, input.configFile)) : undefined;
  // zod loads only when this exact config has not been validated before.
  const shape = await validateWithCache(
    input.raw,
    packageRoot,
    packageVersion(),
    async () => {
      const { validateConfigShape } = await import('./validate');
      return validateConfigShape(input.raw, fileRel ?? 'build options');
    },
    secretValuesOfRaw(input.raw, input.processEnv ?? process.env),
  );
  const pkg = readPackageJson(packageRoot, workspaceRoot);
  if (!pkg.ok) return fail(...(shape.ok ? [] : shape.errors), ...pkg.errors);
  const packageJson = pkg.value;
  if (!shape.ok) {
    // Still report the path problems of fields that have the right type: all problems at once.
    const raw = (input.raw && typeof input.raw === 'object' ? input.raw : {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const shapeFields = new Set(shape.errors.map((e) => e.field?.split('.')[0]));
    const fields = {
      name: shapeFields.has('name') ? undefined : str(raw.name),
      outputDir: shapeFields.has('outputDir') ? undefined : str(raw.outputDir),
      entry: shapeFields.has('entry') || raw.entry === undefined ? undefined : (raw.entry as ParsedBuildConfig['entry']),
    };
    return fail(...shape.errors, ...checkFields(fields, packageJson, packageRoot, workspaceRoot, fileRel).errors);
  }

  const parsed = shape.value;
  const errors: BuildError[] = [];
  const declared = Object.keys(parsed.environments ?? {});
  if (!(BUILT_IN_ENVIRONMENTS as readonly string[]).includes(environment) && !declared.includes(environment)) {
    // A typo in `-c` must not quietly build production.
    errors.push(
      buildError('CONFIG_INVALID', `unknown environment "${environment}"`, {
        phase: 'validate',
        file: fileRel,
        field: 'environments',
        expected: [...new Set([...BUILT_IN_ENVIRONMENTS, ...declared])].map((e) => JSON.stringify(e)).join(' | '),
        found: JSON.stringify(environment),
      }),
    );
  }
  const overrides = parsed.environments?.[environment] ?? {};
  const merged = { ...parsed, ...overrides } as ParsedBuildConfig;
  merged.env = { ...(parsed.env ?? {}), ...(overrides.env ?? {}) };
  merged.define = { ...(parsed.define ?? {}), ...(overrides.define ?? {}) };
  merged.builderOptions = { ...(parsed.builderOptions ?? {}), ...(overrides.builderOptions ?? {}) };

  const name = merged.name ?? packageJson.name;
  // A custom build runs its own command: it has an entry only when the config names one.
  const entryless = merged.builder === 'custom' && (input.raw as { entry?: unknown } | undefined)?.entry === undefined;
  const checked = checkFields(entryless ? { ...merged, entry: undefined } : merged, packageJson, packageRoot, workspaceRoot, fileRel);
  errors.push(...checked.errors);
  const entries = checked.entries;

  // Artifacts are files of this package: a record never describes, nor `status` checks, others.
  (merged.artifactGlobs ?? []).forEach((glob, i) => {
    if (isAbsolute(glob) || glob.split('/').includes('..')) {
      errors.push(
        buildError('CONFIG_INVALID', 'artifact globs must stay inside the package root', {
          phase: 'validate',
          file: fileRel,
          field: `artifactGlobs.${i}`,
          expected: 'a glob relative to the package root, e.g. "dist/**"',
          found: JSON.stringify(glob),
        }),
      );
    }
  });
  // What clean keeps is inside the package: a glob leaving it could only mislead.
  (cleanObject(merged.clean)?.keep ?? []).forEach((glob, i) => {
    if (isAbsolute(glob) || glob.split('/').includes('..')) {
      errors.push(
        buildError('CONFIG_INVALID', 'clean.keep globs must stay inside the package root', {
          phase: 'validate',
          file: fileRel,
          field: `clean.keep.${i}`,
          expected: 'a glob relative to the package root, e.g. "dist/.gitkeep"',
          found: JSON.stringify(glob),
        }),
      );
    }
  });
  // An explicit tsconfig that is not there would silently fall back to the defaults.
  if (merged.tsconfig !== undefined && !existsSync(resolve(packageRoot, merged.tsconfig))) {
    errors.push(
      buildError('CONFIG_INVALID', `tsconfig "${merged.tsconfig}" does not exist`, {
        phase: 'validate',
        file: fileRel,
        field: 'tsconfig',
        expected: 'an existing tsconfig file, relative to the package root',
        found: JSON.stringify(merged.tsconfig),
      }),
    );
  }
  const env = resolveEnv(merged.env ?? {}, input.processEnv ?? process.env);
  if (merged.runtimeValidationSchema) {
    const result = merged.runtimeValidationSchema.safeParse({ ...(input.processEnv ?? process.env), ...env });
    if (!result.success) {
      const issues = (result.error as { issues?: { path: PropertyKey[]; message: string }[] })?.issues ?? [];
      for (const issue of issues.length ? issues : [{ path: [], message: 'invalid' }]) {
        errors.push(
          buildError('RUNTIME_VALIDATION_FAILED', issue.message, {
            phase: 'validate',
            file: fileRel,
            field: `runtimeValidationSchema${issue.path.length ? '.' + issue.path.map(String).join('.') : ''}`,
          }),
        );
      }
    }
  }

  const upload = resolveUpload(merged.upload, { workspaceRoot, packageRoot }, fileRel);
  if (!upload.ok) errors.push(...upload.errors);

  if (errors.length || !upload.ok) return fail(...errors);

  const noExternal = merged.noExternal ?? [];
  const deps = [
    ...Object.keys(packageJson.dependencies ?? {}),
    ...Object.keys(packageJson.peerDependencies ?? {}),
    ...Object.keys(packageJson.optionalDependencies ?? {}),
    ...(merged.external ?? []),
  ];
  const external = [...new Set(deps)].filter((d) => !noExternal.includes(d)).sort();
  const format =
    merged.format === undefined ? (['esm'] as Format[]) : Array.isArray(merged.format) ? [...new Set(merged.format)] : [merged.format];
  const outDir = checked.outputDir ?? merged.outputDir;

  return ok({
    name: name!,
    workspaceRoot,
    packageRoot,
    packagePath: toPosix(relative(workspaceRoot, packageRoot)),
    configFile: input.configFile,
    environment,
    builder: merged.builder,
    entries,
    outputDir: outDir,
    format,
    platform: merged.platform ?? 'node',
    target:
      merged.target === undefined
        ? defaultTarget(packageJson, merged.platform ?? 'node')
        : Array.isArray(merged.target)
          ? merged.target
          : [merged.target],
    sourcemap: merged.sourcemap ?? false,
    minify: merged.minify ?? false,
    external,
    noExternal,
    define: merged.define ?? {},
    dts: merged.dts === undefined ? !entryless && Boolean(packageJson.types ?? packageJson.typings) : merged.dts !== false,
    dtsBundle: typeof merged.dts === 'object' ? merged.dts.bundle !== false : true,
    tsconfig: merged.tsconfig,
    builderOptions: merged.builderOptions ?? {},
    artifactGlobs: merged.artifactGlobs ?? [...new Set([`${outDir}/**`, ...DEFAULT_ARTIFACT_GLOBS])],
    cache: merged.cache ?? {},
    hooks: { prebuild: merged.prebuild, postbuild: merged.postbuild, clean: cleanHook(merged.clean) },
    cleanOptions: { keep: cleanObject(merged.clean)?.keep ?? [], dryRun: cleanObject(merged.clean)?.dryRun ?? false },
    env,
    secretEnv: merged.secretEnv ?? [],
    packageJson,
    runtimeValidationSchema: merged.runtimeValidationSchema,
    check: resolveCheck(merged.check),
    ...(upload.value ? { upload: upload.value } : {}),
    ...(merged.meta ? { meta: merged.meta } : {}),
    ...(merged.friendlyName ? { friendlyName: merged.friendlyName } : {}),
    incremental: merged.incremental ?? true,
    configWarnings: unknownKeyWarnings(input.raw, fileRel ?? 'build options'),
  });
}

type CleanObject = { command?: Hook; keep?: string[]; dryRun?: boolean };
/** `clean` in its object form (`{ command, keep, dryRun }`), not a hook. */
function cleanObject(clean: ParsedBuildConfig['clean']): CleanObject | undefined {
  if (!clean || typeof clean !== 'object' || 'cmd' in clean) return undefined;
  return clean as CleanObject;
}

function cleanHook(clean: ParsedBuildConfig['clean']): Hook | undefined {
  const object = cleanObject(clean);
  return object ? object.command : (clean as Hook | undefined);
}

/** The package's own top-level keys (not typos of documented ones, which fail validation). */
function unknownKeyWarnings(raw: unknown, file: string): BuildError[] {
  if (!raw || typeof raw !== 'object') return [];
  return classifyUnknownKeys(raw as Record<string, unknown>, Object.keys(FIELD_DESCRIPTIONS), file).warnings;
}

/** Checks beyond the schema: name matches package.json, outputDir is safe, entries exist. */
function checkFields(
  fields: { name?: string; outputDir?: string; entry?: ParsedBuildConfig['entry'] },
  packageJson: PackageJson,
  packageRoot: string,
  workspaceRoot: string,
  fileRel: string | undefined,
): { errors: BuildError[]; entries: EntryPoint[]; outputDir?: string } {
  const errors: BuildError[] = [];
  const at = (field: string, message: string, extra: Partial<BuildError> = {}) =>
    errors.push(buildError('CONFIG_INVALID', message, { phase: 'validate', file: fileRel, field, ...extra }));
  if (!packageJson.name) {
    errors.push(
      buildError('PACKAGE_JSON_INVALID', 'package.json has no "name"', {
        phase: 'validate',
        file: toPosix(relative(workspaceRoot, join(packageRoot, 'package.json'))),
        field: 'name',
      }),
    );
  } else if (fields.name && fields.name !== packageJson.name) {
    at('name', 'name must equal package.json "name"', { expected: JSON.stringify(packageJson.name), found: JSON.stringify(fields.name) });
  }
  const entries = fields.entry === undefined ? [] : resolveEntries(fields.entry);
  let outputDir: string | undefined;
  if (fields.outputDir !== undefined) {
    const checked = checkOutputDir(
      fields.outputDir,
      packageRoot,
      entries.map((e) => e.path),
    );
    if (checked.ok) outputDir = checked.value;
    else for (const e of checked.errors) at('outputDir', e.message, { expected: e.expected, found: e.found });
  }
  for (const entry of entries) {
    const abs = resolve(packageRoot, entry.path);
    if (!isInside(abs, packageRoot)) {
      at('entry', `entry "${entry.path}" is outside the package`, { expected: 'a path inside the package root', found: entry.path });
    } else if (!existsSync(abs)) {
      errors.push(
        buildError('ENTRY_NOT_FOUND', `entry file "${entry.path}" does not exist`, {
          phase: 'validate',
          file: fileRel,
          field: 'entry',
          expected: 'an existing file',
          found: entry.path,
        }),
      );
    }
  }
  // Two entries with one output name would overwrite each other's bundle.
  const byName = new Map<string, string>();
  for (const entry of entries) {
    const other = byName.get(entry.name);
    if (other !== undefined)
      at('entry', `entries "${other}" and "${entry.path}" would both write the output "${entry.name}"`, {
        expected: 'one output name per entry',
        found: entry.name,
      });
    else byName.set(entry.name, entry.path);
  }
  return { errors, entries, outputDir };
}

/** process.env wins over the config's defaults (README.md, "build.config.ts"). */
export function resolveEnv(configEnv: Record<string, string>, processEnv: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(configEnv)) out[k] = processEnv[k] ?? v;
  return out;
}

/** `engines.node: ">=20"` → `node20`; browsers get esbuild's default (esnext). */
function defaultTarget(pkg: PackageJson, platform: Platform): string[] {
  if (platform !== 'node') return ['es2022'];
  const m = /(\d+)/.exec(pkg.engines?.node ?? '');
  return [`node${m ? m[1] : '20'}`];
}

/**
 * Output names: a string entry is named after its file; an array after each path below the
 * entries' common directory; an object names them explicitly (README.md, "build.config.ts").
 */
export function resolveEntries(entry: ParsedBuildConfig['entry']): EntryPoint[] {
  const strip = (p: string) => p.replace(/\.(d\.)?[cm]?[jt]sx?$/, '');
  // Windows separators in a config mean the same path on every machine.
  const norm = (p: string) => posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (typeof entry === 'string') return [{ name: posix.basename(strip(norm(entry))), path: norm(entry) }];
  if (Array.isArray(entry)) {
    const paths = entry.map(norm);
    const common = commonDir(paths.map((p) => posix.dirname(p)));
    return paths.map((p) => ({ name: strip(common ? posix.relative(common, p) : p), path: p }));
  }
  return Object.entries(entry).map(([name, p]) => ({ name: strip(norm(name)), path: norm(p) }));
}

/** Longest common directory of posix directory paths ('' when none). */
export function commonDir(dirs: string[]): string {
  if (dirs.length === 0) return '';
  let parts = dirs[0] === '.' ? [] : dirs[0].split('/');
  for (const d of dirs.slice(1)) {
    const other = d === '.' ? [] : d.split('/');
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/');
}

/**
 * outputDir must be a strict descendant of the package root, not the build cache, not reach
 * out through a symlink, not be a file and not hold the sources (`keep`: package-relative
 * paths, the entries): clean and the staging swap replace it whole.
 */
export function checkOutputDir(rawOutputDir: string, packageRoot: string, keep: readonly string[] = []): Result<string> {
  const found = JSON.stringify(rawOutputDir);
  const outputDir = rawOutputDir.replace(/\\/g, '/');
  const expected = 'a directory inside the package root, e.g. "dist"';
  if (isAbsolute(outputDir) || /^[A-Za-z]:\//.test(outputDir))
    return fail(buildError('UNSAFE_PATH', 'outputDir must be relative to the package root', { expected, found }));
  const abs = resolve(packageRoot, outputDir);
  if (!isInside(abs, packageRoot) || abs === resolve(packageRoot)) {
    return fail(
      buildError(
        'UNSAFE_PATH',
        abs === resolve(packageRoot) ? 'outputDir must not be the package root' : 'outputDir must not leave the package root',
        { expected, found },
      ),
    );
  }
  const rel = toPosix(relative(packageRoot, abs));
  if (rel === BUILD_CACHE_DIR || rel.startsWith(`${BUILD_CACHE_DIR}/`) || rel === 'node_modules' || rel.startsWith('node_modules/')) {
    return fail(buildError('UNSAFE_PATH', `outputDir must not be ${rel.split('/')[0]}`, { expected, found }));
  }
  if (!realpathInside(abs, packageRoot)) {
    return fail(buildError('UNSAFE_PATH', 'outputDir resolves through a symlink to outside the package root', { expected, found }));
  }
  if (existsSync(abs) && !statSync(abs).isDirectory()) {
    return fail(buildError('UNSAFE_PATH', `outputDir "${rel}" is an existing file, which a build would replace`, { expected, found }));
  }
  const source = keep.find((k) => k === rel || k.startsWith(`${rel}/`));
  if (source !== undefined) {
    return fail(
      buildError('UNSAFE_PATH', `outputDir "${rel}" holds the entry "${source}": a build would replace the sources with its outputs`, {
        expected,
        found,
      }),
    );
  }
  return ok(rel);
}

/** Follows symlinks of the deepest existing ancestor. */
export function realpathInside(abs: string, root: string): boolean {
  let probe = abs;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  try {
    const real = realpathSync(probe);
    const realRoot = realpathSync(root);
    return real === realRoot ? probe !== abs || abs === root : isInside(real, realRoot);
  } catch {
    return false;
  }
}

export function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel !== '' ? !rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`) : true;
}

/**
 * Where a package's tsconfig.json may be, nearest first: the package root, then each directory
 * up to the workspace root (as tsc and tsdown look for it). Only the package root when the
 * package is not inside the workspace root.
 */
export function tsconfigCandidates(packageRoot: string, workspaceRoot: string): string[] {
  const root = resolve(workspaceRoot);
  const candidates = [join(resolve(packageRoot), 'tsconfig.json')];
  if (!isInside(packageRoot, root)) return candidates;
  for (let dir = resolve(packageRoot); dir !== root && dirname(dir) !== dir;) {
    dir = dirname(dir);
    candidates.push(join(dir, 'tsconfig.json'));
  }
  return candidates;
}

/**
 * The tsconfig a package really builds with, absolute: the `tsconfig` option, else the nearest
 * tsconfig.json from the package root up to the workspace root; undefined when there is none.
 * tsc builds, declarations, the config-inputs scan and the record all take it from here.
 */
export function packageTsconfig(config: Pick<ResolvedBuildConfig, 'packageRoot' | 'workspaceRoot' | 'tsconfig'>): string | undefined {
  if (config.tsconfig !== undefined) return resolve(config.packageRoot, config.tsconfig);
  return tsconfigCandidates(config.packageRoot, config.workspaceRoot).find((f) => existsSync(f));
}

/**
 * The tsconfig a package builds with (packageTsconfig), or the package's `tsconfig.json` path
 * when there is none (callers test that it exists before extending it).
 */
export function ownTsconfigPath(config: Pick<ResolvedBuildConfig, 'packageRoot' | 'workspaceRoot' | 'tsconfig'>): string {
  return packageTsconfig(config) ?? resolve(config.packageRoot, 'tsconfig.json');
}

/** A path a tool reported (relative to the package, or absolute) as errors show it: workspace-relative, posix. */
export function workspacePath(config: Pick<ResolvedBuildConfig, 'workspaceRoot' | 'packageRoot'>, file: string): string {
  return toPosix(relative(config.workspaceRoot, resolve(config.packageRoot, file)));
}

export function toPosix(p: string): string {
  return p.split(sep).join('/');
}
