import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILE_NAMES } from '../define';
import { findConfigFile, isOwnConfigFile } from '../find';
import { buildError, fail, ok, type BuildError, type Result } from '../../errors';
import { readPackageJson, readPackageJsonResult } from '../../utils/package-json';
import { fastGlob } from '../../utils/glob';
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

/** A directory with one of our configs that cannot be built as it stands. */
export interface PackageProblem {
  path: string;
  root: string;
  /** The package.json name, when it could be read. */
  name?: string;
  errors: BuildError[];
}

interface Manifest {
  name?: string;
  dependencies?: object;
  devDependencies?: object;
  peerDependencies?: object;
  optionalDependencies?: object;
}

const IGNORE = ['**/node_modules/**', '**/.build-cache/**', '**/.nx/**', '**/dist/**', '**/.git/**'];

/**
 * Buildable packages of a workspace: in npm/pnpm workspaces those matched by the workspace
 * globs, in an Nx workspace every directory with one of our build.config.* files; and the
 * directories with our config whose package.json cannot be read.
 */
export async function scanPackages(ws: WorkspaceRoot): Promise<{ packages: WorkspacePackage[]; problems: PackageProblem[] }> {
  const fg = fastGlob();
  let dirs: string[];
  const globs = workspaceGlobs(ws.root);
  if (ws.kind === 'package') dirs = [ws.root];
  else if (globs.length && ws.kind !== 'nx') {
    const matches = await fg(
      globs.map((g) => `${g.replace(/\/+$/, '')}/package.json`),
      { cwd: ws.root, ignore: IGNORE, onlyFiles: true },
    );
    dirs = [ws.root, ...matches.map((m) => join(ws.root, dirname(m)))];
  } else {
    const configs = await fg(`**/{${CONFIG_FILE_NAMES.join(',')}}`, { cwd: ws.root, ignore: IGNORE, onlyFiles: true });
    dirs = [...new Set(configs.map((c) => join(ws.root, dirname(c))))];
  }
  const packages: WorkspacePackage[] = [];
  const problems: PackageProblem[] = [];
  for (const root of [...new Set(dirs)].sort()) {
    const configFile = findConfigFile(root);
    // A config without package.json is not a package (a fixture, a template): skipped here,
    // explained by whyNotBuildable when asked for by path.
    if (!configFile || !isOwnConfigFile(configFile) || !existsSync(join(root, 'package.json'))) continue;
    const path = posixPath(ws.root, root);
    const manifest = readManifest(root, ws.root);
    if (!manifest.ok) {
      problems.push({ path, root, errors: manifest.errors });
      continue;
    }
    const pkg = manifest.value;
    packages.push({
      name: pkg.name ?? path,
      path,
      root,
      configFile,
      dependencies: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies }),
    });
  }
  // One name, two packages: Nx refuses the workspace; building either would be a guess.
  const byName = new Map<string, WorkspacePackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const unique = packages.filter((p) => byName.get(p.name)!.length === 1);
  for (const p of packages) {
    const others = byName.get(p.name)!.filter((o) => o !== p);
    if (!others.length) continue;
    const message = `package name "${p.name}" is also used by ${others.map((o) => o.path).join(', ')}`;
    problems.push({
      path: p.path,
      root: p.root,
      name: p.name,
      errors: [buildError('WORKSPACE_INVALID', message, { file: `${p.path ? `${p.path}/` : ''}package.json`, field: 'name' })],
    });
  }
  const names = new Set(unique.map((p) => p.name));
  for (const p of unique) p.dependencies = p.dependencies.filter((d) => names.has(d) && d !== p.name);
  return { packages: unique, problems };
}

/**
 * The package directory `cwd` is in, below the workspace root: the nearest directory with a
 * package.json or a build.config.*. Undefined at the root or outside any package.
 */
