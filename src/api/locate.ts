import { statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { BuildOptions, WorkspaceOptions } from '../api';
import { findPackage, scanPackages, whyNotBuildable, type PackageProblem, type WorkspacePackage } from '../config/workspace/find-packages';
import { findWorkspaceRoot, type WorkspaceRoot } from '../config/workspace/find-root';
import { openRecordStore } from '../core/records/open-store';
import type { RecordStore } from '../core/records/store';
import { buildError, fail, ok, type BuildError, type Result } from '../errors';

export interface Located {
  workspaceRoot: string;
  pkg: WorkspacePackage;
  packages: WorkspacePackage[];
}

/** Finds the workspace and one of its buildable packages, by name or path. */
export async function locate(project: string | undefined, opts: WorkspaceOptions & { packageRoot?: string }): Promise<Result<Located>> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const ws = findWorkspaceRoot(opts.packageRoot ? resolve(cwd, opts.packageRoot) : cwd);
  if (!ws) return fail(noWorkspace(cwd));
  const { packages, problems } = await scanPackages(ws);
  const query = project ?? opts.packageRoot ?? '.';
  const pkg = findPackage(packages, query, ws.root, cwd);
  if (!pkg) return fail(...notFound(ws, packages, query, cwd, problems));
  return ok({ workspaceRoot: ws.root, pkg, packages });
}

/** Where a job on one package (a build, an upload) runs, and the store its record goes to. */
export interface JobTarget {
  workspaceRoot: string;
  packageRoot: string;
  store: RecordStore;
}

/** The package `options` name (`project` or `packageRoot`) located, with the store for its record. */
export async function locateJobTarget(options: BuildOptions): Promise<Result<JobTarget>> {
  const located = await locate(options.project, options);
  if (!located.ok) return located;
  const { workspaceRoot, pkg } = located.value;
  return ok({ workspaceRoot, packageRoot: pkg.root, store: recordStoreFor(workspaceRoot, options) });
}

/** The caller's store, else the workspace's: the JSON files, and the database when one is configured. */
export function recordStoreFor(workspaceRoot: string, options: WorkspaceOptions): RecordStore {
  return options.store ?? openRecordStore(workspaceRoot, { urlEnv: options.databaseUrlEnv });
}

/** A query that names no buildable package: explained when it is a directory of the workspace. */
export function notFound(
  ws: WorkspaceRoot,
  packages: WorkspacePackage[],
  query: string,
  cwd: string,
  problems: PackageProblem[] = [],
): BuildError[] {
  // A name two packages share: say so rather than "unknown".
  const shared = problems.filter((p) => p.name === query);
  if (shared.length) return shared.flatMap((p) => p.errors);
  for (const base of [cwd, ws.root]) {
    const dir = resolve(base, query);
    const inside = dir === ws.root || dir.startsWith(ws.root + sep);
    if (inside && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return whyNotBuildable(ws, dir);
  }
  return [
    buildError(
      'PROJECT_NOT_FOUND',
      `unknown project "${query}": buildable projects are ${packages.map((p) => p.name).join(', ') || 'none'}`,
    ),
  ];
}

export const noWorkspace = (cwd: string) => buildError('PROJECT_NOT_FOUND', `no workspace or package.json found from ${cwd}`);
