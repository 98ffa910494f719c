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
    try {
      const run = (task: Task) => runTask(task, inputs[task.id], context, requestFor, stop.signal);
      yield* inDependencyOrder(taskGraph, parallelism(), stop.signal, run);
    } finally {
      stop.release();
    }
  };
}

async function runTask<O>(
  task: Task,
  options: O,
  context: ExecutorContext,
  requestFor: RequestFor<O>,
  signal: AbortSignal,
): Promise<BatchTaskResult> {
  const startTime = Date.now();
  let terminalOutput = '';
  try {
    const env = taskEnv(task, context);
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
 * batch succeeded; yields each result as it comes. Stops starting tasks once `signal` aborts.
 */
export async function* inDependencyOrder<R extends { success: boolean }>(
  graph: Pick<TaskGraph, 'tasks' | 'dependencies'>,
  parallel: number,
  signal: AbortSignal,
  run: (task: Task) => Promise<R>,
): AsyncGenerator<{ task: string; result: R }> {
  const ids = Object.keys(graph.tasks);
  const depsOf = (id: string) =>
    (graph.dependencies[id] ?? []).map((d) => (typeof d === 'string' ? d : (d as { id: string }).id)).filter((d) => d in graph.tasks);
  const succeeded = new Set<string>();
  const settled = new Set<string>();
  const waiting = new Set(ids);
  const running = new Map<string, Promise<{ task: string; result: R }>>();
  const blocked = (id: string) => depsOf(id).some((d) => settled.has(d) && !succeeded.has(d));
  for (;;) {
    if (!signal.aborted) {
      for (const id of [...waiting]) {
        if (running.size >= parallel) break;
        if (blocked(id)) waiting.delete(id);
        else if (depsOf(id).every((d) => succeeded.has(d))) {
          waiting.delete(id);
          running.set(
            id,
            run(graph.tasks[id]).then((result) => ({ task: id, result })),
          );
        }
      }
    }
    if (running.size === 0) return;
    const done = await Promise.race(running.values());
    running.delete(done.task);
    settled.add(done.task);
    if (done.result.success) succeeded.add(done.task);
    yield done;
  }
}
