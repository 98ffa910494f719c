import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/** Every file below a directory (no symlinks followed). */
export function* walkFiles(dir: string): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walkFiles(p);
    else if (e.isFile()) yield p;
  }
}
