import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILE_NAMES } from '../config/define';
import { findConfigFile, isOwnConfigFile } from '../config/find';
import type { WorkspaceRoot } from './find-root';

/** A package with a build.config.* of ours, found without Nx. */
export interface WorkspacePackage {
  name: string;
  /** Relative to the workspace root, posix ('' for a root package). */
  path: string;
  root: string;
  configFile: string;
  /** Names of workspace packages it depends on. */
  dependencies: string[];
}

const IGNORE = ['**/node_modules/**', '**/.build-cache/**', '**/.nx/**', '**/dist/**', '**/.git/**'];

/**
 * Buildable packages of a workspace: in npm/pnpm workspaces those matched by the workspace
 * globs, in an Nx workspace every directory with one of our build.config.* files.
 */
export async function findPackages(ws: WorkspaceRoot): Promise<WorkspacePackage[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fg = require('fast-glob') as typeof import('fast-glob');
  let dirs: string[];
  const globs = workspaceGlobs(ws.root);
  if (ws.kind === 'package') dirs = [ws.root];
  else if (globs.length && ws.kind !== 'nx') {
    const matches = await fg(globs.map((g) => `${g.replace(/\/+$/, '')}/package.json`), { cwd: ws.root, ignore: IGNORE, onlyFiles: true });
    dirs = [ws.root, ...matches.map((m) => join(ws.root, dirname(m)))];
  } else {
    const configs = await fg(`**/{${CONFIG_FILE_NAMES.join(',')}}`, { cwd: ws.root, ignore: IGNORE, onlyFiles: true });
    dirs = [...new Set(configs.map((c) => join(ws.root, dirname(c))))];
  }
  const packages: WorkspacePackage[] = [];
  for (const root of [...new Set(dirs)].sort()) {
    const configFile = findConfigFile(root);
    if (!configFile || !isOwnConfigFile(configFile) || !existsSync(join(root, 'package.json'))) continue;
    let pkg: { name?: string; dependencies?: object; devDependencies?: object; peerDependencies?: object; optionalDependencies?: object };
    try {
      pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const path = relative(ws.root, root).split(sep).join('/');
    packages.push({
      name: pkg.name ?? path,
      path,
      root,
      configFile,
      dependencies: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies }),
    });
  }
  const names = new Set(packages.map((p) => p.name));
  for (const p of packages) p.dependencies = p.dependencies.filter((d) => names.has(d) && d !== p.name);
  return packages;
}

function workspaceGlobs(root: string): string[] {
  try {
    const ws = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
    if (Array.isArray(ws)) return ws;
    if (ws && Array.isArray(ws.packages)) return ws.packages;
  } catch {
    /* none */
  }
  try {
    // pnpm-workspace.yaml: the `packages:` list, read without a YAML dependency.
    const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
    const block = /packages:\s*\n((?:\s*-\s*.+\n?)+)/.exec(yaml);
    if (block) return block[1].split('\n').map((l) => l.replace(/^\s*-\s*/, '').replace(/['"]/g, '').trim()).filter((l) => l && !l.startsWith('!'));
  } catch {
    /* none */
  }
  return [];
}

/** A package by name, or by path relative to the workspace root (or cwd). */
export function findPackage(packages: WorkspacePackage[], query: string, workspaceRoot: string, cwd = process.cwd()): WorkspacePackage | undefined {
  const byName = packages.find((p) => p.name === query);
  if (byName) return byName;
  for (const base of [cwd, workspaceRoot]) {
    const abs = resolve(base, query);
    const hit = packages.find((p) => resolve(p.root) === abs);
    if (hit) return hit;
  }
  return undefined;
}

/** Orders packages so each comes after the workspace packages it depends on. */
export function inDependencyOrder(packages: WorkspacePackage[]): WorkspacePackage[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const done = new Set<string>();
  const out: WorkspacePackage[] = [];
  const visit = (p: WorkspacePackage, stack: Set<string>) => {
    if (done.has(p.name) || stack.has(p.name)) return;
    stack.add(p.name);
    for (const d of p.dependencies) {
      const dep = byName.get(d);
      if (dep) visit(dep, stack);
    }
    done.add(p.name);
    out.push(p);
  };
  for (const p of packages) visit(p, new Set());
  return out;
}
