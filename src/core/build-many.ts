import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { builderInEffect } from '../config/builders';
import { BUILT_IN_ENVIRONMENTS } from '../config/define';
import { builderInSource } from '../config/find';
import { loadConfigModule } from '../config/load';
import { findBinary } from '../utils/find-tool';
import type { WarmSession } from '../adapters/warm-session';
import { buildError, EXIT, type BuildError } from '../errors';
import { dependencyCycle, inDependencyOrder, type WorkspacePackage } from '../config/workspace/find-packages';
import { runClean } from './clean';
import type { TerminalSink } from './log';
import { DEFAULT_ENVIRONMENT, runBuild } from './pipeline';
import { newBuildJob } from './records/new-job';
import { newJobId } from './records/json-store';
import { openRecordStore } from './records/open-store';
import { RETAINED_JOBS, type RecordStore } from './records/store';
import type { BuildJob } from './records/types';
import { checkUpToDate } from './up-to-date';

/**
 * Builds many packages of a workspace without Nx, as `dependsOn: ['^build']` would under Nx:
 * dependencies first, independent packages in parallel, a failure stopping only the packages
 * that depend on it (they get a `skipped` record naming it), and the CLI's own up-to-date
 * check instead of Nx's cache. The CLI's `build` and the API's `buildMany` are thin over it.
 */
export interface BuildManyRequest {
  workspaceRoot: string;
  /** Every buildable package of the workspace: where dependencies are looked up. */
  packages: WorkspacePackage[];
  /** The packages asked for by name or path; none asked for means `packages`, all of them. */
  requested: WorkspacePackage[];
  /** Build only the requested packages, not the workspace packages they depend on. */
  only?: boolean;
  environment?: string;
  /** How many builds run at once (default: the number of cores). */
  parallel?: number;
  /** Rebuild even what is up to date. */
  force?: boolean;
  /** Clean the requested packages first (`rebuild`). */
  cleanFirst?: boolean;
  signal: AbortSignal;
  /** Where build output goes; builds running side by side print theirs as one block each. */
  terminal: TerminalSink;
  store?: RecordStore;
  trigger: 'cli' | 'api' | 'watch';
  metadata?: Record<string, unknown>;
  /** A watch's builder state, kept for its rebuilds (adapters/warm-session.ts). */
  session?: WarmSession;
}

export interface BuildManyResult {
  exitCode: number;
  /** One record per package, in build order (packages never started after a Ctrl-C have none). */
  jobs: BuildJob[];
  /** Problems found before any build started (nothing was built). */
  errors: BuildError[];
  /** Every package of the plan with its status, `not started` for those a Ctrl-C kept from starting. */
  summary: { name: string; path: string; status: BuildJob['status'] | 'not started'; job?: BuildJob }[];
}

/** The packages to build, in dependency order: the requested ones and, unless `only`, their workspace dependencies. */
export function planBuild(
  all: WorkspacePackage[],
  requested: WorkspacePackage[],
  only = false,
): { order: WorkspacePackage[]; cycle?: string[] } {
  const byName = new Map(all.map((p) => [p.name, p]));
  const chosen = new Map<string, WorkspacePackage>();
  const add = (p: WorkspacePackage) => {
    if (chosen.has(p.name)) return;
    chosen.set(p.name, p);
    if (!only) for (const d of p.dependencies) if (byName.has(d)) add(byName.get(d)!);
  };
  for (const p of requested.length ? requested : all) add(p);
  const picked = [...chosen.values()];
  const cycle = dependencyCycle(picked) ?? (only ? dependencyCycle(all) : undefined);
  // Ordered in the whole graph: with `only`, a dependency reached through a package left out still comes first.
  return cycle ? { order: [], cycle } : { order: inDependencyOrder(only ? all : picked).filter((p) => chosen.has(p.name)) };
}

/** Workspace dependencies of `pkg`, transitively, among `all`. */
export function transitiveDependencies(pkg: WorkspacePackage, all: WorkspacePackage[]): WorkspacePackage[] {
  const byName = new Map(all.map((p) => [p.name, p]));
  const seen = new Map<string, WorkspacePackage>();
  const visit = (p: WorkspacePackage) => {
    for (const d of p.dependencies) {
      const dep = byName.get(d);
      if (dep && !seen.has(d)) {
        seen.set(d, dep);
        visit(dep);
      }
    }
  };
  visit(pkg);
  return [...seen.values()];
}

