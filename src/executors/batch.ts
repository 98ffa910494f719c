import childProcess, { type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ExecutorContext, Task, TaskGraph } from '@nx/devkit';
import { runBuild, type BuildRequest } from '../core/pipeline';
import { listenForStop } from '../core/signals';

/** What a batch executor reports per task (Nx's BatchExecutorTaskResult). */
export interface BatchTaskResult {
  success: boolean;
  /** A build stopped by SIGINT/SIGTERM is `stopped`, as Nx calls a forked task it stopped (the run exits 130). */
  status: 'success' | 'failure' | 'stopped';
  terminalOutput: string;
  startTime: number;
  endTime: number;
}

/** How a single-task executor turns its options into a build: the batch runs that same request. */
export type RequestFor<O> = (options: O, context: ExecutorContext, env: NodeJS.ProcessEnv) => BuildRequest;

/** Nx's default `--parallel`: it does not tell a batch the value it was given. */
const DEFAULT_PARALLEL = 3;

/**
 * A batch implementation (docs/architecture.md#batches): Nx hands every task of one executor
 * to one process, which builds them through the same pipeline as the single-task executor,
 * each with its own lock, record, output and result, in dependency order. A task whose
 * dependency failed or was cancelled, and any not started before SIGINT/SIGTERM, is left out
 * of the results: Nx then skips or stops it exactly as it does for forked tasks.
 */
export function createBatchExecutor<O>(requestFor: RequestFor<O>) {
  return async function* batchExecutor(
    taskGraph: TaskGraph,
    inputs: Record<string, O>,
    _overrides: unknown,
    context: ExecutorContext,
  ): AsyncGenerator<{ task: string; result: BatchTaskResult }> {
    const stop = listenForStop();
    const children = trackChildProcesses();
    try {
      const envs = new Map(Object.values(taskGraph.tasks).map((t) => [t.id, taskEnv(t, context)]));
      // A task whose own dotenv files change the environment runs alone, in that environment: a
      // config reading process.env while it loads sees what it would see in a forked process.
      const alone = (task: Task) => ownDotEnv(envs.get(task.id)!, process.env);
      const run = (task: Task) => {
        const build = () => runTask(task, inputs[task.id], envs.get(task.id)!, context, requestFor, stop.signal);
        return alone(task) ? withProcessEnv(envs.get(task.id)!, build) : build();
      };
      yield* inDependencyOrder(taskGraph, parallelism(), stop.signal, run, alone);
    } finally {
      await children.settle();
      stop.release();
      exitWhenNxDisconnects();
    }
  };
}

async function runTask<O>(
  task: Task,
  options: O,
  env: NodeJS.ProcessEnv,
  context: ExecutorContext,
  requestFor: RequestFor<O>,
  signal: AbortSignal,
): Promise<BatchTaskResult> {
  const startTime = Date.now();
  let terminalOutput = '';
  try {
    const request = requestFor(options, contextOf(task, context), env);
    const job = await runBuild({ ...request, signal, terminal: (text) => (terminalOutput += text) });
    const status = job.status === 'success' ? 'success' : job.status === 'cancelled' ? 'stopped' : 'failure';
    return { success: status === 'success', status, terminalOutput, startTime, endTime: Date.now() };
  } catch (err) {
    // What the single-task executor would throw (an unknown project): that task's failure only.
    terminalOutput += `${(err as Error).message}\n`;
    return { success: false, status: 'failure', terminalOutput, startTime, endTime: Date.now() };
  }
}

/**
 * The processes the builds start and leave running: esbuild's service, which outlives each
 * build (and would outlive this process, holding its stderr and becoming a zombie no one
 * reaps at once, which Nx's stop of the batch waits a second or more for). Tracked from
 * child_process.spawn while the batch runs, then stopped and waited for.
 */
function trackChildProcesses(): { settle: () => Promise<void> } {
  const started = new Set<ChildProcess>();
  const spawn = childProcess.spawn;
  childProcess.spawn = function (this: unknown, ...args: unknown[]) {
    const child = (spawn as (...a: unknown[]) => ChildProcess).apply(this, args);
    if (child.exitCode === null && child.signalCode === null) {
      started.add(child);
      child.once('exit', () => started.delete(child));
    }
    return child;
  } as typeof childProcess.spawn;
  return {
    async settle() {
      childProcess.spawn = spawn;
      stopEsbuildServices();
      const exits = [...started].map(
        (c) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(null) : c.once('exit', resolve))),
      );
      // Bounded: a process that ignores SIGTERM is Nx's to stop, as for a forked executor.
      await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, SETTLE_MS).unref())]);
    },
  };
}

const SETTLE_MS = 2000;

/** esbuild's `stop()` on every copy of esbuild this process loaded: it kills the service (without waiting). */
function stopEsbuildServices(): void {
  for (const file of Object.keys(require.cache).filter((f) => /[\\/]node_modules[\\/]esbuild[\\/]lib[\\/]main\.js$/.test(f))) {
    try {
      (require.cache[file]?.exports as { stop?: () => unknown } | undefined)?.stop?.();
    } catch {
      // an esbuild without stop(): its service ends with this process
    }
  }
}

/**
 * Nx disconnects from a batch process as soon as it has the results, and shortly after stops
 * any still running, polling until it is gone. Every build has ended, saved its record and
 * released its lock by then, and Nx's batch runner flushed stdout and stderr before sending
 * the results: this process can exit at once.
 */
