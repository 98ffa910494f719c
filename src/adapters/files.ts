import { readdirSync, statSync, type Dirent } from 'node:fs';
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
