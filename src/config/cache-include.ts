import { posix } from 'node:path';

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
