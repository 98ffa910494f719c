import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { BUILD_CACHE_DIR } from '../config/define';
import { toPosix } from '../config/resolve';
import { walkFiles } from '../adapters/files';

/**
 * Outputs are built into `.build-cache/staging/out` and swapped into place only once the
 * build (and declarations) succeeded, so a failed or killed build leaves the previous
 * complete outputs or none, never a mix. The staging path is fixed (not per job) because
 * incremental compilers key their state on their outDir.
 */
export interface Staging {
  dir: string;
  finalDir: string;
}

const stagingRoot = (packageRoot: string) => join(packageRoot, BUILD_CACHE_DIR, 'staging');
const trashRoot = (packageRoot: string) => join(packageRoot, BUILD_CACHE_DIR, 'trash');

export function prepareStaging(packageRoot: string, outputDir: string, seedFromOutputs: boolean): Staging {
  recoverInterruptedSwap(packageRoot, outputDir);
  const dir = join(stagingRoot(packageRoot), 'out');
  const finalDir = resolve(packageRoot, outputDir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  if (seedFromOutputs && existsSync(finalDir)) cpSync(finalDir, dir, { recursive: true, verbatimSymlinks: true });
  else mkdirSync(dir, { recursive: true });
  return { dir, finalDir };
}

/** Moves the staged outputs into place: two renames, the old tree deleted after. */
export function commitStaging(staging: Staging, packageRoot: string, jobId: string): void {
  rewriteSourceMaps(staging.dir, staging.finalDir);
  const trash = join(trashRoot(packageRoot), jobId);
  mkdirSync(dirname(staging.finalDir), { recursive: true });
  mkdirSync(dirname(trash), { recursive: true });
  const hadPrevious = existsSync(staging.finalDir);
  // Validation refuses such an outputDir; never replace a file with a tree here.
  if (hadPrevious && !statSync(staging.finalDir).isDirectory()) throw new Error(`${staging.finalDir} is not a directory: outputs not swapped in`);
  if (hadPrevious) renameSync(staging.finalDir, trash);
  renameSync(staging.dir, staging.finalDir);
  if (hadPrevious) rmSync(trash, { recursive: true, force: true });
}

export function discardStaging(staging: Staging): void {
  rmSync(staging.dir, { recursive: true, force: true });
}

/**
 * A process killed between the two renames of a swap leaves the previous outputs in
 * `.build-cache/trash/<job>` and no output directory: put them back.
 */
export function recoverInterruptedSwap(packageRoot: string, outputDir: string): void {
  const trash = trashRoot(packageRoot);
  if (!existsSync(trash)) return;
  const finalDir = resolve(packageRoot, outputDir);
  const leftovers = readdirSync(trash).sort();
  const newest = leftovers[leftovers.length - 1];
  if (newest && !existsSync(finalDir)) {
    mkdirSync(dirname(finalDir), { recursive: true });
    renameSync(join(trash, newest), finalDir);
  }
  rmSync(trash, { recursive: true, force: true });
}

/**
 * Source maps written in staging point at sources relative to the staging directory; make
 * them relative to where the maps end up, so they stay correct and reproducible.
 */
function rewriteSourceMaps(stagingDir: string, finalDir: string): void {
  for (const file of walkFiles(stagingDir)) {
    if (!file.endsWith('.map')) continue;
    try {
      const map = JSON.parse(readFileSync(file, 'utf8')) as { sources?: string[]; sourceRoot?: string };
      if (!Array.isArray(map.sources) || map.sourceRoot) continue;
      const fromDir = dirname(file);
      const toDir = join(finalDir, relative(stagingDir, fromDir));
      map.sources = map.sources.map((s) => (/^[a-z]+:/i.test(s) ? s : toPosix(relative(toDir, resolve(fromDir, s)))));
      writeFileSync(file, JSON.stringify(map));
    } catch {
      /* not a JSON source map: leave it */
    }
  }
}
