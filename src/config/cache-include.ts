import { posix } from 'node:path';
import { fastGlob } from '../utils/glob';
import type { ResolvedBuildConfig } from './resolve/types';

/**
 * `cache.include` globs inside the package replace the base named input (they narrow it); a
 * path that leaves the package (`../../shared/const.ts`, or `{workspaceRoot}/shared/**`) adds
 * that workspace path instead, so declaring a file the build reads from elsewhere keeps the
 * package's own inputs.
 */
export function splitInclude(include: readonly string[], projectRoot: string | undefined): { own: string[]; outside: string[] } {
  const own: string[] = [];
  const outside: string[] = [];
  const root = projectRoot && projectRoot !== '.' ? projectRoot : '';
  for (const glob of include) {
    if (glob.startsWith('{workspaceRoot}/')) {
      outside.push(glob);
      continue;
    }
    const inWorkspace = posix.normalize(posix.join(root, glob.replace(/\\/g, '/')));
    if (root && glob.startsWith('../') && !inWorkspace.startsWith('../') && !inWorkspace.startsWith(`${root}/`))
      outside.push(`{workspaceRoot}/${inWorkspace}`);
    else own.push(glob);
  }
  return { own, outside };
}

/**
 * The files, workspace-relative, that the `cache.include` and the `cache.key.files` globs leaving
 * the package match: inputs the package's own file scan does not see.
 */
export async function outsideInputFiles(
  config: Pick<ResolvedBuildConfig, 'workspaceRoot' | 'packagePath' | 'cache'>,
): Promise<{ include: string[]; keyFiles: string[] }> {
  const outside = (globs: readonly string[] = []) =>
    splitInclude(globs, config.packagePath).outside.map((g) => g.replace(/^\{workspaceRoot\}\//, ''));
  return {
    include: await workspaceFiles(config.workspaceRoot, outside(config.cache.include)),
    keyFiles: await workspaceFiles(config.workspaceRoot, outside(config.cache.key?.files)),
  };
}

/** The files below the workspace root that workspace-relative globs match (dotfiles too, node_modules left out). */
export async function workspaceFiles(workspaceRoot: string, globs: string[]): Promise<string[]> {
  if (!globs.length) return [];
  return fastGlob()(globs, { cwd: workspaceRoot, dot: true, onlyFiles: true, ignore: ['**/node_modules/**'] });
}
