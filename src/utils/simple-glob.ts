import { readdirSync, type Dirent } from 'node:fs';
import { join, posix } from 'node:path';
import { walkRelative } from './files';

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/**
 * The files the common glob shapes match (`dir/**`, `*.ext`, a plain path), found by walking
 * the tree instead of loading a glob library on every build. Undefined for any other shape:
 * the caller uses fast-glob. Same semantics as our fast-glob calls: files only, dotfiles
 * included, symlinks not followed, `node_modules` and the skipped directories left out.
 */
export function expandSimpleGlobs(root: string, globs: string[], skipDirs: string[] = []): string[] | undefined {
  const found = new Set<string>();
  const skip = normalizedDirs(skipDirs);
  for (const glob of globs) {
    const deep = /^(.+)\/\*\*(?:\/\*)?$/.exec(glob);
    const ext = /^\*(\.[\w.-]+)$/.exec(glob);
    if (deep && !GLOB_CHARS.test(deep[1])) {
      const base = posix.normalize(deep[1]);
      if (base.startsWith('..') || [...skip].some((s) => base === s || base.startsWith(`${s}/`))) continue;
      walk(root, base, skip, found);
    } else if (ext) {
      for (const e of list(root)) if (e.isFile() && e.name.endsWith(ext[1])) found.add(e.name);
    } else return undefined;
  }
  return [...found].sort();
}

/** Every file below the root except the skipped top-level directories, `node_modules` and `.git`. */
export function listPackageFiles(root: string, skipDirs: string[]): string[] {
  const found = new Set<string>();
  walk(root, '', normalizedDirs(skipDirs), found);
  return [...found].sort();
}

/** Adds the files below `root/base` (paths relative to root), skipping node_modules, .git and `skip`. */
function walk(root: string, base: string, skip: Set<string>, out: Set<string>) {
  const full = (rel: string) => (base ? `${base}/${rel}` : rel);
  const prune = (rel: string, name: string) => name === 'node_modules' || name === '.git' || skip.has(full(rel));
  for (const rel of walkRelative(base ? join(root, base) : root, prune)) out.add(full(rel));
}

function list(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function normalizedDirs(dirs: string[]): Set<string> {
  return new Set(dirs.map((d) => posix.normalize(d.replace(/\\/g, '/')).replace(/\/+$/, '')));
}
