import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { builderInEffect } from '../../config/builders';
import { builderInSource, findConfigFile } from '../../config/find';
import { secretNamesInSource } from '../../config/secrets';
import { findBinary } from '../../utils/find-tool';
import { buildError, EXIT, type BuildError } from '../../errors';
import { collectArtifacts } from '../artifacts';
import { computeFingerprintFiles, readFingerprint, saveFingerprint } from '../fingerprint';
import { createMasker } from '../mask';
import { newJobId } from './json-store';
import { newBuildJob } from './new-job';
import { RETAINED_JOBS, type RecordStore } from './store';
import type { BuildJob, CacheStatus } from './types';
import { readPackageJson } from '../../utils/package-json';

/** How Nx reports a task that ran (or did not). */
export type NxTaskStatus = 'success' | 'failure' | 'skipped' | 'stopped' | 'local-cache' | 'local-cache-kept-existing' | 'remote-cache';

export interface TaskOutcome {
  workspaceRoot: string;
  /** Project root relative to the workspace root. */
  projectRoot: string;
  status: NxTaskStatus;
  hash?: string;
  /** Output paths relative to the workspace root, as Nx expanded them. */
  outputs: string[];
  configuration?: string;
  /** Nx's task id (`project:target[:configuration]`). */
  task?: string;
  terminalOutput?: string;
  startTime?: number;
  endTime?: number;
}

/**
 * The record of a build task the executor did not record itself: a cache hit (outputs
 * restored by Nx, re-hashed here), or a task Nx skipped or stopped. Returns undefined when the
 * executor already wrote the record for this run.
 */
export async function recordTaskOutcome(store: RecordStore, t: TaskOutcome): Promise<BuildJob | undefined> {
  const packagePath = posix.normalize(t.projectRoot.split('\\').join('/')).replace(/^\.$/, '');
  const packageRoot = join(t.workspaceRoot, packagePath);
  const latest = await store.latest(packagePath);
  const own = EXECUTOR_RAN.has(t.status) ? await recordedByExecutor(store, packagePath, t) : undefined;
  if (own) return void (await adoptTaskHash(store, packageRoot, own, t.hash));

  const cache: CacheStatus = t.status === 'remote-cache' ? 'remote-cache' : t.status.startsWith('local-cache') ? 'local-cache' : 'miss';
  const now = Date.now();
  const start = t.startTime ?? now;
  const end = t.endTime ?? now;
  const id = newJobId(new Date(start));
  const { requested, effective } = builderOf(packageRoot, t.workspaceRoot, latest, t.hash);
  const errors: BuildError[] = [];
  let status: BuildJob['status'] = 'success';
  if (t.status === 'skipped') {
    status = 'cancelled';
    errors.push(buildError('CANCELLED', 'not run: a task it depends on failed', { phase: 'build' }));
  } else if (t.status === 'stopped') {
    status = 'cancelled';
    errors.push(buildError('CANCELLED', 'stopped by Nx before it finished', { phase: 'build' }));
  } else if (t.status === 'failure') {
    status = 'failed';
    errors.push(buildError('BUILD_FAILED', 'the task failed before the build executor could record it', { phase: 'build' }));
  }

  const restored = cache !== 'miss';
  const outputDirs = t.outputs
    .map((o) => posix.relative(packagePath || '.', o.split('\\').join('/')))
    .filter((o) => o && !o.startsWith('..'));
  const artifactsStart = Date.now();
  // Nx kept the outputs on disk because they already matched this hash: the previous record
  // of the same hash describes them. Otherwise (restored from a cache) hash what is there now.
  const sameBuild = latest && t.hash && latest.inputHash === t.hash && latest.status === 'success';
  const artifacts = !restored
    ? []
    : t.status === 'local-cache-kept-existing' && sameBuild
      ? latest.artifacts
      : await collectArtifacts(
          packageRoot,
          outputDirs.map((d) => `${d}/**`),
        );
  if (restored && (await readFingerprint(packageRoot))?.inputHash !== t.hash) {
    await saveFingerprint(packageRoot, {
      jobId: id,
      inputHash: t.hash ?? null,
      files: await computeFingerprintFiles(packageRoot, outputDirs),
    });
  }
  const artifactsEnd = Date.now();

  const job = newBuildJob({
    id,
    packageName: packageNameOf(packageRoot) ?? packagePath,
    packagePath,
    builder: effective,
    requestedBuilder: requested,
    environment: t.configuration ?? 'production',
    inputHash: t.hash ?? null,
    cache,
    startTime: new Date(start).toISOString(),
    endTime: new Date(end).toISOString(),
    status,
    exitCode: status === 'success' ? EXIT.success : status === 'cancelled' ? EXIT.cancelled : EXIT.failed,
    durationMs: end - start,
    phases: restored
      ? [
          {
            name: 'artifacts',
            status: 'success',
            startTime: new Date(artifactsStart).toISOString(),
            endTime: new Date(artifactsEnd).toISOString(),
            durationMs: artifactsEnd - artifactsStart,
          },
        ]
      : [],
    artifacts,
    errors,
    logs: store.logPath(packagePath, id),
    metadata: { runner: 'nx', recordedBy: 'postTasksExecution', nxStatus: t.status },
  });
  // The executor masked what it printed; a second pass covers output Nx captured some other way.
  // Written even when empty: every path a record names exists.
  const text = t.terminalOutput ? maskSecretsOfSource(packageRoot, t.terminalOutput) : '';
  await store.appendLog(job, !text || text.endsWith('\n') ? text : `${text}\n`);
  await store.saveJob(job);
  await store.prune(packagePath, RETAINED_JOBS);
  return job;
}

