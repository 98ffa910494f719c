import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { BUILD_CACHE_DIR } from '../../config/define';
import { toPosix } from '../../config/resolve';
import { uploadSecrets } from '../../config/upload';
import { buildError, exitCodeFor, formatError, type BuildError } from '../../errors';
import { loadProjectConfig } from '../load-project-config';
import { lockPackage, type HeldLock } from '../lock';
import { JobLog, type TerminalSink } from '../log';
import { maskError } from '../mask';
import { PhaseRecorder } from '../phases';
import { databaseConfig, databaseSecrets } from '../records/database-config';
import { newJobId } from '../records/json-store';
import { LOG_SYNC_MS, ProgressWriter } from '../records/live';
import { openRecordStore } from '../records/open-store';
import { isBuildJob, RETAINED_JOBS, type RecordStore } from '../records/store';
import type { BuildJob } from '../records/types';
import { uploadArtifacts } from './upload';

export interface UploadJobRequest {
  workspaceRoot: string;
  packageRoot: string;
  /** Whose `upload` settings apply; default: the environment the outputs were built for. */
  environment?: string;
  store?: RecordStore;
  terminal?: TerminalSink;
  signal?: AbortSignal;
  processEnv?: NodeJS.ProcessEnv;
  lockTimeoutMs?: number;
  /** Who asked (recorded as `trigger` and `metadata.runner`); default `cli`. */
  trigger?: 'cli' | 'api';
}

/** The upload job's record, or why there is nothing to upload (no successful build, no `upload`). */
export type UploadJobResult = { job: BuildJob } | { errors: BuildError[] };

/**
 * `build-system upload`: uploads the outputs of the package's last successful build again (its
 * outputs were restored from a cache, or the upload failed then), under the build lock, after
 * checking that every output still has the checksum recorded for it. Recorded as a job of its
 * own (phases validate, lock, upload) that describes the same outputs as the build it uploads.
 * Like a build's, its record is saved from the start (`building`, lock and upload `pending`) and
 * at every phase change, with the log as it goes.
 */
