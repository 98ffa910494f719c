import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { writeFileAtomicSync } from './atomic-write';

/**
 * Where V8's compiled code for a big CommonJS file (TypeScript's compiler: 6–9 MB) is kept
 * between processes: `node_modules/.cache/build-system/` of the workspace, named after the
 * file, its size and mtime, and the Node version, so any change means a new entry. Node 22+
 * does this itself for tsc (`module.enableCompileCache`); Node 20 does not.
 */
export const codeCacheEnabled = (): boolean => process.env.BUILD_SYSTEM_CODE_CACHE !== 'false';

export function codeCachePath(workspaceRoot: string, file: string): string {
  let stamp = '';
  try {
    const s = statSync(file);
    stamp = `${s.size}:${s.mtimeMs}`;
  } catch {
    /* a missing file fails later, where it is loaded */
  }
  const key = createHash('sha1').update(`${file}\0${stamp}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 16);
  return join(workspaceRoot, 'node_modules', '.cache', 'build-system', `${key}.v8cache`);
}

/**
 * Runs a CommonJS file the way `require` would, compiled from the code cache when there is a
 * valid one, and writes a fresh cache when the process exits (after the run, so the functions
 * it compiled lazily are in it). Returns the module's exports. A rejected or unwritable cache
 * only costs the compile it would have saved.
 */
export function requireWithCodeCache(file: string, cacheFile: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!cacheFile) return require(file);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    /* first run */
  }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    const save = () => saveCodeCache(script, cacheFile);
    pendingSaves.push(save);
    process.once('exit', save);
  }
  const mod = { exports: {} as unknown, filename: file, id: file, loaded: false };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  return mod.exports;
}

/**
 * Loads a CommonJS file with requireWithCodeCache and registers it as `require` would, so a
 * later `require` of the same file (by a library that loads it itself) gets this instance.
 */
export function preloadWithCodeCache(file: string, cacheFile: string): unknown {
  const cached = require.cache[file];
  if (cached) return cached.exports;
  const exports = requireWithCodeCache(file, cacheFile);
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  mod.exports = exports;
  mod.loaded = true;
  require.cache[file] = mod;
  return exports;
}

const pendingSaves: (() => void)[] = [];

/**
 * Writes the caches still to be written now, rather than at exit: for a long-lived process or
 * thread (one that may be terminated rather than exit), once it has run its first job.
 */
export function saveCodeCachesNow(): void {
  for (const save of pendingSaves.splice(0)) {
    process.removeListener('exit', save);
    save();
  }
}

function saveCodeCache(script: Script, cacheFile: string) {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileAtomicSync(cacheFile, script.createCachedData());
  } catch {
    /* read-only node_modules: run without a cache */
  }
}
