import { resolve } from 'node:path';
import { buildMany as buildManyInCore, type BuildManyResult } from './core/build-many';
import { runBuild } from './core/pipeline';
import { newBuildJob } from './core/records/new-job';
import { runClean, type CleanResult } from './core/clean';
import { watchPackages as watchInCore, type WatchResult } from './core/watch';
import { syncPackageJson } from './core/package-sync';
import { loadProjectConfig } from './core/load-project-config';
import { openRecordReader } from './core/records/open-store';
import { isBuildJob, type RecordStore } from './core/records/store';
import type { BuildJob } from './core/records/types';
import { getBuildStatus as statusOf, type BuildStatus } from './core/status';
import type { ResolvedBuildConfig } from './config/resolve';
import { builderInEffect } from './config/builders';
import { findBinary } from './utils/find-tool';
import { buildError, EXIT, fail, ok, type BuildError, type Result } from './errors';
import {
  dependencyCycle,
  enclosingPackageDir,
  findPackage,
  inDependencyOrder,
  scanPackages,
  whyNotBuildable,
  type WorkspacePackage,
} from './config/workspace/find-packages';
import { findWorkspaceRoot } from './config/workspace/find-root';
import { locate, locateJobTarget, notFound, noWorkspace, recordStoreFor } from './api/locate';

export type { BuildStatus } from './core/status';
export type { BuildManyResult } from './core/build-many';
export type { CleanResult } from './core/clean';
export type { WatchResult } from './core/watch';
export type { WorkspacePackage } from './config/workspace/find-packages';
export { locate } from './api/locate';

export interface WorkspaceOptions {
  /** Where to look for the workspace (default: process.cwd()). */
  cwd?: string;
  /** Where records live (default: the JSON files under each package's .build-cache, and the database when configured). */
  store?: RecordStore;
  /** Environment variable holding the records database URL (default: the plugin option, else BUILD_SYSTEM_DATABASE_URL). */
  databaseUrlEnv?: string;
}

export interface BuildOptions extends WorkspaceOptions {
  /** Package name or path; alternatively `packageRoot`. */
  project?: string;
  packageRoot?: string;
  environment?: string;
  signal?: AbortSignal;
  /** Receives the build's output as it streams; default: stdout. */
  onOutput?: (text: string) => void;
}

export interface CleanOptions extends BuildOptions {
  /** Also remove .build-cache (records, logs, incremental state). */
  cache?: boolean;
  /** Only list what would be removed (`removed`), delete nothing. */
  dryRun?: boolean;
}

export interface PackageSummary {
  name: string;
  path: string;
  /** The config's `friendlyName` (display only). */
  displayName?: string;
  /** The builder in effect here. */
  builder?: string;
  /** The builder the config asks for (differs from `builder` when bun falls back to esbuild). */
  requestedBuilder?: string;
  outputDir?: string;
  format?: string[];
  entries?: { name: string; path: string }[];
  dts?: boolean;
  dependencies: string[];
  /** Present when the config does not load or validate. */
  errors?: BuildError[];
}

/**
 * The package `cwd` is in when that is below the workspace root (a package script under
 * Turborepo); undefined at the root. An error when that package cannot be built: building
 * the whole workspace instead would make every package's script rebuild the world.
 */
export async function packageAtCwd(options: WorkspaceOptions = {}): Promise<Result<WorkspacePackage | undefined>> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const ws = findWorkspaceRoot(cwd);
  const dir = ws && enclosingPackageDir(ws, cwd);
  if (!ws || !dir) return ok(undefined);
  const { packages } = await scanPackages(ws);
  const pkg = packages.find((p) => resolve(p.root) === dir);
  return pkg ? ok(pkg) : fail(...whyNotBuildable(ws, dir));
}

/** Builds one package through the same pipeline as the Nx executor; resolves with its record. */
export async function build(options: BuildOptions): Promise<BuildJob> {
  const target = await locateJobTarget(options);
  if (!target.ok) return failedJob(target.errors, options.project ?? options.packageRoot ?? '.');
  return runBuild({
    ...target.value,
    environment: options.environment,
    signal: options.signal,
    terminal: options.onOutput,
    trigger: 'api',
    metadata: { runner: 'api' },
  });
}

