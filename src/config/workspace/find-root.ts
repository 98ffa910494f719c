import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readPackageJson } from '../../utils/package-json';

export interface WorkspaceRoot {
  root: string;
  kind: 'nx' | 'npm' | 'pnpm' | 'package';
}

/**
 * The nearest enclosing workspace: nx.json, a package.json with `workspaces`, or
 * pnpm-workspace.yaml; failing those, the nearest package.json (a single package).
 */
export function findWorkspaceRoot(from: string = process.cwd()): WorkspaceRoot | undefined {
  let dir = resolve(from);
  let nearestPackage: string | undefined;
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return { root: dir, kind: 'nx' };
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return { root: dir, kind: 'pnpm' };
    if (existsSync(join(dir, 'package.json'))) {
      nearestPackage ??= dir;
      if (readPackageJson(dir)?.workspaces) return { root: dir, kind: 'npm' };
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return nearestPackage ? { root: nearestPackage, kind: 'package' } : undefined;
}
