import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface TreeWatchOptions {
  /** Paths relative to the root (posix) that are neither watched nor reported; directories too. */
  ignore: (rel: string) => boolean;
  /** A file or directory under the root changed (relative, posix). */
  onChange: (rel: string) => void;
}

export interface TreeWatcher {
  close(): void;
}

/**
 * Watches a directory tree with one non-recursive `fs.watch` per directory. Node 20's
 * `recursive: true` on Linux walks every directory (node_modules and outputs included) and
 * cannot leave any out; here ignored directories are never entered, and directories created
 * later are picked up as they appear.
 */
export function watchTree(root: string, options: TreeWatchOptions): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  const toRel = (abs: string) => relative(root, abs).split(sep).join('/');

  const addDir = (dir: string, reportFiles: boolean) => {
    if (closed || watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: true }, (_event, name) => onEvent(dir, name ? String(name) : undefined));
    } catch {
      return; // gone already, or unreadable
    }
    watcher.on('error', () => dropDir(dir));
    watchers.set(dir, watcher);
    let entries: import('node:fs').Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      /* removed meanwhile */
    }
    for (const e of entries) {
      const abs = join(dir, e.name);
      const rel = toRel(abs);
      if (options.ignore(rel)) continue;
      if (e.isDirectory()) addDir(abs, reportFiles);
      else if (reportFiles) options.onChange(rel);
    }
  };

  const dropDir = (dir: string) => {
    for (const [d, w] of watchers) {
      if (d === dir || d.startsWith(dir + sep)) {
        w.close();
        watchers.delete(d);
      }
    }
  };

  const onEvent = (dir: string, name: string | undefined) => {
    if (closed) return;
    const abs = name ? join(dir, name) : dir;
    const rel = toRel(abs);
    if (rel && options.ignore(rel)) return;
    const stat = statSync(abs, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      // A directory created or moved in: its files are changes too.
      if (!watchers.has(abs)) addDir(abs, true);
    } else if (!stat && watchers.has(abs)) dropDir(abs);
    if (rel) options.onChange(rel);
  };

  addDir(root, false);
  return {
    close() {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