export async function buildMany(req: BuildManyRequest): Promise<BuildManyResult> {
  const store = req.store ?? openRecordStore(req.workspaceRoot);
  const plan = planBuild(req.packages, req.requested, req.only);
  if (plan.cycle)
    return refused([buildError('WORKSPACE_INVALID', `the packages depend on each other in a cycle: ${plan.cycle.join(' → ')}`)]);
  const environments = await environmentsFor(req, plan.order);
  if (!environments.ok) {
    if (!environments.lacking.length) return refused(environments.errors);
    // Named packages without the environment: their builds fail validation (and are recorded,
    // as any build is) before anything else is built.
    const jobs: BuildJob[] = [];
    for (const pkg of environments.lacking) {
      req.terminal(`\n> build ${pkg.name}\n`);
      jobs.push(
        await runBuild({
          workspaceRoot: req.workspaceRoot,
          packageRoot: pkg.root,
          environment: req.environment,
          signal: req.signal,
          terminal: req.terminal,
          store,
          trigger: req.trigger,
          metadata: { runner: req.trigger, ...req.metadata },
        }),
      );
    }
    return {
      exitCode: combinedExitCode(jobs),
      jobs,
      errors: [],
      summary: jobs.map((job) => ({ name: job.packageName, path: job.packagePath, status: job.status, job })),
    };
  }
  // `rebuild`: the packages asked for are cleaned first; a clean that fails builds nothing.
  for (const pkg of req.cleanFirst ? req.requested : []) {
    const cleaned = await runClean({
      workspaceRoot: req.workspaceRoot,
      packageRoot: pkg.root,
      environment: environments.value.get(pkg.name),
      signal: req.signal,
      terminal: req.terminal,
      store,
    });
    if (cleaned.exitCode !== 0) return { exitCode: cleaned.exitCode, jobs: [], errors: cleaned.errors, summary: [] };
  }

  const inPlan = new Set(plan.order.map((p) => p.name));
  // What each package waits for: its dependencies in the plan, also those reached through packages left out (`only`).
  const waitsFor = new Map(
    plan.order.map((p) => [
      p.name,
      transitiveDependencies(p, req.packages)
        .map((d) => d.name)
        .filter((d) => inPlan.has(d)),
    ]),
  );
  const results = new Map<string, BuildJob>();
  /** For each package not built: the failed packages that kept it from building. */
  const failedBecause = new Map<string, string[]>();
  const parallel = Math.max(1, req.parallel ?? availableParallelism());
  // Output of builds running side by side would interleave line by line: each prints as one block.
  const blocks = parallel > 1 && plan.order.length > 1;
  const said = new Set<string>();
  const notices = { first: (n: string) => !said.has(n) && Boolean(said.add(n)) };
  const pending = [...plan.order];
  const running = new Map<string, Promise<void>>();

  const start = (pkg: WorkspacePackage) => {
    const run = buildOne(pkg).then((job) => {
      results.set(pkg.name, job);
      running.delete(pkg.name);
    });
    running.set(pkg.name, run);
  };

  const buildOne = async (pkg: WorkspacePackage): Promise<BuildJob> => {
    let buffered = '';
    const header = `\n> build ${pkg.name}\n`;
    const out: TerminalSink = blocks ? (t) => void (buffered += t) : req.terminal;
    if (!blocks) req.terminal(header);
    try {
      const dependencyPaths = transitiveDependencies(pkg, req.packages).map((d) => d.path);
      return await runBuild({
        workspaceRoot: req.workspaceRoot,
        packageRoot: pkg.root,
        environment: environments.value.get(pkg.name),
        signal: req.signal,
        terminal: out,
        store,
        trigger: req.trigger,
        metadata: { runner: req.trigger, ...req.metadata },
        notices,
        ...(req.session ? { session: req.session } : {}),
        upToDate: (config, builder) => checkUpToDate({ config, builder, store, dependencyPaths, force: req.force ?? false }),
      });
    } finally {
      if (blocks) req.terminal(header + buffered);
    }
  };

  /** The record of a package not built because a dependency failed. */
  const recordSkipped = async (pkg: WorkspacePackage, errors: BuildError[]): Promise<BuildJob> => {
    const id = newJobId();
    const now = new Date().toISOString();
    const requested = requestedBuilder(pkg);
    const job = newBuildJob({
      id,
      packagePath: pkg.path,
      packageName: pkg.name,
      environment: environments.value.get(pkg.name) ?? DEFAULT_ENVIRONMENT,
      startTime: now,
      endTime: now,
      durationMs: 0,
      status: 'skipped',
      exitCode: null,
      errors,
      requestedBuilder: requested,
      builder: builderInEffect(requested, (b) => Boolean(findBinary(b, [pkg.root, req.workspaceRoot]))),
      logs: store.logPath(pkg.path, id),
      trigger: req.trigger,
      metadata: { runner: req.trigger, ...req.metadata, failedDependencies: failedBecause.get(pkg.name) },
    });
    await store.appendLog(job, errors.map((e) => `skipped: ${e.message}\n`).join(''));
    await store.saveJob(job);
    await store.prune(pkg.path, RETAINED_JOBS);
    await store.flush?.();
    return job;
  };

  const skip = async (pkg: WorkspacePackage, failed: string[]) => {
    failedBecause.set(pkg.name, failed);
    const message = `not built: ${failed.length === 1 ? 'its dependency' : 'its dependencies'} ${failed.join(', ')} failed`;
    req.terminal(`\n> skip ${pkg.name}: ${message.slice('not built: '.length)}\n`);
    results.set(
      pkg.name,
      await recordSkipped(pkg, [buildError('DEPENDENCY_FAILED', message, { phase: 'validate', found: failed.join(', ') })]),
    );
  };

  while (pending.length || running.size) {
    if (req.signal.aborted && !running.size) break;
    let progressed = true;
    while (progressed && !req.signal.aborted) {
      progressed = false;
      for (const pkg of [...pending]) {
        const deps = waitsFor.get(pkg.name)!;
        if (deps.some((d) => !results.has(d))) continue;
        const failed = deps.filter((d) => results.get(d)!.status !== 'success');
        if (!failed.length && running.size >= parallel) continue;
        pending.splice(pending.indexOf(pkg), 1);
        progressed = true;
        if (failed.length) await skip(pkg, [...new Set(failed.flatMap((d) => failedBecause.get(d) ?? [d]))]);
        else start(pkg);
      }
    }
    if (running.size) await Promise.race(running.values());
    else if (pending.length && !req.signal.aborted) break;
  }

  const jobs = plan.order.map((p) => results.get(p.name)).filter((j): j is BuildJob => Boolean(j));
  const summary = plan.order.map((p) => {
    const job = results.get(p.name);
    return { name: p.name, path: p.path, status: job?.status ?? ('not started' as const), ...(job ? { job } : {}) };
  });
  const exitCode = req.signal.aborted ? EXIT.cancelled : combinedExitCode(jobs);
  return { exitCode, jobs, errors: [], summary };
}

