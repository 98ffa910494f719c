import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { buildError, fail, ok, type BuildError, type ErrorCode, type Result } from '../../errors';
import { BUILD_CACHE_DIR } from '../define';
import type { EntryPoint, ResolvedBuildConfig } from './types';

/**
 * The path checks of resolution (entries, outputDir, tsconfig, globs that must stay inside the
 * package) as located errors, and the path helpers built on them.
 */

/** Where the checked paths live, and the config file the errors name. */
export interface PathContext {
  packageRoot: string;
  workspaceRoot: string;
  /** The config file, workspace-relative. */
  file?: string;
}

function configError(
  ctx: PathContext,
  field: string,
  message: string,
  extra: Partial<BuildError> = {},
  code: ErrorCode = 'CONFIG_INVALID',
) {
  return buildError(code, message, { phase: 'validate', file: ctx.file, field, ...extra });
}

/** `outputDir` checked (checkOutputDir) against the entries it must not hold: the normalised path, or located errors. */
export function checkOutputDirField(outputDir: string, entries: readonly EntryPoint[], ctx: PathContext): Result<string> {
  const checked = checkOutputDir(
    outputDir,
    ctx.packageRoot,
    entries.map((e) => e.path),
  );
  if (checked.ok) return checked;
  return fail(...checked.errors.map((e) => configError(ctx, 'outputDir', e.message, { expected: e.expected, found: e.found })));
}

/** Each entry is a file inside the package. */
export function checkEntryFiles(entries: readonly EntryPoint[], ctx: PathContext): BuildError[] {
  const errors: BuildError[] = [];
  for (const entry of entries) {
    const abs = resolve(ctx.packageRoot, entry.path);
    if (!isInside(abs, ctx.packageRoot)) {
      errors.push(
        configError(ctx, 'entry', `entry "${entry.path}" is outside the package`, {
          expected: 'a path inside the package root',
          found: entry.path,
        }),
      );
    } else if (!existsSync(abs)) {
      const found = { expected: 'an existing file', found: entry.path };
      errors.push(configError(ctx, 'entry', `entry file "${entry.path}" does not exist`, found, 'ENTRY_NOT_FOUND'));
    }
  }
  return errors;
}

/** Two entries with one output name would overwrite each other's bundle. */
export function checkOutputNames(entries: readonly EntryPoint[], ctx: PathContext): BuildError[] {
  const errors: BuildError[] = [];
  const byName = new Map<string, string>();
  for (const entry of entries) {
    const other = byName.get(entry.name);
    if (other !== undefined)
      errors.push(
        configError(ctx, 'entry', `entries "${other}" and "${entry.path}" would both write the output "${entry.name}"`, {
          expected: 'one output name per entry',
          found: entry.name,
        }),
      );
    else byName.set(entry.name, entry.path);
  }
  return errors;
}

/** A glob option naming files of this package: its field, what the message calls it, an example. */
export interface PackageGlobField {
  field: 'artifactGlobs' | 'clean.keep';
  label: string;
  example: string;
}

/**
 * Artifacts are files of this package: a record never describes, nor `status` checks, others.
 * What clean keeps is inside the package too: a glob leaving it could only mislead.
 */
export function checkGlobsInsidePackage(globs: readonly string[], glob: PackageGlobField, ctx: PathContext): BuildError[] {
  const errors: BuildError[] = [];
  globs.forEach((pattern, i) => {
    if (isAbsolute(pattern) || pattern.split('/').includes('..')) {
      errors.push(
        configError(ctx, `${glob.field}.${i}`, `${glob.label} globs must stay inside the package root`, {
          expected: `a glob relative to the package root, e.g. ${JSON.stringify(glob.example)}`,
          found: JSON.stringify(pattern),
        }),
      );
    }
  });
  return errors;
}

/** An explicit tsconfig that is not there would silently fall back to the defaults. */
export function checkTsconfigExists(tsconfig: string | undefined, ctx: PathContext): BuildError[] {
  if (tsconfig === undefined || existsSync(resolve(ctx.packageRoot, tsconfig))) return [];
  return [
    configError(ctx, 'tsconfig', `tsconfig "${tsconfig}" does not exist`, {
      expected: 'an existing tsconfig file, relative to the package root',
      found: JSON.stringify(tsconfig),
    }),
  ];
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
 * tsc builds, declarations, the config-dependencies scan and the record all take it from here.
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