export interface BuildManyOptions extends WorkspaceOptions {
  /**
   * Package names or paths; they build after the workspace packages they depend on. None: the
   * package the current directory is in (that package only), else every buildable package.
   */
  projects?: string[];
  /** Only the named packages, not their dependencies. */
  only?: boolean;
  /** Rebuild even what is up to date. */
  force?: boolean;
  /** Builds at once (default: the number of cores). */
  parallel?: number;
  /** Clean the named packages first (`rebuild`). */
  cleanFirst?: boolean;
  environment?: string;
  signal?: AbortSignal;
  /** Receives the builds' output; default: stdout. */
  onOutput?: (text: string) => void;
  /** The records' `trigger` (default `api`). */
  trigger?: 'cli' | 'api';
}

/**
 * Builds packages dependencies first, independent ones in parallel, skipping what is up to date
 * (core/build-many.ts). Resolves with a record per package; a problem found before any build
 * (an unknown project, a cycle, an environment a named package lacks) builds nothing, exit code 2.
 */
export async function buildMany(options: BuildManyOptions = {}): Promise<BuildManyResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const refused = (errors: BuildError[]): BuildManyResult => ({ exitCode: EXIT.invalid, jobs: [], errors, summary: [] });
  const ws = findWorkspaceRoot(cwd);
  if (!ws) return refused([noWorkspace(cwd)]);
  const { packages: all, problems } = await scanPackages(ws);
  const projects = options.projects ?? [];
  let requested: WorkspacePackage[] = [];
  let only = options.only ?? false;
  if (projects.length) {
    const errors: BuildError[] = [];
    for (const q of projects) {
      const p = findPackage(all, q, ws.root, cwd);
      if (p) requested.push(p);
      else errors.push(...notFound(ws, all, q, cwd, problems));
    }
    if (errors.length) return refused(errors);
  } else {
    // In a package directory (a package script under Turborepo), that package only: the
    // task runner orders the packages, and every script rebuilding its dependencies would
    // build them once per dependent.
    const here = await packageAtCwd({ cwd });
    if (!here.ok) return refused(here.errors);
    if (here.value) {
      requested = [here.value];
      only = true;
    } else if (problems.length) {
      // Building everything with a package whose package.json is broken fails before anything
      // runs, naming the file, as Nx's graph does; it is never silently left out.
      return refused(problems.flatMap((p) => p.errors));
    }
  }
  if (!all.length) return refused([buildError('PROJECT_NOT_FOUND', 'no buildable projects (no build.config.* of ours) in this workspace')]);
  return buildManyInCore({
    workspaceRoot: ws.root,
    packages: all,
    requested,
    only,
    environment: options.environment,
    parallel: options.parallel,
    force: options.force,
    cleanFirst: options.cleanFirst,
    signal: options.signal ?? new AbortController().signal,
    terminal: options.onOutput ?? ((t) => process.stdout.write(t)),
    // One store for every package: one database connection, one warning when it is down.
    store: recordStoreFor(ws.root, options),
    trigger: options.trigger ?? 'api',
  });
}

export interface WatchOptions extends WorkspaceOptions {
  /** Package names or paths, watched with the workspace packages they depend on. None: the package in cwd, else all. */
  projects?: string[];
  environment?: string;
  /** Ends the watch (the running build is cancelled and its lock released). */
  signal: AbortSignal;
  /** Receives the builds' output; default: stdout. */
  onOutput?: (text: string) => void;
  /** After the initial builds and after every rebuild. */
  onBuilt?: (success: boolean, jobs: BuildJob[]) => void;
}

/**
 * Builds the packages and their workspace dependencies, then rebuilds what changes, and the
 * packages depending on it, until `signal` aborts (core/watch.ts, docs/watch.md).
 */
