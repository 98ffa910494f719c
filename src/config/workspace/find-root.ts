import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      nearestPackage ??= dir;
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).workspaces) return { root: dir, kind: 'npm' };
      } catch {
        /* keep looking */
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return nearestPackage ? { root: nearestPackage, kind: 'package' } : undefined;
}
