import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE_NAMES } from '../config/define';
import { normalizePluginOptions, type BuildSystemPluginOptions } from './options';

interface TaskResultLike {
  task: {
    id: string;
    target: { project: string; target: string; configuration?: string };
    outputs?: string[];
    projectRoot?: string;
    hash?: string;
    startTime?: number;
    endTime?: number;
  };
  status: string;
  code?: number;
  terminalOutput?: string;
}

interface PostTasksContextLike {
  workspaceRoot: string;
  taskResults: Record<string, TaskResultLike>;
  startTime?: number;
  endTime?: number;
}

/**
 * postTasksExecution: every build task Nx handled gets a record, cache hits and skipped tasks
 * included (the executor records the runs it performs). Cheap: no graph computation, no
 * config execution; the core loads only when there is a build task to record.
 */
export async function recordBuildTasks(rawOptions: BuildSystemPluginOptions | undefined, context: PostTasksContextLike): Promise<void> {
  if (process.env.BUILD_SYSTEM_RECORD_CACHE_HITS === 'false') return;
  const { buildTargetName } = normalizePluginOptions(rawOptions);
  const ours = Object.values(context.taskResults ?? {}).filter(
    (r) =>
      r.task.target.target === buildTargetName &&
      r.task.projectRoot !== undefined &&
      hasConfig(join(context.workspaceRoot, r.task.projectRoot)),
  );
  if (ours.length === 0) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { recordTaskOutcome } = require('../core/records/task-outcome') as typeof import('../core/records/task-outcome');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openRecordStore } = require('../core/records/open-store') as typeof import('../core/records/open-store');
  // With a database: the records of this run go to it in one transaction, at the end. When it
  // cannot be reached, only a record of our own is news: a batch's records, which only get their
  // task hash here, were spooled (and the outage reported) by the batch itself.
  let recordedHere = false;
  const warn = (message: string) => void (recordedHere && process.stderr.write(`warning: ${message}\n`));
  const store = openRecordStore(context.workspaceRoot, { batch: true, urlEnv: rawOptions?.databaseUrlEnv, warn });
  await Promise.all(
    ours.map((r) =>
      recordTaskOutcome(store, {
        workspaceRoot: context.workspaceRoot,
        projectRoot: r.task.projectRoot!,
        status: r.status as never,
        hash: r.task.hash,
        outputs: r.task.outputs ?? [],
        configuration: r.task.target.configuration,
        task: r.task.id,
        terminalOutput: r.terminalOutput,
        startTime: r.task.startTime ?? context.startTime,
        endTime: r.task.endTime ?? context.endTime,
      })
        .then((job) => void (recordedHere ||= job !== undefined))
        .catch((err) => {
          if (process.env.NX_VERBOSE_LOGGING === 'true')
            console.warn(`[@repo/build-system] could not record ${r.task.id}: ${(err as Error).message}`);
        }),
    ),
  );
  await store.flush?.();
}

function hasConfig(root: string): boolean {
  return CONFIG_FILE_NAMES.some((f) => existsSync(join(root, f)));
}