export async function watch(options: WatchOptions): Promise<WatchResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const refused = (errors: BuildError[]): WatchResult => ({ exitCode: EXIT.invalid, errors, rebuilds: [] });
  const ws = findWorkspaceRoot(cwd);
  if (!ws) return refused([noWorkspace(cwd)]);
  const { packages: all, problems } = await scanPackages(ws);
  const requested: WorkspacePackage[] = [];
  const errors: BuildError[] = [];
  for (const q of options.projects ?? []) {
    const p = findPackage(all, q, ws.root, cwd);
    if (p) requested.push(p);
    else errors.push(...notFound(ws, all, q, cwd, problems));
  }
  if (errors.length) return refused(errors);
  if (!requested.length) {
    const here = await packageAtCwd({ cwd });
    if (!here.ok) return refused(here.errors);
    if (here.value) requested.push(here.value);
    else if (problems.length) return refused(problems.flatMap((p) => p.errors));
  }
  if (!all.length) return refused([buildError('PROJECT_NOT_FOUND', 'no buildable projects (no build.config.* of ours) in this workspace')]);
  return watchInCore({
    workspaceRoot: ws.root,
    packages: all,
    requested,
    environment: options.environment,
    signal: options.signal,
    terminal: options.onOutput ?? ((t) => process.stdout.write(t)),
    store: recordStoreFor(ws.root, options),
    onBuilt: options.onBuilt,
  });
}

export async function clean(options: CleanOptions): Promise<CleanResult> {
  const located = await locate(options.project, options);
  if (!located.ok) return { exitCode: 2, errors: located.errors, removed: [] };
  return runClean({
    workspaceRoot: located.value.workspaceRoot,
    packageRoot: located.value.pkg.root,
    environment: options.environment,
    cache: options.cache,
    dryRun: options.dryRun,
    signal: options.signal,
    terminal: options.onOutput,
    store: options.store,
  });
}

/** Buildable packages of the workspace around `cwd`, with their resolved options; none outside a workspace. */
export async function listPackages(options: WorkspaceOptions & { environment?: string } = {}): Promise<PackageSummary[]> {
  const listed = await listProjects(options);
  return listed.ok ? listed.value : [];
}

/** Like listPackages, but outside a workspace an error (as `build` and `status` give). */
export async function listProjects(options: WorkspaceOptions & { environment?: string } = {}): Promise<Result<PackageSummary[]>> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const ws = findWorkspaceRoot(cwd);
  if (!ws) return fail(noWorkspace(cwd));
  const { packages, problems } = await scanPackages(ws);
  const summaries = await Promise.all(
    inDependencyOrder(packages).map(async (p): Promise<PackageSummary> => {
      const cfg = await loadProjectConfig({
        workspaceRoot: ws.root,
        packageRoot: p.root,
        environment: options.environment ?? 'production',
      });
      const base = { name: p.name, path: p.path, dependencies: p.dependencies };
      if (!cfg.ok) return { ...base, errors: cfg.errors };
      const c = cfg.value;
      // The builder that will run here (bun falls back to esbuild without a bun binary), and the one asked for.
      const builder = builderInEffect(c.builder, (b) => Boolean(findBinary(b, [c.packageRoot, c.workspaceRoot])));
      return {
        ...base,
        ...(c.friendlyName ? { displayName: c.friendlyName } : {}),
        builder,
        requestedBuilder: c.builder,
        outputDir: c.outputDir,
        format: c.format,
        entries: c.entries,
        dts: c.dts,
      };
    }),
  );
  // Named by path: a package.json that does not parse has no name to give.
  return ok([...summaries, ...problems.map((p) => ({ name: p.path, path: p.path, dependencies: [], errors: p.errors }))]);
}

/** The latest record of a project and whether its outputs are stale, with the reasons. */
export async function getBuildStatus(project: string, options: WorkspaceOptions = {}): Promise<Result<BuildStatus>> {
  const located = await locate(project, options);
  if (!located.ok) return located;
  const { workspaceRoot, pkg } = located.value;
  const cfg = await loadProjectConfig({ workspaceRoot, packageRoot: pkg.root, environment: 'production' });
  const outputDirs = cfg.ok ? [cfg.value.outputDir] : ['dist'];
  return ok(
    await statusOf(options.store ?? openRecordReader(workspaceRoot, { urlEnv: options.databaseUrlEnv }), pkg, outputDirs, workspaceRoot),
  );
}

