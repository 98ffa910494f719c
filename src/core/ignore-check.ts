import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BUILD_CACHE_DIR } from '../config/define';

const MENTIONS_BUILD_CACHE = /^\s*(?:\*\*\/|\/)?\.build-cache\/?\s*$/m;

/**
 * Whether `.build-cache` is hidden from Nx's (and Turborepo's) file hashing. A package's own
 * target excludes it, but its dependents hash it through `^production`, where no exclusion
 * of ours reaches: unignored, every record written would miss their cache. Cheap first (an
 * ignore file naming it, from the package up to the workspace root), `git check-ignore` only
 * when none does. Undefined when it cannot tell.
 */
export function buildCacheIgnored(workspaceRoot: string, packageRoot: string): boolean | undefined {
  for (let dir = packageRoot; ; dir = dirname(dir)) {
    for (const file of ['.gitignore', '.nxignore']) {
      try {
        if (MENTIONS_BUILD_CACHE.test(readFileSync(join(dir, file), 'utf8'))) return true;
      } catch {
        /* none here */
      }
    }
    if (dir === workspaceRoot || dirname(dir) === dir || relative(workspaceRoot, dir).startsWith('..')) break;
  }
  const probe = join(packageRoot, BUILD_CACHE_DIR, 'latest.json');
  const r = spawnSync('git', ['check-ignore', '-q', probe], { cwd: packageRoot, stdio: 'ignore', timeout: 5000 });
  return r.status === 0 ? true : r.status === 1 ? false : undefined;
}

export const NOT_IGNORED_WARNING =
  '.build-cache is not git-ignored: Nx hashes it into the inputs of the packages that depend on this one (through ^production), so they miss the cache after every build. Add `.build-cache` to .gitignore (`nx add @repo/build-system` does).';
