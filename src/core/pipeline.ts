import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { unsafeBuildCache } from '../config/build-cache';
import { BUILD_CACHE_DIR } from '../config/define';
import { ownTsconfigPath, packageTsconfig, readPackageJson, toPosix, type ResolvedBuildConfig } from '../config/resolve';
import { uploadSecrets } from '../config/upload';
import { buildError, errorFromUnknown, exitCodeFor, formatError, type BuildError, type PhaseName } from '../errors';
import { selectAdapter, type AdapterSelection } from '../adapters';
import type { AdapterContext, AdapterResult } from '../adapters/types';
import { collectArtifacts } from './artifacts';
import { runChecks } from './check';
import { computeFingerprintFiles, saveFingerprint } from './fingerprint';
import { runHook } from './hooks';
import { brokenExtends } from '../utils/tsconfig-read';
import { buildCacheIgnored, NOT_IGNORED_WARNING } from './ignore-check';
import { acquireLock, describeHolder, lockOptionsFromEnv, type HeldLock } from './lock';
import { loadProjectConfig } from './load-project-config';
import { JobLog, type TerminalSink } from './log';
import { maskError } from './mask';
import { databaseConfig, databaseSecrets } from './records/database-config';
import { captureOutput, type OutputSink } from './output-capture';
import { PhaseRecorder } from './phases';
import { newJobId } from './records/json-store';
import { LOG_SYNC_MS, ProgressWriter } from './records/live';
import { openRecordStore } from './records/open-store';
import { RETAINED_JOBS, type RecordStore } from './records/store';
import type { BuildJob } from './records/types';
import { commitStaging, discardStaging, prepareStaging, type Staging } from './staging';
import { UndeclaredInputCheck, type DeclaredInputs } from './undeclared-inputs';

export interface BuildRequest {
  workspaceRoot: string;
  /** Absolute package root. */
  packageRoot: string;
  /** `development`, `ci`, `production` or any key of `environments`. */
  environment?: string;
  /** Options given inline (adapter executors) instead of the package's build.config.*. */
  inlineConfig?: Record<string, unknown>;
  /** Nx's task hash (`NX_TASK_HASH`) when Nx runs the build. */
  inputHash?: string | null;
  lockTimeoutMs?: number;
  terminal?: TerminalSink;
  signal?: AbortSignal;
  store?: RecordStore;
  metadata?: Record<string, unknown>;
  processEnv?: NodeJS.ProcessEnv;
  /** The inputs of the Nx task running this build: what the builder read is checked against them. */
  declaredInputs?: DeclaredInputs;
  /** What started the build (the record's `trigger`). */
  trigger?: BuildJob['trigger'];
  /**
   * Asked under the lock, before anything runs: the CLI's own up-to-date check (core/up-to-date.ts).
   * Nx runs the build without it: Nx's cache decides there.
   */
  upToDate?: (config: ResolvedBuildConfig, builder: string) => Promise<UpToDateAnswer>;
  /** Notices of a run shown once (the bun fallback): each job still records them as warnings. */
  notices?: { first(notice: string): boolean };
}

/** The up-to-date check's answer: the key to record, and the record it matches when nothing changed. */
export interface UpToDateAnswer {
  /** Empty when it could not be computed (the build runs, and records no key). */
  key: string;
  /** Added to the record's metadata (what the key was computed from). */
  metadata?: Record<string, unknown>;
  /** The last successful build, when its key and outputs still match: this build is not run. */
  current?: BuildJob;
  /** Why it is out of date (shown on the terminal and kept in the log). */
  reasons: string[];
}

/** A record as it stands when a build starts, with what is known then; the pipeline fills in the rest. */
export function newBuildJob(fields: Pick<BuildJob, 'id' | 'packagePath' | 'environment' | 'startTime' | 'logs' | 'metadata'> & Partial<BuildJob>): BuildJob {
  // Fields in the order records have always listed them.
  const job: BuildJob = {
    schemaVersion: 1,
    id: fields.id,
    packageName: fields.packagePath,
    packagePath: fields.packagePath,
    builder: 'unknown',
    requestedBuilder: 'unknown',
    environment: fields.environment,
    inputHash: null,
    cache: 'miss',
    startTime: fields.startTime,
    endTime: null,
    status: 'building',
    exitCode: null,
    durationMs: null,
    phases: [],
    artifacts: [],
    errors: [],
    warnings: [],
    logs: fields.logs,
    metadata: fields.metadata,
  };
  return { ...job, ...fields };
}