function refused(errors: BuildError[]): BuildManyResult {
  return { exitCode: EXIT.invalid, jobs: [], errors, summary: [] };
}

/** One exit code for many builds: a Ctrl-C, then a lock timeout, then 2 when every failure was a config problem, else 1. */
export function combinedExitCode(jobs: Pick<BuildJob, 'status' | 'exitCode'>[]): number {
  const codes = jobs.filter((j) => j.status !== 'success' && j.status !== 'skipped').map((j) => j.exitCode ?? EXIT.failed);
  if (!codes.length) return jobs.some((j) => j.status === 'skipped') ? EXIT.failed : EXIT.success;
  for (const code of [EXIT.cancelled, EXIT.lockTimeout]) if (codes.includes(code)) return code;
  return codes.every((c) => c === EXIT.invalid) ? EXIT.invalid : EXIT.failed;
}

/**
 * The environment each package builds with. A built-in one applies to all. Any other must be
 * declared by every package asked for by name (else nothing builds: a typo must not build
 * production); a package built as a dependency, or as one of all, that does not declare it
 * builds with production, as Nx resolves a configuration a project lacks.
 */
async function environmentsFor(
  req: BuildManyRequest,
  order: WorkspacePackage[],
): Promise<{ ok: true; value: Map<string, string | undefined> } | { ok: false; errors: BuildError[]; lacking: WorkspacePackage[] }> {
  const env = req.environment;
  const out = new Map<string, string | undefined>(order.map((p) => [p.name, env]));
  if (env === undefined || (BUILT_IN_ENVIRONMENTS as readonly string[]).includes(env)) return { ok: true, value: out };
  const declared = new Map<string, string[] | undefined>();
  await Promise.all(order.map(async (p) => declared.set(p.name, await declaredEnvironments(p, req.workspaceRoot, env))));
  const named = new Set(req.requested.map((p) => p.name));
  const lacking: WorkspacePackage[] = [];
  for (const p of order) {
    const names = declared.get(p.name);
    // A config that does not load: its build reports why.
    if (!names || names.includes(env)) continue;
    if (named.has(p.name)) lacking.push(p);
    else out.set(p.name, DEFAULT_ENVIRONMENT);
  }
  if (lacking.length) return { ok: false, errors: [], lacking };
  if (!named.size && order.every((p) => out.get(p.name) !== env)) {
    const all = [...new Set([...BUILT_IN_ENVIRONMENTS, ...order.flatMap((p) => declared.get(p.name) ?? [])])];
    const error = buildError('CONFIG_INVALID', `unknown environment "${env}": no package declares it`, {
      phase: 'validate',
      field: 'environments',
      expected: all.map((e) => JSON.stringify(e)).join(' | '),
      found: JSON.stringify(env),
    });
    return { ok: false, errors: [error], lacking: [] };
  }
  return { ok: true, value: out };
}

async function declaredEnvironments(pkg: WorkspacePackage, workspaceRoot: string, environment: string): Promise<string[] | undefined> {
  const loaded = await loadConfigModule(pkg.configFile, { environment }, workspaceRoot);
  if (!loaded.ok) return undefined;
  const envs = (loaded.value.raw as { environments?: unknown } | undefined)?.environments;
  return envs && typeof envs === 'object' ? Object.keys(envs) : [];
}

/** The builder a config asks for, read without executing it (a skipped package is never loaded). */
function requestedBuilder(pkg: WorkspacePackage): string {
  try {
    return builderInSource(readFileSync(pkg.configFile, 'utf8')) ?? 'esbuild';
  } catch {
    return 'unknown';
  }
}
