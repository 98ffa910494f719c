import { posix } from 'node:path';
import type { ParsedBuildConfig } from '../schema';
import type { EntryPoint } from './types';

/**
 * Output names: a string entry is named after its file; an array after each path below the
 * entries' common directory; an object names them explicitly (README.md, "build.config.ts").
 */
export function resolveEntries(entry: ParsedBuildConfig['entry']): EntryPoint[] {
  const strip = (p: string) => p.replace(/\.(d\.)?[cm]?[jt]sx?$/, '');
  // Windows separators in a config mean the same path on every machine.
  const norm = (p: string) => posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (typeof entry === 'string') return [{ name: posix.basename(strip(norm(entry))), path: norm(entry) }];
  if (Array.isArray(entry)) {
    const paths = entry.map(norm);
    const common = commonDir(paths.map((p) => posix.dirname(p)));
    return paths.map((p) => ({ name: strip(common ? posix.relative(common, p) : p), path: p }));
  }
  return Object.entries(entry).map(([name, p]) => ({ name: strip(norm(name)), path: norm(p) }));
}

/** Longest common directory of posix directory paths ('' when none). */
export function commonDir(dirs: string[]): string {
  if (dirs.length === 0) return '';
  let parts = dirs[0] === '.' ? [] : dirs[0].split('/');
  for (const d of dirs.slice(1)) {
    const other = d === '.' ? [] : d.split('/');
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/');
}