export const DEFAULT_ENVIRONMENT = 'production';
const PHASE_ORDER: PhaseName[] = ['validate', 'lock', 'prebuild', 'build', 'dts', 'postbuild', 'artifacts', 'check'];
/** `upload` is a phase of the builds that configure it only. */
const RECORD_ORDER: PhaseName[] = [...PHASE_ORDER, 'upload'];

/**
 * One build, phase by phase (DESIGN.md §5):
 * validate → lock → prebuild → build → dts → (swap) → postbuild → artifacts → check → upload.
 * Never throws: every outcome, cancellation included, is a BuildJob that has been saved.
 * What the build's own code prints (a hook function's console.log) goes through its log.
 */
export function runBuild(req: BuildRequest): Promise<BuildJob> {
  return captureOutput((route) => buildWithLog(req, route));
}

async function buildWithLog(req: BuildRequest, route: (sink: OutputSink) => void): Promise<BuildJob> {
  const processEnv = req.processEnv ?? process.env;
  const store = req.store ?? openRecordStore(req.workspaceRoot, { env: processEnv });
  const userSignal = req.signal ?? new AbortController().signal;
  // Stops the builder and hooks on cancellation, and when another process took the lock over.
  const stop = new AbortController();
  const signal = stop.signal;
  const onUserAbort = () => stop.abort();
  userSignal.addEventListener('abort', onUserAbort, { once: true });
  if (userSignal.aborted) stop.abort();
  const packagePath = toPosix(relative(req.workspaceRoot, req.packageRoot));
  const id = newJobId();
  const started = Date.now();
  const manifestAtStart = readPackageJson(req.packageRoot, req.workspaceRoot);
  const job = newBuildJob({
    id,
    packageName: manifestAtStart.ok && typeof manifestAtStart.value?.name === 'string' ? manifestAtStart.value.name : packagePath,
    packagePath,
    environment: req.environment ?? DEFAULT_ENVIRONMENT,
    inputHash: req.inputHash ?? null,
    startTime: new Date(started).toISOString(),
    logs: store.logPath(packagePath, id),
    ...(req.trigger ? { trigger: req.trigger } : {}),
    process: { pid: process.pid, host: hostname() },
    metadata: { ...(req.metadata ?? {}) },
  });
  const log = new JobLog(store, job, req.terminal ?? ((t) => process.stdout.write(t)));
  route((text) => log.write(text));
  // The record is saved from the start and at every phase change (docs/records-and-cli.md).
  const progress = new ProgressWriter(async () => {
    await log.sync();
    await store.saveJob({ ...JSON.parse(JSON.stringify(job)), warnings: (job.warnings ?? []).map((e) => maskError(e, (t) => log.maskText(t))) });
  });
  // Saved beside the work, not before it: no phase waits for a write, and changes made while
  // one is under way share the next (finish waits for the last).
  const phases = new PhaseRecorder(PHASE_ORDER, { onChange: async () => void progress.update(), logPosition: () => log.position });
  job.phases = phases.phases;
  let lock: HeldLock | undefined;
  let staging: Staging | undefined;
  let swapped = false;
  const errors: BuildError[] = [];
  const cancelled = () => userSignal.aborted;
  const lockLost = () => lock?.lostReason();

  // The log reaches the store as the build goes, not only at phase changes (the builds page shows it).
  const logSync = setInterval(() => void log.sync(), LOG_SYNC_MS);
  logSync.unref();
  try {
    await progress.update();
    // validate
    type Validated = { errors: BuildError[]; config?: ResolvedBuildConfig; selection?: AdapterSelection };
    let secrets: string[] = [];
    const validated = await phases.run<Validated>('validate', async () => {
      const loaded = await loadProjectConfig({ ...req, environment: job.environment, processEnv });
      secrets = loaded.secrets;
      if (!loaded.ok) return { status: 'failed', value: { errors: loaded.errors } };
      const config = loaded.value;
      const selection = selectAdapter(config);
      if (!selection) {
        return { status: 'failed', value: { errors: [buildError('BUILDER_UNAVAILABLE', `no adapter for builder "${config.builder}"`, { phase: 'validate' })] } };
      }
      const adapterErrors = selection.adapter.validate(config);
      // tsc reads the tsconfig chain (tsc builds and declarations): a broken `extends` is a config error.
      if (config.dts || config.builder === 'tsc') adapterErrors.push(...brokenExtends(ownTsconfigPath(config), config.workspaceRoot));
      return { status: adapterErrors.length ? 'failed' : 'success', value: { config, selection, errors: adapterErrors } };
    });
    // A config that fails validation still names its package: package.json's name, as clean and list do.
    const manifest = validated.config ? undefined : readPackageJson(req.packageRoot, req.workspaceRoot);
    const manifestName = manifest?.ok && typeof manifest.value?.name === 'string' ? manifest.value.name : undefined;
    job.packageName = validated.config?.name ?? manifestName ?? packagePath;
    // Known before validation, so even a validation error quoting a value is masked.
    // The database URL's password is as secret as any secretEnv value (a hook printing its env).
    const database = databaseConfig(req.workspaceRoot, { env: processEnv });
    const uploadCredentials = uploadSecrets(validated.config?.upload, { ...processEnv, ...validated.config?.env });
    log.setSecrets([...secrets, ...uploadCredentials, ...(database ? databaseSecrets(database.url) : [])]);
    phases.extendLog('validate');
    if (validated.config && validated.selection) {
      job.requestedBuilder = validated.config.builder;
      job.builder = validated.selection.builder;
    }
    // Known once the config is read: the upload phase is listed from then on, pending like the others.
    if (validated.config?.upload) phases.plan('upload');
    if (validated.errors.length) {
      errors.push(...validated.errors);
      return await finish();
    }
    const { config, selection } = validated as { config: ResolvedBuildConfig; selection: AdapterSelection };
    const unsafeCache = unsafeBuildCache(config.packageRoot, config.workspaceRoot);
    if (unsafeCache) {
      errors.push({ ...unsafeCache, phase: 'validate' });
      return await finish();
    }
    const tsconfig = config.dts || config.builder === 'tsc' ? packageTsconfig(config) : undefined;
    if (tsconfig) job.tsconfig = toPosix(relative(config.workspaceRoot, tsconfig));
    if (selection.warning) {
      job.warnings!.push(buildError('BUILDER_FALLBACK', selection.warning, { phase: 'validate' }));
      if (req.notices?.first(selection.warning) ?? true) log.warn(selection.warning);
    }

    // lock
    const lockResult = await phases.run('lock', async () => {
      const r = await acquireLock(config.packageRoot, {
        ...lockOptionsFromEnv(processEnv, req.lockTimeoutMs),
        signal,
        workspaceRoot: config.workspaceRoot,
        onWait: (holder) => log.info(`waiting for the build lock of ${config.name}${holder ? `, held by ${describeHolder(holder)}` : ''}`),
        onLost: (reason) => {
          log.warn(`${reason}: this build stops`);
          stop.abort();
        },
      });
      return { status: r.ok ? 'success' : cancelled() ? 'cancelled' : 'failed', value: r };
    });
    if (!lockResult.ok) {
      errors.push(...lockResult.errors);
      return await finish();
    }
    lock = lockResult.value;

    // Under the lock: a build of this package that another process just finished is seen.
    if (req.upToDate) {
      const answer = await req.upToDate(config, selection.builder);
      if (answer.key) job.upToDateKey = answer.key;
      Object.assign(job.metadata, answer.metadata);
      if (answer.current) {
        job.cache = 'up-to-date';
        job.artifacts = answer.current.artifacts;
        // The job that wrote the outputs, through any up-to-date or upload records since.
        const since = answer.current.metadata ?? {};
        job.metadata.builtBy = since.builtBy ?? since.uploadOf ?? answer.current.id;
        // Nothing is uploaded again, as on an Nx cache hit: `build-system upload` does (docs/upload.md).
        for (const name of config.upload ? RECORD_ORDER.slice(2) : PHASE_ORDER.slice(2)) phases.skip(name);
        log.info(`up to date: nothing changed since job ${job.metadata.builtBy} built it`);
        return await finish();
      }
      if (answer.reasons.length) log.info(`out of date: ${answer.reasons.join('; ')}`);
    }
    // After the up-to-date check, which stays a few milliseconds (this may ask git).
    if (buildCacheIgnored(config.workspaceRoot, config.packageRoot) === false) log.warn(NOT_IGNORED_WARNING);

    const env: NodeJS.ProcessEnv = { ...processEnv, ...config.env };
    const hookPhase = async (name: 'prebuild' | 'postbuild') => {
      const hook = config.hooks[name];
      if (!hook) return phases.skip(name), true;
      const hookErrors = await phases.run(name, async () => {
        const e = await runHook({ phase: name, hook, config, env, log, signal, warnings: job.warnings });
        return { status: e.length ? (cancelled() ? 'cancelled' : 'failed') : 'success', value: e };
      });
      errors.push(...hookErrors);
      return hookErrors.length === 0;
    };

    if (!(await hookPhase('prebuild'))) return await finish();

    // build, into this invocation's own staging directory
    const stateDir = join(config.packageRoot, BUILD_CACHE_DIR, 'state', selection.builder);
    staging = prepareStaging(config.packageRoot, config.outputDir, id);
    const ctx: AdapterContext = {
      config,
      outDir: staging.dir,
      finalOutDir: staging.finalDir,
      stateDir,
      env,
      log,
      signal,
    };
    const warn = (w: BuildError) => {
      job.warnings!.push(w);
      log.warn(formatError(w));
    };
    // Files the builder read that the task's inputs miss: warnings, or errors under check 'strict'.
    const inputCheck = new UndeclaredInputCheck(req.declaredInputs, config);
    // Declarations need only the sources: the workspace's tsc runs while the bundler does.
    const dtsAbort = new AbortController();
    const stopDts = () => dtsAbort.abort();
    signal.addEventListener('abort', stopDts, { once: true });
    const dtsRun =
      config.dts && !selection.facts.emitsDeclarations
        ? phases.run('dts', async () => {
            // Loaded only for builds with declarations (it brings the tsc runners along).
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { emitDeclarations } = require('../adapters/dts/emit-declarations') as typeof import('../adapters/dts/emit-declarations');
            const r = await emitDeclarations({ ...ctx, signal: dtsAbort.signal });
            r.warnings?.forEach(warn);
            const unread = r.errors.length ? undefined : inputCheck.check(r.reads, 'dts');
            unread?.warnings.forEach(warn);
            const e = [...r.errors, ...(unread?.errors ?? [])];
            return { status: e.length ? (dtsAbort.signal.aborted ? 'cancelled' : 'failed') : 'success', value: e };
          })
        : undefined;
    if (!dtsRun) phases.skip('dts');
    const buildErrors = await phases.run('build', async () => {
      const r: AdapterResult = await selection.adapter.build(ctx).catch((err) => ({ errors: [errorFromUnknown('BUILD_FAILED', err, { phase: 'build' })], warnings: [] }));
      for (const w of r.warnings ?? []) {
        // Adapters turn warnings and errors into values with one converter: say which it is.
        const warning = w.code === 'COMPILE_ERROR' ? { ...w, code: 'COMPILE_WARNING' as const } : w;
        job.warnings!.push(warning);
        log.warn(formatError(warning));
      }
      const unread = r.errors.length || cancelled() ? undefined : inputCheck.check(r.reads, 'build');
      unread?.warnings.forEach(warn);
      const e = cancelled() ? [buildError('CANCELLED', 'build cancelled', { phase: 'build' })] : [...r.errors, ...(unread?.errors ?? [])];
      return { status: e.length ? (cancelled() ? 'cancelled' : 'failed') : 'success', value: e };
    });
    if (buildErrors.length) dtsAbort.abort();
    const dtsErrors = (await dtsRun) ?? [];
    signal.removeEventListener('abort', stopDts);
    if (buildErrors.length || dtsErrors.length) {
      errors.push(...(buildErrors.length ? buildErrors : dtsErrors));
      return await finish();
    }

    if (cancelled()) {
      errors.push(buildError('CANCELLED', 'build cancelled', { phase: 'build' }));
      return await finish();
    }
    // A custom command that wrote into outputDir itself would see its files replaced by nothing.
    if (selection.builder === 'custom' && readdirSync(staging.dir).length === 0) {
      log.warn(`the custom build wrote nothing to $OUT_DIR (${toPosix(relative(config.packageRoot, staging.dir))}): ${config.outputDir} is now empty; write the outputs there, they are swapped into ${config.outputDir}`);
    }
    // Checked right before the swap, whatever the refresh timer saw: never swap in without the lock.
    if (!lock.held()) return await finish();
    commitStaging(staging, config.packageRoot, id);
    staging = undefined;
    swapped = true;

    if (!(await hookPhase('postbuild'))) return await finish();
    if (!lock.held()) return await finish();

    job.artifacts = await phases.run('artifacts', async () => {
      const [artifacts, files] = await Promise.all([
        collectArtifacts(config.packageRoot, config.artifactGlobs),
        computeFingerprintFiles(config.packageRoot, [config.outputDir]),
      ]);
      await saveFingerprint(config.packageRoot, { jobId: id, inputHash: job.inputHash, files });
      return { status: 'success', value: artifacts };
    });

    // check: package.json entry points against what was just written (docs/records-and-cli.md)
    if (config.check.mode === 'off') phases.skip('check');
    else {
      const checked = await phases.run('check', async () => {
        const r = await runChecks(config, { env, signal, log });
        return { status: r.errors.length ? 'failed' : 'success', value: r };
      });
      job.checks = checked.findings;
      errors.push(...checked.errors);
    }

    // upload, when configured, of outputs that passed (docs/upload.md)
    const upload = config.upload;
    if (upload && errors.length) phases.skip('upload');
    else if (upload) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runUploadPhase } = require('./upload/phase') as typeof import('./upload/phase');
      errors.push(...(await phases.run('upload', () => runUploadPhase(config, upload, job, { env, log, signal }))));
    }
    return await finish();
  } catch (err) {
    errors.push(errorFromUnknown('INTERNAL', err));
    return await finish();
  }

  async function finish(): Promise<BuildJob> {
    userSignal.removeEventListener('abort', onUserAbort);
    if (staging) discardStaging(staging);
    const lost = lockLost();
    if (lost) {
      // What failed after the lock was lost failed because the build was stopped.
      const own = errors.filter((e) => e.code !== 'CANCELLED' || cancelled());
      const outputs = swapped ? 'after its outputs were swapped in' : 'without swapping its outputs in';
      errors.splice(0, errors.length, buildError('LOCK_LOST', `${lost}: this build stopped ${outputs}`, { phase: phases.current() }), ...own);
    }
    if (cancelled() && !errors.some((e) => e.code === 'CANCELLED')) errors.push(buildError('CANCELLED', 'build cancelled'));
    const ended = Date.now();
    job.errors = errors.map((e) => maskError(e, (t) => log.maskText(t)));
    job.warnings = (job.warnings ?? []).map((e) => maskError(e, (t) => log.maskText(t)));
    job.exitCode = exitCodeFor(errors);
    job.status = errors.length === 0 ? 'success' : errors.some((e) => e.code === 'CANCELLED') ? 'cancelled' : 'failed';
    job.endTime = new Date(ended).toISOString();
    phases.finish();
    job.phases.sort((a, b) => RECORD_ORDER.indexOf(a.name) - RECORD_ORDER.indexOf(b.name));
    job.durationMs = ended - started;
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
      log.warn(`could not write the build record: ${(err as Error).message}`);
    }
    await store.flush?.();
    if (lock) await lock.release();
    return job;
  }
}