export async function runUploadJob(req: UploadJobRequest): Promise<UploadJobResult> {
  const processEnv = req.processEnv ?? process.env;
  const store = req.store ?? openRecordStore(req.workspaceRoot, { env: processEnv });
  const userSignal = req.signal ?? new AbortController().signal;
  const packagePath = toPosix(relative(req.workspaceRoot, req.packageRoot));
  const started = Date.now();
  // The job's log and saves exist once there is something to upload; its phases are timed from the start.
  const live: { log?: JobLog; progress?: ProgressWriter } = {};
  const phases = new PhaseRecorder(['validate', 'lock', 'upload'], {
    onChange: async () => void live.progress?.update(),
    logPosition: () => live.log?.position ?? 0,
  });
  const source = (await store.history(packagePath, RETAINED_JOBS)).find(
    (j) => isBuildJob(j) && j.status === 'success' && j.artifacts.length > 0,
  );
  if (!source)
    return {
      errors: [
        buildError('USAGE', `nothing to upload: no successful build of ${packagePath || '.'} with outputs is recorded; build it first`),
      ],
    };
  const environment = req.environment ?? source.environment;
  const loaded = await phases.run('validate', async () => {
    const r = await loadProjectConfig({ workspaceRoot: req.workspaceRoot, packageRoot: req.packageRoot, environment, processEnv });
    return { status: r.ok && r.value.upload ? 'success' : 'failed', value: r };
  });
  if (!loaded.ok) return { errors: loaded.errors };
  const config = loaded.value;
  const upload = config.upload;
  if (!upload)
    return {
      errors: [
        buildError('USAGE', `no upload configured for ${config.name} (environment ${environment}): add \`upload\` to its build config`),
      ],
    };

  const id = newJobId();
  // The same outputs as the build it uploads: its hash, builder and checks carry over.
  const job: BuildJob = {
    ...source,
    id,
    environment,
    startTime: new Date(started).toISOString(),
    endTime: null,
    status: 'building',
    exitCode: null,
    durationMs: null,
    phases: phases.phases,
    artifacts: source.artifacts.map(({ uri: _uri, ...a }) => a),
    errors: [],
    warnings: [],
    logs: store.logPath(packagePath, id),
    trigger: req.trigger ?? 'cli',
    process: { pid: process.pid, host: hostname() },
    metadata: { ...source.metadata, runner: req.trigger ?? 'cli', command: 'upload', uploadOf: source.id },
  };
  delete job.uploads;
  const env: NodeJS.ProcessEnv = { ...processEnv, ...config.env };
  const log = new JobLog(store, job, req.terminal ?? ((t) => process.stdout.write(t)));
  live.log = log;
  const database = databaseConfig(req.workspaceRoot, { env: processEnv });
  log.setSecrets([...loaded.secrets, ...uploadSecrets(upload, env), ...(database ? databaseSecrets(database.url) : [])]);
  const progress = new ProgressWriter(async () => {
    await log.sync();
    await store.saveJob(job);
  });
  live.progress = progress;
  await progress.update();
  const logSync = setInterval(() => void log.sync(), LOG_SYNC_MS);
  logSync.unref();
  log.info(`uploading the outputs of build ${source.id}`);
  const errors: BuildError[] = [];
  // Stopped by the user, or by losing the lock: the outputs may be replaced under us then.
  const stop = new AbortController();
  const onUserAbort = () => stop.abort();
  if (userSignal.aborted) stop.abort();
  else userSignal.addEventListener('abort', onUserAbort, { once: true });
  const signal = stop.signal;
  let lock: HeldLock | undefined;
  try {
    const locked = await phases.run('lock', async () => {
      const r = await lockPackage({
        config,
        processEnv,
        timeoutMs: req.lockTimeoutMs,
        signal,
        info: (message) => log.info(message),
        onLost: (reason) => {
          log.warn(`${reason}: this upload stops`);
          stop.abort();
        },
      });
      return { status: r.ok ? 'success' : userSignal.aborted ? 'cancelled' : 'failed', value: r };
    });
    if (!locked.ok) errors.push(...locked.errors);
    else {
      lock = locked.value;
      await phases.run('upload', async () => {
        const r = await uploadArtifacts({
          upload,
          packageRoot: config.packageRoot,
          workDir: join(config.packageRoot, BUILD_CACHE_DIR, 'upload'),
          packageName: config.name,
          version: config.packageJson.version,
          artifacts: job.artifacts,
          env,
          log,
          mask: (t) => log.maskText(t),
          signal,
        });
        job.uploads = r.uploads;
        job.artifacts = r.artifacts;
        // Asked for by name: a failed upload fails the command, `required` or not.
        errors.push(...r.failures);
        return { status: r.cancelled ? 'cancelled' : r.failures.length ? 'failed' : 'success', value: undefined };
      });
    }
  } catch (err) {
    errors.push(buildError('INTERNAL', (err as Error).message));
  }
  userSignal.removeEventListener('abort', onUserAbort);
  const lost = lock?.lostReason();
  if (lost) errors.splice(0, errors.length, buildError('LOCK_LOST', `${lost}: this upload stopped`, { phase: 'upload' }));
  else if (userSignal.aborted && !errors.some((e) => e.code === 'CANCELLED')) errors.push(buildError('CANCELLED', 'upload cancelled'));
  const ended = Date.now();
  job.errors = errors.map((e) => maskError(e, (t) => log.maskText(t)));
  job.exitCode = exitCodeFor(errors);
  job.status = errors.length === 0 ? 'success' : errors.some((e) => e.code === 'CANCELLED') ? 'cancelled' : 'failed';
  job.endTime = new Date(ended).toISOString();
  job.durationMs = ended - started;
  phases.finish();
  delete job.process;
  clearInterval(logSync);
  for (const e of job.errors) log.error(formatError(e));
  await log.flush();
  // The last progress save is written before the finished record, never after it.
  await progress.idle();
  try {
    await store.saveJob(job);
    await store.prune(packagePath, RETAINED_JOBS);
  } catch (err) {
    log.warn(`could not write the upload record: ${(err as Error).message}`);
  }
  await store.flush?.();
  if (lock) await lock.release();
  return { job };
}