export function enclosingPackageDir(ws: WorkspaceRoot, cwd: string): string | undefined {
  const root = resolve(ws.root);
  for (let dir = resolve(cwd); dir !== root && dir.startsWith(root + sep); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) || findConfigFile(dir)) return dir;
  }
  return undefined;
}

/** Why a directory is not one of the buildable packages, as errors naming it. */
export function whyNotBuildable(ws: WorkspaceRoot, dir: string): BuildError[] {
  const path = posixPath(ws.root, dir) || '.';
  const manifest = readManifest(dir, ws.root);
  const errors = manifest.ok ? [] : [...manifest.errors];
  const configFile = findConfigFile(dir);
  if (!configFile)
    errors.push(
      buildError('CONFIG_NOT_FOUND', `no build.config.{${CONFIG_FILE_NAMES.map((n) => n.split('.').pop()).join(',')}} in ${path}`, {
        file: path,
      }),
    );
  else if (!isOwnConfigFile(configFile)) {
    const file = posixPath(ws.root, configFile);
    errors.push(
      buildError(
        'CONFIG_NOT_FOUND',
        `${file} is not a @repo/build-system config (it neither imports @repo/build-system nor sets a builder)`,
        { file },
      ),
    );
  }
  if (!errors.length)
    errors.push(
      buildError(
        'PROJECT_NOT_FOUND',
        `${path} is not one of the workspace's packages (not matched by its workspace globs, or in an ignored directory)`,
        { file: path },
      ),
    );
  return errors;
}

function readManifest(root: string, workspaceRoot: string): Result<Manifest> {
  const pkg = readPackageJsonResult(root, workspaceRoot);
  if (!pkg.ok) return fail(...pkg.errors);
  const name = pkg.value.name as unknown;
  if (name !== undefined && typeof name !== 'string') {
    const file = posixPath(workspaceRoot, join(root, 'package.json'));
    return fail(buildError('PACKAGE_JSON_INVALID', 'package.json "name" is not a string', { file, field: 'name' }));
  }
  return ok(pkg.value as Manifest);
}

const posixPath = (from: string, to: string) => relative(from, to).split(sep).join('/');

function workspaceGlobs(root: string): string[] {
  const ws = readPackageJson(root)?.workspaces as string[] | { packages?: string[] } | undefined;
  if (Array.isArray(ws)) return ws;
  if (ws && Array.isArray(ws.packages)) return ws.packages;
  try {
    // pnpm-workspace.yaml: the `packages:` list, read without a YAML dependency.
    const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
    const block = /packages:\s*\n((?:\s*-\s*.+\n?)+)/.exec(yaml);
    if (block)
      return block[1]
        .split('\n')
        .map((l) =>
          l
            .replace(/^\s*-\s*/, '')
            .replace(/['"]/g, '')
            .trim(),
        )
        .filter((l) => l && !l.startsWith('!'));
  } catch {
    /* none */
  }
  return [];
}

/** A package by name, or by path relative to the workspace root (or cwd). */
export function findPackage(
  packages: WorkspacePackage[],
  query: string,
  workspaceRoot: string,
  cwd = process.cwd(),
): WorkspacePackage | undefined {
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
/** The first dependency cycle among `packages` (names, the first repeated at the end), if any. */
export function dependencyCycle(packages: WorkspacePackage[]): string[] | undefined {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const done = new Set<string>();
  const visit = (p: WorkspacePackage, path: string[]): string[] | undefined => {
    const at = path.indexOf(p.name);
    if (at >= 0) return [...path.slice(at), p.name];
    if (done.has(p.name)) return undefined;
    for (const d of p.dependencies) {
      const dep = byName.get(d);
      const cycle = dep && visit(dep, [...path, p.name]);
      if (cycle) return cycle;
    }
    done.add(p.name);
    return undefined;
  };
  for (const p of packages) {
    const cycle = visit(p, []);
    if (cycle) return cycle;
  }
  return undefined;
}

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
