import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { unsafeBuildCache } from '../config/build-cache';
import { BUILD_CACHE_DIR } from '../config/define';
import { checkOutputDir, toPosix } from '../config/resolve';
import { removeTree } from '../utils/files';
import { fastGlob } from '../utils/glob';
import { errorFromUnknown, exitCodeFor, formatError, type BuildError } from '../errors';
import { runHook } from './hooks';
import { lockPackage } from './lock';
import { loadProjectConfig } from './load-project-config';
import { JobLog, type TerminalSink } from './log';
import { captureOutput, type OutputSink } from './output-capture';
import { JsonRecordStore } from './records/json-store';
import type { RecordStore } from './records/store';
import { DEFAULT_ENVIRONMENT } from './pipeline';

export interface CleanRequest {
  workspaceRoot: string;
  packageRoot: string;
  environment?: string;
  inlineConfig?: Record<string, unknown>;
  /** Also remove `.build-cache` (records, logs, incremental state). */
  cache?: boolean;
  /** Only list what would go (also when the config says `clean: { dryRun: true }`): nothing is deleted, no hook runs. */
  dryRun?: boolean;
  lockTimeoutMs?: number;
  terminal?: TerminalSink;
  signal?: AbortSignal;
  store?: RecordStore;
  processEnv?: NodeJS.ProcessEnv;
}

export interface CleanResult {
  exitCode: number;
  errors: BuildError[];
  /** Paths removed (with dryRun: that would be), relative to the package root. */
  removed: string[];
  /** Present and true when nothing was deleted: `removed` is what a clean would remove. */
  dryRun?: boolean;
}

/**
 * Removes a package's outputs under its lock. Deletes nothing outside the package root, nor
 * the root itself, whatever the config says (outputDir is checked, symlinks are not followed,
 * a `.build-cache` that is or holds a symlink is refused). What a clean hook function prints
 * goes through the log, masked.
 */
export function runClean(req: CleanRequest): Promise<CleanResult> {
  return captureOutput((route) => cleanWithLog(req, route));
}

async function cleanWithLog(req: CleanRequest, route: (sink: OutputSink) => void): Promise<CleanResult> {
  const processEnv = req.processEnv ?? process.env;
  const terminal = req.terminal ?? ((t: string) => process.stdout.write(t));
  const signal = req.signal ?? new AbortController().signal;
  const errors: BuildError[] = [];
  const removed: string[] = [];
  const loaded = await loadProjectConfig({ ...req, environment: req.environment ?? DEFAULT_ENVIRONMENT, processEnv });
  if (!loaded.ok) return done(loaded.errors);
  const config = loaded.value;
  const safe = checkOutputDir(config.outputDir, config.packageRoot);
  if (!safe.ok) {
    const file = config.configFile ? toPosix(relative(config.workspaceRoot, config.configFile)) : undefined;
    return done(safe.errors.map((e) => ({ ...e, phase: 'clean' as const, file, field: 'outputDir' })));
  }
  const unsafeCache = unsafeBuildCache(config.packageRoot, config.workspaceRoot);
  if (unsafeCache) return done([{ ...unsafeCache, phase: 'clean' }]);
  const dryRun = req.dryRun || config.cleanOptions.dryRun;
  if (dryRun) {
    removed.push(
      ...outputsToRemove(config.packageRoot, safe.value, config.cleanOptions.keep),
      ...cacheEntriesToRemove(config.packageRoot, req.cache),
    );
    if (req.cache && existsSync(join(config.packageRoot, BUILD_CACHE_DIR))) removed.push(BUILD_CACHE_DIR);
    return { exitCode: 0, errors: [], removed, dryRun: true };
  }
  const packagePath = toPosix(relative(req.workspaceRoot, req.packageRoot));
  const log = new JobLog(req.store ?? new JsonRecordStore(req.workspaceRoot), { id: 'clean', packagePath }, terminal);
  log.setSecrets(loaded.secrets);
  route((text) => log.write(text));
  const lock = await lockPackage({ config, processEnv, timeoutMs: req.lockTimeoutMs, signal, info: (message) => log.info(message) });
  if (!lock.ok) return done(lock.errors);
  try {
    if (config.hooks.clean) {
      errors.push(
        ...(await runHook({ phase: 'clean', hook: config.hooks.clean, config, env: { ...processEnv, ...config.env }, log, signal })),
      );
    }
    for (const rel of [
      ...outputsToRemove(config.packageRoot, safe.value, config.cleanOptions.keep),
      ...cacheEntriesToRemove(config.packageRoot, req.cache),
    ]) {
      removeTree(join(config.packageRoot, rel));
      removed.push(rel);
    }
  } catch (err) {
    errors.push(errorFromUnknown('INTERNAL', err, { phase: 'clean' }));
  } finally {
    await lock.value.release();
    // Empty now, unless a waiting build has taken the lock meanwhile (or it is a mount point).
    if (req.cache && errors.length === 0 && removeIfEmpty(join(config.packageRoot, BUILD_CACHE_DIR))) removed.push(BUILD_CACHE_DIR);
  }
  for (const e of errors) log.error(formatError(e));

  return done(errors);

  function done(errs: BuildError[]): CleanResult {
    if (errs.length && !errors.length) for (const e of errs) terminal(`error: ${formatError(e)}\n`);
    return { exitCode: exitCodeFor(errs), errors: errs, removed };
  }
}

/**
 * What clean removes of the outputs, relative to the package root: the output directory, or,
 * when `keep` globs match files in it, everything there but those files (and the directories
 * holding them). Symlinks are removed as links, never followed.
 */
export function outputsToRemove(packageRoot: string, outputDir: string, keep: string[]): string[] {
  const out = join(packageRoot, outputDir);
  if (!existsSync(out)) return [];
  // Loaded only when there is something to keep (most cleans have not).
  const fg = keep.length ? fastGlob() : undefined;
  const kept = fg
    ? fg
        .sync(keep, { cwd: packageRoot, dot: true, onlyFiles: true, followSymbolicLinks: false })
        .filter((f) => f.startsWith(`${outputDir}/`))
    : [];
  if (!kept.length) return [outputDir];
  const removed: string[] = [];
  const visit = (rel: string) => {
    for (const e of readdirSync(join(packageRoot, rel), { withFileTypes: true })) {
      const path = `${rel}/${e.name}`;
      if (kept.includes(path)) continue;
      if (e.isDirectory() && kept.some((k) => k.startsWith(`${path}/`))) visit(path);
      else removed.push(path);
    }
  };
  visit(outputDir);
  return removed;
}

/** Without --cache only build state goes; records and logs stay for `history`. The lock
 * (build.lock*) stays while held: a build waiting for it takes it next. */
function cacheEntriesToRemove(packageRoot: string, cache: boolean | undefined): string[] {
  const cacheDir = join(packageRoot, BUILD_CACHE_DIR);
  const keep = new Set(cache ? [] : ['jobs', 'logs', 'latest.json']);
  const names = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
  return names.filter((name) => !keep.has(name) && !name.startsWith('build.lock')).map((name) => `${BUILD_CACHE_DIR}/${name}`);
}

function removeIfEmpty(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}
