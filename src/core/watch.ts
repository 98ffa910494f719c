import { watch as watchDir, type FSWatcher } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { buildError, EXIT, type BuildError } from '../errors';
import { WarmSession } from '../adapters/warm-session';
import { watchTree, type TreeWatcher } from '../utils/watch-tree';
import type { WorkspacePackage } from '../config/workspace/find-packages';
import { NOT_SOURCE_DIRS } from '../config/define';
import { buildMany, planBuild, transitiveDependencies, type BuildManyResult } from './build-many';
import { loadProjectConfig } from './load-project-config';
import type { TerminalSink } from './log';
import { DEFAULT_ENVIRONMENT, runBuild } from './pipeline';
import type { RecordStore } from './records/store';
import type { BuildJob } from './records/types';
import { checkUpToDate } from './up-to-date';
import { OutsideWatcher, outsideInputs, workspaceRelative } from './watch-outside';
import { WatchQueue } from './watch-queue';

/**
 * Quiet time after the last change before a rebuild starts: an editor's save is several events,
 * a few milliseconds apart. Kept short (it is part of every edit's wait, docs/benchmarks.md):
 * a change arriving later only queues one more build, which an unchanged content makes up to date.
 */
export const WATCH_DEBOUNCE_MS = 25;

const CONFIG_FILE = /^build\.config\.[cm]?[jt]s$/;
/** Editors' temporary files (vim's swap files and its `4913` probe, emacs lock files, backups). */
const EDITOR_TEMP = /(^|\/)(\.#[^/]*|#[^/]*#|[^/]*~|[^/]*\.sw[px]|4913|\.DS_Store)$/;

export interface WatchRequest {
  workspaceRoot: string;
  /** Every buildable package of the workspace. */
  packages: WorkspacePackage[];
  /** The packages asked for; the workspace packages they depend on are watched too. */
  requested: WorkspacePackage[];
  environment?: string;
  /** Ends the watch: the running build is cancelled (its lock released), the watchers closed. */
  signal: AbortSignal;
  terminal: TerminalSink;
  store: RecordStore;
  debounceMs?: number;
  /** After the initial builds (every job of them) and after every rebuild (its job). */
  onBuilt?: (success: boolean, jobs: BuildJob[]) => void;
}

export interface WatchResult {
  exitCode: number;
  /** Problems found before anything was built or watched (a cycle). */
  errors: BuildError[];
  /** The initial builds. */
  initial?: BuildManyResult;
  /** Every rebuild, in the order they ran. */
  rebuilds: BuildJob[];
}

/**
 * `build-system watch` and the `watch` executor (docs/watch.md): builds the packages and their
 * workspace dependencies in dependency order, then rebuilds a package when its inputs change
 * (its files, outputs and build state aside) and, after a successful rebuild, the watched
 * packages that depend on it. One build at a time, each through the normal pipeline (lock,
 * staging, atomic swap, record with `trigger: "watch"`); a failure is shown and the watch goes on.
 */
export async function watchPackages(req: WatchRequest): Promise<WatchResult> {
  const plan = planBuild(req.packages, req.requested);
  if (plan.cycle) {
    const error = buildError('WORKSPACE_INVALID', `the packages depend on each other in a cycle: ${plan.cycle.join(' → ')}`);
    return { exitCode: EXIT.invalid, errors: [error], rebuilds: [] };
  }
  const watched = plan.order;
  const dependsOn = new Map(watched.map((p) => [p.name, transitiveDependencies(p, req.packages).map((d) => d.name)]));
  const queue = new WatchQueue(watched.map((p) => ({ name: p.name, dependsOn: dependsOn.get(p.name)!.filter((d) => dependsOn.has(d)) })));
  const rebuilds: BuildJob[] = [];
  // Builders kept warm between builds (an esbuild context per package and format), freed at the end.
  const session = new WarmSession();
  let busy = true;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;

  const runNext = () => {
    if (busy || req.signal.aborted) return;
    const next = queue.next();
    if (!next) return;
    busy = true;
    current = rebuild(next.name, next.changedFiles, next.dependenciesRebuilt).finally(() => {
      busy = false;
      current = undefined;
      if (queue.pending) schedule();
    });
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(runNext, req.debounceMs ?? WATCH_DEBOUNCE_MS);
  };

  const rebuild = async (name: string, changedFiles: string[], dependenciesRebuilt: string[]) => {
    const pkg = watched.find((p) => p.name === name)!;
    const why = changedFiles.length ? describeFiles(changedFiles) : `${dependenciesRebuilt.join(', ')} rebuilt`;
    req.terminal(`\n> rebuild ${name} (${why})\n`);
    const dependencyPaths = transitiveDependencies(pkg, req.packages).map((d) => d.path);
    const job = await runBuild({
      workspaceRoot: req.workspaceRoot,
      packageRoot: pkg.root,
      environment: req.environment,
      signal: req.signal,
      terminal: req.terminal,
      store: req.store,
      trigger: 'watch',
      changedFiles,
      session,
      metadata: { runner: 'watch', ...(dependenciesRebuilt.length ? { dependenciesRebuilt } : {}) },
      // `incremental: false`: no shortcut, every rebuild is a full one.
      upToDate: (config, builder) => checkUpToDate({ config, builder, store: req.store, dependencyPaths, force: !config.incremental }),
    });
    queue.finished(name, job.status === 'success');
    rebuilds.push(job);
    if (job.status !== 'cancelled') req.terminal(`${statusLine(job)}\n`);
    req.onBuilt?.(job.status === 'success', [job]);
  };

  // Watching starts before the initial builds: an edit made while they run is not lost.
  // Every outputDir a package's config has named while watched stays ignored (old outputs are not inputs).
  const configs = await Promise.all(watched.map((p) => watchedConfigOf(p, req)));
  const outputDirs = configs.map((c) => new Set([c.outputDir]));
  // What the config says is read outside the package: an edited preset or base tsconfig rebuilds.
  const rescan = (index: number) =>
    void watchedConfigOf(watched[index], req).then((c) => {
      outputDirs[index].add(c.outputDir);
      // A config that did not load this time (mid-edit) keeps what was watched.
      if (c.outside) outside.set(index, c.outside);
    });
  const outside = new OutsideWatcher((index, file) => {
    queue.changed(watched[index].name, [workspaceRelative(req.workspaceRoot, file)]);
    rescan(index);
    schedule();
  });
  configs.forEach((c, i) => outside.set(i, c.outside ?? []));
  const onChange = (pkg: WorkspacePackage, index: number, rel: string) => {
    if (CONFIG_FILE.test(rel)) rescan(index);
    queue.changed(pkg.name, [pkg.path ? `${pkg.path}/${rel}` : rel]);
    schedule();
  };
  const watchers: (TreeWatcher | FSWatcher)[] = watched.map((pkg, i) => {
    const nested = nestedPackages(pkg, req.packages);
    return watchTree(pkg.root, {
      ignore: (rel) => [...outputDirs[i]].some((dir) => ignored(rel, dir)) || nested.some((n) => rel === n || rel.startsWith(`${n}/`)),
      onChange: (rel) => onChange(pkg, i, rel),
    });
  });
  // A workspace tsconfig (the base the packages' tsconfigs extend) concerns every package.
  const rootWatcher = watchRoot(req.workspaceRoot, (file) => {
    for (const pkg of watched) queue.changed(pkg.name, [file]);
    schedule();
  });
  if (rootWatcher) watchers.push(rootWatcher);

  try {
    const initial = await buildMany({
      workspaceRoot: req.workspaceRoot,
      packages: req.packages,
      requested: req.requested,
      environment: req.environment,
      parallel: 1,
      signal: req.signal,
      terminal: req.terminal,
      store: req.store,
      trigger: 'watch',
      session,
    });
    if (initial.errors.length) return { exitCode: initial.exitCode, errors: initial.errors, initial, rebuilds };
    req.onBuilt?.(initial.exitCode === 0, initial.jobs);
    if (!req.signal.aborted) {
      const names = watched.map((p) => p.name).join(', ');
      req.terminal(`\nwatching ${watched.length === 1 ? names : `${watched.length} packages (${names})`} for changes (Ctrl-C to stop)\n`);
    }
    busy = false;
    if (queue.pending) schedule();
    await new Promise<void>((res) => (req.signal.aborted ? res() : req.signal.addEventListener('abort', () => res(), { once: true })));
    return { exitCode: EXIT.cancelled, errors: [], initial, rebuilds };
  } finally {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
    outside.close();
    // The running build sees the same signal: it stops its builder and releases the lock.
    await current;
    await session.dispose();
  }
}

/** Whether a path under a package (relative, posix) is not one of its inputs. */
export function ignored(rel: string, outputDir: string): boolean {
  const first = rel.split('/')[0];
  if (NOT_SOURCE_DIRS.has(first)) return true;
  if (rel === outputDir || rel.startsWith(`${outputDir}/`)) return true;
  return EDITOR_TEMP.test(rel);
}

/** Packages inside this one (a root package around the others), relative to it: their files are theirs. */
function nestedPackages(pkg: WorkspacePackage, all: WorkspacePackage[]): string[] {
  const root = resolve(pkg.root);
  return all
    .map((p) => resolve(p.root))
    .filter((r) => r.startsWith(root + sep))
    .map((r) => relative(root, r).split(sep).join('/'));
}

/**
 * The package's outputDir and the files outside it that its build reads, as its config resolves
 * them (the default outputDir and nothing outside when the config does not load: the build says why).
 */
async function watchedConfigOf(pkg: WorkspacePackage, req: WatchRequest): Promise<{ outputDir: string; outside?: string[] }> {
  const loaded = await loadProjectConfig({
    workspaceRoot: req.workspaceRoot,
    packageRoot: pkg.root,
    environment: req.environment ?? DEFAULT_ENVIRONMENT,
  });
  const dir = loaded.ok ? loaded.value.outputDir : 'dist';
  const outputDir = dir.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  return { outputDir, outside: loaded.ok ? await outsideInputs(loaded.value).catch(() => undefined) : undefined };
}

function watchRoot(root: string, onTsconfig: (file: string) => void): FSWatcher | undefined {
  try {
    return watchDir(root, { persistent: true }, (_event, name) => {
      const file = name ? String(name) : '';
      if (/^tsconfig[^/\\]*\.json$/.test(file)) onTsconfig(file);
    });
  } catch {
    return undefined;
  }
}

function describeFiles(files: string[]): string {
  const shown = files.slice(0, 3).join(', ');
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}

function statusLine(job: BuildJob): string {
  if (job.status === 'success') {
    const how = job.cache === 'up-to-date' ? 'up to date' : `built in ${job.durationMs ?? 0} ms`;
    return `${job.packageName}: ${how}; watching`;
  }
  // The errors were shown, located, by the build itself.
  return `${job.packageName}: ${job.status}; watching for the next change`;
}
