import { buildOrder } from '../api';
import type { CommandView } from './records';
import { openRecordStore } from '../core/records/open-store';
import type { BuildJob } from '../core/records/types';
import { withCancellation } from '../core/signals';
import { runUploadJob } from '../core/upload/upload-job';
import { EXIT, formatError, type BuildError } from '../errors';

export interface UploadCommandOptions {
  environment?: string;
  databaseUrlEnv?: string;
  json: boolean;
  /** Where the jobs' output streams (stderr with --json). */
  stream: (text: string) => void;
}

/**
 * `build-system upload <project…>`: each project's last successful outputs uploaded again, as a
 * job of its own (docs/upload.md). Projects are independent: one failing does not stop the rest.
 */
export async function uploadCommand(projects: string[], o: UploadCommandOptions): Promise<CommandView> {
  if (projects.length === 0) return { exitCode: EXIT.invalid, errors: [{ code: 'USAGE', message: 'upload takes one or more projects' }] };
  const order = await buildOrder(projects);
  if (!order.ok) return { exitCode: EXIT.invalid, errors: order.errors };
  const { workspaceRoot, packages } = order.value;
  const store = openRecordStore(workspaceRoot, { urlEnv: o.databaseUrlEnv });
  const jobs: BuildJob[] = [];
  const errors: BuildError[] = [];
  await withCancellation(async (signal) => {
    for (const pkg of packages) {
      if (signal.aborted) break;
      if (!o.json) o.stream(`\n> upload ${pkg.name}\n`);
      const r = await runUploadJob({ workspaceRoot, packageRoot: pkg.root, environment: o.environment, store, terminal: o.stream, signal });
      if ('job' in r) jobs.push(r.job);
      else errors.push(...r.errors);
    }
  });
  const failedJob = jobs.find((j) => j.exitCode !== 0);
  const exitCode = failedJob ? (failedJob.exitCode ?? EXIT.failed) : errors.length ? EXIT.invalid : EXIT.success;
  if (jobs.length === 0) return { exitCode, errors };
  const uploaded = (j: BuildJob) => `${(j.uploads ?? []).filter((u) => u.uri).length}/${(j.uploads ?? []).length}`;
  return {
    exitCode,
    json: { exitCode, jobs, ...(errors.length ? { errors } : {}) },
    table: {
      head: ['project', 'status', 'uploaded', 'duration', 'to'],
      rows: jobs.map((j) => [j.packageName, j.status, uploaded(j), `${j.durationMs} ms`, j.uploads?.[0]?.target ?? '']),
    },
    ...(errors.length ? { text: errors.map((e) => `error: ${formatError(e)}`).join('\n') } : {}),
  };
}
