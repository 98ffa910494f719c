import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { BUILD_CACHE_DIR } from '../config/define';
import { toPosix } from '../config/resolve';
import { removeTree, walkFiles } from '../utils/files';

/**
 * Outputs are built into `.build-cache/staging/<job>`, private to one invocation, and swapped
 * into place only once the build (and declarations) succeeded, so a failed or killed build
 * leaves the previous complete outputs or none, never a mix. Incremental compilers, whose
 * state keys on their outDir, write into a directory of their own in their state directory
 * and copy their outputs from there.
 */
export interface Staging {
  dir: string;
  finalDir: string;
}

const stagingRoot = (packageRoot: string) => join(packageRoot, BUILD_CACHE_DIR, 'staging');
const trashRoot = (packageRoot: string) => join(packageRoot, BUILD_CACHE_DIR, 'trash');
/** Beside the outputs, for when `.build-cache` is on another file system: `.dist.trash-<job>`. */
const besideOutputs = (finalDir: string, kind: 'trash' | 'incoming', jobId = '') =>
  join(dirname(finalDir), `.${basename(finalDir)}.${kind}-${jobId}`);

/** Called under the lock. */
export function prepareStaging(packageRoot: string, outputDir: string, jobId: string): Staging {
  recoverInterruptedSwap(packageRoot, outputDir);
  // Anything else in staging was left by a build that was killed or lost its lock.
  removeTree(stagingRoot(packageRoot));
  const dir = join(stagingRoot(packageRoot), jobId);
  mkdirSync(dir, { recursive: true });
  return { dir, finalDir: resolve(packageRoot, outputDir) };
}

/**
 * Moves the staged outputs into place: two renames, the old tree deleted after. When
 * `.build-cache` is on another file system than the outputs (a tmpfs, a volume), a rename
 * between them fails (EXDEV): the staged tree is then first copied next to the outputs, and
 * the old one set aside there, so the swap itself is still two renames on one file system.
 */
export function commitStaging(staging: Staging, packageRoot: string, jobId: string): void {
  rewriteSourceMaps(staging.dir, staging.finalDir);
  const parent = dirname(staging.finalDir);
  mkdirSync(parent, { recursive: true });
  const hadPrevious = existsSync(staging.finalDir);
  // Validation refuses such an outputDir; never replace a file with a tree here.
  if (hadPrevious && !statSync(staging.finalDir).isDirectory())
    throw new Error(`${staging.finalDir} is not a directory: outputs not swapped in`);
  const across = statSync(staging.dir).dev !== statSync(parent).dev;
  const incoming = across ? besideOutputs(staging.finalDir, 'incoming', jobId) : staging.dir;
  const trash = across ? besideOutputs(staging.finalDir, 'trash', jobId) : join(trashRoot(packageRoot), jobId);
  if (across) cpSync(staging.dir, incoming, { recursive: true, verbatimSymlinks: true });
  mkdirSync(dirname(trash), { recursive: true });
  if (hadPrevious) renameDir(staging.finalDir, trash);
  renameDir(incoming, staging.finalDir);
  if (hadPrevious) removeTree(trash);
  if (across) removeTree(staging.dir);
}

export function discardStaging(staging: Staging): void {
  removeTree(staging.dir);
}

/**
 * Moving a directory to another parent rewrites its `..`, which needs write permission on it:
 * a read-only output directory (`chmod 555`) we own gets it for the move, then its mode back.
 */
function renameDir(from: string, to: string): void {
  const st = statSync(from);
  const uid = process.getuid?.();
  const lift = (st.mode & 0o200) === 0 && (uid === undefined || st.uid === uid);
  if (lift) chmodSync(from, (st.mode & 0o7777) | 0o200);
  renameSync(from, to);
  if (lift) chmodSync(to, st.mode & 0o7777);
}

/**
 * A process killed between the two renames of a swap leaves the previous outputs in
 * `.build-cache/trash/<job>` (or `.<outputDir>.trash-<job>` beside them) and no output
 * directory: put them back. Leftovers of a swap that completed, or of a copy across file
 * systems that did not, are removed.
 */
export function recoverInterruptedSwap(packageRoot: string, outputDir: string): void {
  const finalDir = resolve(packageRoot, outputDir);
  const aside = setAside(packageRoot, finalDir);
  const newest = aside[aside.length - 1];
  if (newest && !existsSync(finalDir)) {
    mkdirSync(dirname(finalDir), { recursive: true });
    try {
      renameDir(newest.path, finalDir);
    } catch (err) {
      // Set aside in `.build-cache` before it moved to another file system: copy it back.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      cpSync(newest.path, finalDir, { recursive: true, verbatimSymlinks: true });
    }
  }
  removeTree(trashRoot(packageRoot));
  for (const p of [...setAside(packageRoot, finalDir), ...besideLeftovers(finalDir, 'incoming')]) removeTree(p.path);
}

/** Trees set aside by swaps (`.build-cache/trash/<job>`, `.<outputDir>.trash-<job>`), oldest first. */
function setAside(packageRoot: string, finalDir: string): { job: string; path: string }[] {
  const trash = trashRoot(packageRoot);
  const found = [...list(trash).map((job) => ({ job, path: join(trash, job) })), ...besideLeftovers(finalDir, 'trash')];
  return found.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
}

function besideLeftovers(finalDir: string, kind: 'trash' | 'incoming'): { job: string; path: string }[] {
  const prefix = basename(besideOutputs(finalDir, kind));
  return list(dirname(finalDir))
    .filter((n) => n.startsWith(prefix))
    .map((n) => ({ job: n.slice(prefix.length), path: join(dirname(finalDir), n) }));
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
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
