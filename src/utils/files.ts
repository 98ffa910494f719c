import { chmodSync, lstatSync, readdirSync, rmSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/**
 * Every file below a directory, as `/`-separated paths relative to it (no symlinks
 * followed). `prune` leaves out a directory (given its relative path and name) and all below.
 */
export function* walkRelative(dir: string, prune: (rel: string, name: string) => boolean = () => false, rel = ''): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!prune(path, e.name)) yield* walkRelative(dir, prune, path);
    } else if (e.isFile()) yield path;
  }
}

/** Every file below a directory, as absolute paths (no symlinks followed). */
export function* walkFiles(dir: string): Generator<string> {
  for (const rel of walkRelative(dir)) yield join(dir, rel);
}

/** Whether a path is a regular file (following links); false when it does not exist. */
export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * `rm -rf` that also removes trees a build left read-only (a `chmod 555` directory among the
 * outputs): on EACCES/EPERM the directories we own get their owner's rwx back, then it retries.
 * Never follows a symlink, never changes what another user owns.
 */
export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    makeOwnDirsWritable(path);
    rmSync(path, { recursive: true, force: true });
  }
}

/** Gives the directories of a tree that the current user owns u+rwx (symlinks not followed). */
export function makeOwnDirsWritable(dir: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  const uid = process.getuid?.();
  if ((st.mode & 0o700) !== 0o700 && (uid === undefined || st.uid === uid)) chmodSync(dir, (st.mode & 0o7777) | 0o700);
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) makeOwnDirsWritable(join(dir, e.name));
}
