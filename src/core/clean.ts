import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { unsafeBuildCache } from '../config/build-cache';
import { BUILD_CACHE_DIR } from '../config/define';
import { checkOutputDir, toPosix } from '../config/resolve';
import { removeTree } from '../utils/files';
import { errorFromUnknown, exitCodeFor, formatError, type BuildError } from '../errors';
import { runHook } from './hooks';
import { acquireLock, describeHolder, lockOptionsFromEnv } from './lock';
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
  lockTimeoutMs?: number;
  terminal?: TerminalSink;
  signal?: AbortSignal;
  store?: RecordStore;
  processEnv?: NodeJS.ProcessEnv;
}

export interface CleanResult {
  exitCode: number;
  errors: BuildError[];
  /** Paths removed, relative to the package root. */
  removed: string[];
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
  const packagePath = toPosix(relative(req.workspaceRoot, req.packageRoot));
  const log = new JobLog(req.store ?? new JsonRecordStore(req.workspaceRoot), { id: 'clean', packagePath }, terminal);
  log.setSecrets(loaded.secrets);
  route((text) => log.write(text));
  const lock = await acquireLock(config.packageRoot, {
    ...lockOptionsFromEnv(processEnv, req.lockTimeoutMs),
    signal,
    workspaceRoot: config.workspaceRoot,
    onWait: (h) => log.info(`waiting for the build lock of ${config.name}${h ? `, held by ${describeHolder(h)}` : ''}`),
  });
  if (!lock.ok) return done(lock.errors);
  try {
    if (config.hooks.clean) {
      errors.push(...(await runHook({ phase: 'clean', hook: config.hooks.clean, config, env: { ...processEnv, ...config.env }, log, signal })));
    }
    const out = join(config.packageRoot, safe.value);
    if (existsSync(out)) {
      removeTree(out);
      removed.push(safe.value);
    }
    const cacheDir = join(config.packageRoot, BUILD_CACHE_DIR);
    // Without --cache only build state goes; records and logs stay for `history`. The lock
    // (build.lock*) stays while held: a build waiting for it takes it next.
    const keep = new Set(req.cache ? [] : ['jobs', 'logs', 'latest.json']);
    for (const name of existsSync(cacheDir) ? readdirSync(cacheDir) : []) {
      if (keep.has(name) || name.startsWith('build.lock')) continue;
      removeTree(join(cacheDir, name));
      removed.push(`${BUILD_CACHE_DIR}/${name}`);
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

function removeIfEmpty(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}