/** Statuses of a task whose executor ran and, unless it was killed outright, wrote its own record. */
const EXECUTOR_RAN: ReadonlySet<NxTaskStatus> = new Set(['success', 'failure', 'stopped']);
/** Records looked at: concurrent runs of the same project may have written after this one. */
const RECENT_JOBS = 5;

/**
 * The executor's record of this run, if it wrote one: a record of the same task hash, written
 * by the executor (not by this hook), that started while Nx ran the task. Nx's clock starts
 * before it forks the executor, so the executor's record starts inside [startTime, endTime]; an
 * earlier run of the same hash (`--skip-nx-cache`) started before it and does not count. A
 * batch is not told its tasks' hashes (docs/architecture.md#batches): its record has none yet
 * and names the task instead.
 */
async function recordedByExecutor(store: RecordStore, packagePath: string, t: TaskOutcome): Promise<BuildJob | undefined> {
  if (!t.hash) return undefined;
  const jobs = await store.history(packagePath, RECENT_JOBS);
  return jobs.find((j) => {
    if (j.metadata?.recordedBy === 'postTasksExecution') return false;
    const batched = j.inputHash === null && t.task !== undefined && j.metadata?.runner === 'nx' && j.metadata?.target === t.task;
    if (j.inputHash !== t.hash && !batched) return false;
    const start = Date.parse(j.startTime);
    return (t.startTime === undefined || start >= t.startTime) && (t.endTime === undefined || start <= t.endTime);
  });
}

/** Gives a batch's record (and the fingerprint it wrote) the task hash Nx reports only here. */
async function adoptTaskHash(store: RecordStore, packageRoot: string, job: BuildJob, hash: string | undefined): Promise<void> {
  if (job.inputHash !== null || !hash) return;
  await store.saveJob({ ...job, inputHash: hash });
  const fingerprint = await readFingerprint(packageRoot);
  if (fingerprint?.jobId === job.id && !fingerprint.inputHash) await saveFingerprint(packageRoot, { ...fingerprint, inputHash: hash });
}

/** Masks the process env's values of the `secretEnv` names the config's source lists (never executing it). */
function maskSecretsOfSource(packageRoot: string, text: string): string {
  const file = findConfigFile(packageRoot);
  if (!file) return text;
  try {
    return createMasker(secretNamesInSource(readFileSync(file, 'utf8')).map((n) => process.env[n]))(text);
  } catch {
    return text;
  }
}

function packageNameOf(root: string): string | undefined {
  return readPackageJson(root)?.name;
}

/**
 * The builder of a restored build: from the record of the run that produced it when this
 * machine has it, else read statically from the config (never executing it: this runs after
 * every `nx run-many`, and must stay cheap).
 */
function builderOf(packageRoot: string, workspaceRoot: string, latest: BuildJob | undefined, hash: string | undefined) {
  if (latest && hash && latest.inputHash === hash && latest.builder !== 'unknown')
    return { requested: latest.requestedBuilder, effective: latest.builder };
  const file = findConfigFile(packageRoot);
  const requested = (file && builderInSource(readFileSync(file, 'utf8'))) || 'esbuild';
  const effective = builderInEffect(requested, (binary) => Boolean(findBinary(binary, [packageRoot, workspaceRoot])));
  return { requested, effective };
}