/** A project's records, newest first. */
export async function getBuildHistory(project: string, options: WorkspaceOptions & { limit?: number } = {}): Promise<Result<BuildJob[]>> {
  const located = await locate(project, options);
  if (!located.ok) return located;
  const store = options.store ?? openRecordReader(located.value.workspaceRoot, { urlEnv: options.databaseUrlEnv });
  return ok((await store.history(located.value.pkg.path, options.limit)).filter(isBuildJob));
}

/** Loads, validates and resolves a package's build.config.* (no build). */
export async function loadBuildConfig(
  packageRoot: string,
  options: { environment?: string; workspaceRoot?: string } = {},
): Promise<Result<ResolvedBuildConfig>> {
  const root = resolve(packageRoot);
  const workspaceRoot = options.workspaceRoot ? resolve(options.workspaceRoot) : (findWorkspaceRoot(root)?.root ?? root);
  return loadProjectConfig({ workspaceRoot, packageRoot: root, environment: options.environment ?? 'production' });
}

export interface PackageSyncSummary {
  name: string;
  path: string;
  /** package.json, workspace-relative. */
  file?: string;
  /** Fields out of step (written unless `check`): `main`, `exports["./cli"]`, … */
  changed: string[];
  written: boolean;
  skipped?: string;
  /** Present when the config does not load or package.json does not parse. */
  errors?: BuildError[];
}

/**
 * package.json `main`/`module`/`types`/`exports` brought in step with each package's build
 * config (all buildable packages when none are named); with `check`, only reported.
 */
export async function syncPackages(
  projects: string[],
  options: WorkspaceOptions & { check?: boolean; environment?: string } = {},
): Promise<Result<PackageSyncSummary[]>> {
  const order = await buildOrder(projects, options);
  if (!order.ok) return order;
  const out: PackageSyncSummary[] = [];
  for (const p of order.value.packages) {
    const r = await syncPackageJson({
      workspaceRoot: order.value.workspaceRoot,
      packageRoot: p.root,
      environment: options.environment,
      check: options.check,
    });
    out.push(
      r.ok ? { name: p.name, path: p.path, ...r.value } : { name: p.name, path: p.path, changed: [], written: false, errors: r.errors },
    );
  }
  return ok(out);
}

/** Orders projects (names or paths) so dependencies build first. */
export async function buildOrder(
  projects: string[],
  options: WorkspaceOptions = {},
): Promise<Result<{ workspaceRoot: string; packages: WorkspacePackage[] }>> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const ws = findWorkspaceRoot(cwd);
  if (!ws) return fail(buildError('PROJECT_NOT_FOUND', `no workspace or package.json found from ${cwd}`));
  const { packages: all, problems } = await scanPackages(ws);
  // Building everything with a package whose package.json is broken fails before anything
  // runs, naming the file, as Nx's graph does; it is never silently left out.
  if (!projects.length && problems.length) return fail(...problems.flatMap((p) => p.errors));
  const picked: WorkspacePackage[] = [];
  const errors: BuildError[] = [];
  for (const q of projects) {
    const p = findPackage(all, q, ws.root, cwd);
    if (p) picked.push(p);
    else errors.push(...notFound(ws, all, q, cwd, problems));
  }
  if (errors.length) return fail(...errors);
  const chosen = projects.length ? picked : all;
  // As Nx's task graph does: a cycle has no order to build in.
  const cycle = dependencyCycle(chosen);
  if (cycle) return fail(buildError('WORKSPACE_INVALID', `the packages depend on each other in a cycle: ${cycle.join(' → ')}`));
  return ok({ workspaceRoot: ws.root, packages: inDependencyOrder(chosen) });
}

function failedJob(errors: BuildError[], project: string): BuildJob {
  const now = new Date().toISOString();
  return newBuildJob({
    id: 'none',
    packageName: project,
    packagePath: project,
    environment: 'production',
    startTime: now,
    endTime: now,
    status: 'failed',
    exitCode: 2,
    durationMs: 0,
    errors,
    logs: '',
    trigger: 'api',
    metadata: {},
  });
}