function exitWhenNxDisconnects(): void {
  if (process.send) process.once('disconnect', () => process.exit(0));
}

/** Variables Nx sets for each task: never a reason to run it alone. */
const TASK_VARIABLES = new Set([
  'NX_TASK_TARGET_PROJECT',
  'NX_TASK_TARGET_TARGET',
  'NX_TASK_TARGET_CONFIGURATION',
  'NX_TASK_HASH',
  'LERNA_PACKAGE_NAME',
]);

/** Whether the task's dotenv files set or drop a variable of the batch process's environment. */
export function ownDotEnv(env: NodeJS.ProcessEnv, processEnv: NodeJS.ProcessEnv): boolean {
  const keys = new Set([...Object.keys(env), ...Object.keys(processEnv)]);
  return [...keys].some((k) => !TASK_VARIABLES.has(k) && env[k] !== processEnv[k]);
}

/** Runs `fn` with process.env replaced by `env` (nothing else runs meanwhile), then restores it. */
async function withProcessEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  const replace = (next: NodeJS.ProcessEnv) => {
    for (const k of Object.keys(process.env)) if (!(k in next)) delete process.env[k];
    Object.assign(process.env, next);
  };
  replace(env);
  try {
    return await fn();
  } finally {
    replace(saved);
  }
}

/** The context a single-task executor gets for `task`. */
function contextOf(task: Task, context: ExecutorContext): ExecutorContext {
  return { ...context, projectName: task.target.project, targetName: task.target.target, configurationName: task.target.configuration };
}

/**
 * The environment Nx gives a forked task: its own dotenv files (`.env.<target>`, the
 * project's `.env`, …, as Nx loads them) and `NX_TASK_*`. The batch process itself has only
 * the workspace's.
 */
export function taskEnv(task: Task, context: ExecutorContext): NodeJS.ProcessEnv {
  const own: Record<string, string | undefined> = {
    NX_TASK_TARGET_PROJECT: task.target.project,
    NX_TASK_TARGET_TARGET: task.target.target,
    NX_TASK_TARGET_CONFIGURATION: task.target.configuration,
    NX_TASK_HASH: task.hash,
    LERNA_PACKAGE_NAME: task.target.project,
  };
  const env: NodeJS.ProcessEnv = { ...dotEnvOf(task, context), ...own };
  for (const [key, value] of Object.entries(own)) if (value === undefined) delete env[key];
  return env;
}

function dotEnvOf(task: Task, context: ExecutorContext): NodeJS.ProcessEnv {
  try {
    // The Nx running this batch (not part of @nx/devkit): its own rules for a task's dotenv files.
    const nxRequire = createRequire(join(context.root, 'package.json'));
    const { getTaskSpecificEnv } = nxRequire('nx/src/tasks-runner/task-env') as {
      getTaskSpecificEnv: (task: Task, graph: ExecutorContext['projectGraph']) => NodeJS.ProcessEnv;
    };
    return { ...getTaskSpecificEnv(task, context.projectGraph) };
  } catch {
    return { ...process.env };
  }
}

function parallelism(): number {
  const n = Number(process.env.NX_PARALLEL);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_PARALLEL;
}

/**
 * Runs the tasks of `graph`, at most `parallel` at once, each once all its dependencies in the
 * batch succeeded; yields each result as it comes. A task `alone` says so runs with nothing
 * beside it. Stops starting tasks once `signal` aborts.
 */
export async function* inDependencyOrder<R extends { success: boolean }>(
  graph: Pick<TaskGraph, 'tasks' | 'dependencies'>,
  parallel: number,
  signal: AbortSignal,
  run: (task: Task) => Promise<R>,
  alone: (task: Task) => boolean = () => false,
): AsyncGenerator<{ task: string; result: R }> {
  const ids = Object.keys(graph.tasks);
  const depsOf = (id: string) =>
    (graph.dependencies[id] ?? []).map((d) => (typeof d === 'string' ? d : (d as { id: string }).id)).filter((d) => d in graph.tasks);
  const succeeded = new Set<string>();
  const settled = new Set<string>();
  const waiting = new Set(ids);
  const running = new Map<string, Promise<{ task: string; result: R }>>();
  let runningAlone = false;
  const blocked = (id: string) => depsOf(id).some((d) => settled.has(d) && !succeeded.has(d));
  const start = (id: string) => {
    waiting.delete(id);
    running.set(
      id,
      run(graph.tasks[id]).then((result) => ({ task: id, result })),
    );
  };
  for (;;) {
    for (const id of [...waiting]) {
      if (signal.aborted || runningAlone || running.size >= parallel) break;
      if (blocked(id)) waiting.delete(id);
      else if (depsOf(id).every((d) => succeeded.has(d))) {
        if (!alone(graph.tasks[id])) start(id);
        // Its turn comes when what runs now is done; nothing else starts meanwhile.
        else if (running.size > 0) break;
        else {
          start(id);
          runningAlone = true;
        }
      }
    }
    if (running.size === 0) return;
    const done = await Promise.race(running.values());
    running.delete(done.task);
    runningAlone = false;
    settled.add(done.task);
    if (done.result.success) succeeded.add(done.task);
    yield done;
  }
}
