import { lstatSync, readdirSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { buildError, type BuildError } from '../errors';
import { BUILD_CACHE_DIR } from './define';
import { isInside, toPosix } from './resolve';

/**
 * `.build-cache` is where builds write, and clean deletes: records, logs, state, staging,
 * trash, the lock. It, its entries, and those of `state/` and of each builder's state
 * directory must be real files and directories inside the package: through a symlink a build
 * would write, and clean delete, wherever it points. The first offending path, as an error;
 * undefined when all is well (or `.build-cache` does not exist yet: we create real directories).
 */
export function unsafeBuildCache(packageRoot: string, workspaceRoot?: string): BuildError | undefined {
  const root = join(packageRoot, BUILD_CACHE_DIR);
  const top = lstatOrUndefined(root);
  if (!top) return undefined;
  const refuse = (p: string, why: string) =>
    buildError(
      'UNSAFE_PATH',
      `${toPosix(relative(packageRoot, p))} ${why}: builds write and clean deletes under ${BUILD_CACHE_DIR}, only inside the package; remove it (builds recreate what they need)`,
      {
        file: toPosix(workspaceRoot ? relative(workspaceRoot, p) : p),
      },
    );
  const check = (p: string, st: Stats): BuildError | undefined =>
    st.isSymbolicLink() ? refuse(p, `is a symbolic link (to ${linkTarget(p)})`) : undefined;
  const bad = check(root, top);
  if (bad) return bad;
  if (!top.isDirectory()) return refuse(root, 'is not a directory');
  if (!realInside(root, packageRoot)) return refuse(root, `resolves to ${realpathSync(root)}, outside the package`);
  return scan(root, 0);

  /** The entries of `.build-cache`, of `state/` and of each `state/<builder>/` (tsc's outputs, declarations). */
  function scan(dir: string, depth: number): BuildError | undefined {
    for (const name of list(dir)) {
      const p = join(dir, name);
      const st = lstatOrUndefined(p);
      if (!st) continue;
      const found = check(p, st) ?? (st.isDirectory() && (depth === 0 ? name === 'state' : depth === 1) ? scan(p, depth + 1) : undefined);
      if (found) return found;
    }
    return undefined;
  }
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function linkTarget(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '?';
  }
}

function realInside(p: string, packageRoot: string): boolean {
  try {
    return isInside(realpathSync(p), realpathSync(packageRoot));
  } catch {
    return false;
  }
}
