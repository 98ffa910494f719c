import type { Tree } from '@nx/devkit';
import { BUILD_CACHE_DIR } from '../../../config/define';

/**
 * Lines that already ignore `.build-cache` at any depth. An anchored pattern
 * (`/.build-cache`, `.build-cache/**`) only covers the root, while each package keeps its
 * own `{projectRoot}/.build-cache`, so those do not count.
 */
const COVERING = new Set([
  BUILD_CACHE_DIR,
  `${BUILD_CACHE_DIR}/`,
  `**/${BUILD_CACHE_DIR}`,
  `**/${BUILD_CACHE_DIR}/`,
  `**/${BUILD_CACHE_DIR}/**`,
]);

/** Adds `.build-cache` to the root .gitignore unless already ignored. Returns whether it changed. */
export function ignoreBuildCache(tree: Tree): boolean {
  const current = tree.exists('.gitignore') ? (tree.read('.gitignore', 'utf-8') ?? '') : '';
  const lines = current.split(/\r?\n/).map((l) => l.trim());
  if (lines.some((l) => COVERING.has(l))) return false;
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  const prefix = current.length === 0 || current.endsWith('\n') ? current : current + eol;
  const gap = prefix.length ? eol : '';
  tree.write('.gitignore', `${prefix}${gap}# @repo/build-system: per-package locks, logs and build records${eol}${BUILD_CACHE_DIR}${eol}`);
  return true;
}
