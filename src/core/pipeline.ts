import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { unsafeBuildCache } from '../config/build-cache';
import { BUILD_CACHE_DIR } from '../config/define';
import { ownTsconfigPath, packageTsconfig, toPosix, type ResolvedBuildConfig } from '../config/resolve';
import { readPackageJson } from '../utils/package-json';
import { uploadSecrets } from '../config/upload';
import { buildError, errorFromUnknown, exitCodeFor, formatError, type BuildError, type PhaseName } from '../errors';
import { selectAdapter, type AdapterSelection } from '../adapters';
import type { AdapterContext, AdapterResult } from '../adapters/types';
import type { WarmSession } from '../adapters/warm-session';
import { collectArtifacts } from './artifacts';
import { runChecks } from './check';
import { computeFingerprintFiles, saveFingerprint } from './fingerprint';
import { runHook } from './hooks';
import { brokenExtends } from '../utils/tsconfig-read';
import { buildCacheIgnored, NOT_IGNORED_WARNING } from './ignore-check';
import { lockPackage, type HeldLock } from './lock';
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
import { newBuildJob } from './records/new-job';
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
  /** What a watch rebuild was started by (the record's `changedFiles`). */
  changedFiles?: string[];
  /**
   * Asked under the lock, before anything runs: the CLI's own up-to-date check (core/up-to-date.ts).
   * Nx runs the build without it: Nx's cache decides there.
   */
  upToDate?: (config: ResolvedBuildConfig, builder: string) => Promise<UpToDateAnswer>;
  /** Notices of a run shown once (the bun fallback): each job still records them as warnings. */
  notices?: { first(notice: string): boolean };
  /** A watch's builder state kept between its builds (adapters/warm-session.ts); the watch disposes it. */
  session?: WarmSession;
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

export const DEFAULT_ENVIRONMENT = 'production';
const PHASE_ORDER: PhaseName[] = ['validate', 'lock', 'prebuild', 'build', 'dts', 'postbuild', 'artifacts', 'check'];
/** `upload` is a phase of the builds that configure it only. */
const RECORD_ORDER: PhaseName[] = [...PHASE_ORDER, 'upload'];

/** What validation yields: the resolved config and the adapter that builds it, or the errors. */
interface Validated {
  errors: BuildError[];
  config?: ResolvedBuildConfig;
  selection?: AdapterSelection;
}

/** A validated build: what every phase after validation works with. */
interface Ready {
  config: ResolvedBuildConfig;
  selection: AdapterSelection;
  /** The environment hooks and builders run with: the process's, overlaid by the config's `env`. */
  env: NodeJS.ProcessEnv;
}

/**
 * One build, phase by phase (docs/architecture.md, "The life of one build"):
 * validate → lock → prebuild → build → dts → (swap) → postbuild → artifacts → check → upload.
 * Never throws: every outcome, cancellation included, is a BuildJob that has been saved.
 * What the build's own code prints (a hook function's console.log) goes through its log.
 */
export function runBuild(req: BuildRequest): Promise<BuildJob> {
  return captureOutput((route) => new BuildRun(req, route).run());
}

/**
 * The state of one build and its phases as methods. Each phase returns whether the build goes
 * on; a phase that stops it has put its errors in `errors`, and `finish` writes the record.
 */
class BuildRun {
  private readonly processEnv: NodeJS.ProcessEnv;
  private readonly store: RecordStore;
  private readonly userSignal: AbortSignal;
  /** Stops the builder and hooks on cancellation, and when another process took the lock over. */
  private readonly stop = new AbortController();
  private readonly onUserAbort = () => this.stop.abort();
  private readonly packagePath: string;
  private readonly started = Date.now();
  private readonly job: BuildJob;
  private readonly log: JobLog;
  private readonly progress: ProgressWriter;
  private readonly phases: PhaseRecorder;
  private readonly errors: BuildError[] = [];
  private readonly logSync: NodeJS.Timeout;
  private lock: HeldLock | undefined;
  private staging: Staging | undefined;
  private swapped = false;

  constructor(
    private readonly req: BuildRequest,
    route: (sink: OutputSink) => void,
  ) {
    this.processEnv = req.processEnv ?? process.env;
    this.store = req.store ?? openRecordStore(req.workspaceRoot, { env: this.processEnv });
    this.userSignal = req.signal ?? new AbortController().signal;
    this.userSignal.addEventListener('abort', this.onUserAbort, { once: true });
    if (this.userSignal.aborted) this.stop.abort();
    this.packagePath = toPosix(relative(req.workspaceRoot, req.packageRoot));
    this.job = this.startRecord();
    this.log = new JobLog(this.store, this.job, req.terminal ?? ((t) => process.stdout.write(t)));
    route((text) => this.log.write(text));
    // The record is saved from the start and at every phase change (docs/records-and-cli.md).
    this.progress = new ProgressWriter(async () => {
      await this.log.sync();
      await this.store.saveJob({ ...JSON.parse(JSON.stringify(this.job)), warnings: (this.job.warnings ?? []).map((e) => this.masked(e)) });
    });
    // Saved beside the work, not before it: no phase waits for a write, and changes made while
    // one is under way share the next (finish waits for the last).
    this.phases = new PhaseRecorder(PHASE_ORDER, {
      onChange: async () => void this.progress.update(),
      logPosition: () => this.log.position,
    });
    this.job.phases = this.phases.phases;
    // The log reaches the store as the build goes, not only at phase changes (the builds page shows it).
    this.logSync = setInterval(() => void this.log.sync(), LOG_SYNC_MS);
    this.logSync.unref();
  }

  private get signal(): AbortSignal {
    return this.stop.signal;
  }

  private cancelled(): boolean {
    return this.userSignal.aborted;
  }

  private masked(e: BuildError): BuildError {
    return maskError(e, (t) => this.log.maskText(t));
  }

  private warn(w: BuildError): void {
    this.job.warnings!.push(w);
    this.log.warn(formatError(w));
  }

  /** The record as it stands when the build starts, named after package.json until the config is read. */
  private startRecord(): BuildJob {
    const { req } = this;
    const id = newJobId();
    const manifestName = readPackageJson(req.packageRoot)?.name;
    return newBuildJob({
      id,
      packageName: typeof manifestName === 'string' ? manifestName : this.packagePath,
      packagePath: this.packagePath,
      environment: req.environment ?? DEFAULT_ENVIRONMENT,
      inputHash: req.inputHash ?? null,
      startTime: new Date(this.started).toISOString(),
      logs: this.store.logPath(this.packagePath, id),
      ...(req.trigger ? { trigger: req.trigger } : {}),
      ...(req.changedFiles ? { changedFiles: req.changedFiles } : {}),
      process: { pid: process.pid, host: hostname() },
      metadata: { ...(req.metadata ?? {}) },
    });
  }

  async run(): Promise<BuildJob> {
    try {
      await this.progress.update();
      const ready = await this.validate();
      if (!ready) return await this.finish();
      if (!(await this.takeLock(ready))) return await this.finish();
      if (await this.upToDate(ready)) return await this.finish();
      // After the up-to-date check, which stays a few milliseconds (this may ask git).
      if (buildCacheIgnored(ready.config.workspaceRoot, ready.config.packageRoot) === false) this.log.warn(NOT_IGNORED_WARNING);
      if (!(await this.hook('prebuild', ready))) return await this.finish();
      if (!(await this.buildIntoStaging(ready))) return await this.finish();
      if (!this.swapIn(ready)) return await this.finish();
      if (!(await this.hook('postbuild', ready))) return await this.finish();
      if (!this.lock!.held()) return await this.finish();
      await this.artifacts(ready);
      await this.check(ready);
      await this.upload(ready);
      return await this.finish();
    } catch (err) {
      this.errors.push(errorFromUnknown('INTERNAL', err));
      return await this.finish();
    }
  }

  /** validate: load and resolve the config, pick the adapter, check what it needs. */
  private async validate(): Promise<Ready | undefined> {
    const { req, job, phases, processEnv } = this;
    let secrets: string[] = [];
    const validated = await phases.run<Validated>('validate', async () => {
      const loaded = await loadProjectConfig({ ...req, environment: job.environment, processEnv });
      secrets = loaded.secrets;
      if (!loaded.ok) return { status: 'failed', value: { errors: loaded.errors } };
      const config = loaded.value;
      const selection = selectAdapter(config);
      if (!selection) {
        return {
          status: 'failed',
          value: { errors: [buildError('BUILDER_UNAVAILABLE', `no adapter for builder "${config.builder}"`, { phase: 'validate' })] },
        };
      }
      const adapterErrors = selection.adapter.validate(config);
      // tsc reads the tsconfig chain (tsc builds and declarations): a broken `extends` is a config error.
      if (config.dts || config.builder === 'tsc') adapterErrors.push(...brokenExtends(ownTsconfigPath(config), config.workspaceRoot));
      return { status: adapterErrors.length ? 'failed' : 'success', value: { config, selection, errors: adapterErrors } };
    });
    // A config that fails validation still names its package: package.json's name, as clean and list do.
    const manifest = validated.config ? undefined : readPackageJson(req.packageRoot);
    const manifestName = typeof manifest?.name === 'string' ? manifest.name : undefined;
    job.packageName = validated.config?.name ?? manifestName ?? this.packagePath;
    // Known before validation, so even a validation error quoting a value is masked.
    // The database URL's password is as secret as any secretEnv value (a hook printing its env).
    const database = databaseConfig(req.workspaceRoot, { env: processEnv });
    const uploadCredentials = uploadSecrets(validated.config?.upload, { ...processEnv, ...validated.config?.env });
    this.log.setSecrets([...secrets, ...uploadCredentials, ...(database ? databaseSecrets(database.url) : [])]);
    phases.extendLog('validate');
    if (validated.config && validated.selection) {
      job.requestedBuilder = validated.config.builder;
      job.builder = validated.selection.builder;
    }
    // Known once the config is read: the upload phase is listed from then on, pending like the others.
    if (validated.config?.upload) phases.plan('upload');
    if (validated.errors.length) {
      this.errors.push(...validated.errors);
      return undefined;
    }
    const { config, selection } = validated as Required<Validated>;
    const unsafeCache = unsafeBuildCache(config.packageRoot, config.workspaceRoot);
    if (unsafeCache) {
      this.errors.push({ ...unsafeCache, phase: 'validate' });
      return undefined;
    }
    for (const w of config.configWarnings) {
      job.warnings!.push(w);
      this.log.warn(formatError(w));
    }
    if (config.meta) job.meta = config.meta;
    if (config.friendlyName) job.displayName = config.friendlyName;
    job.incremental = config.incremental;
    const tsconfig = config.dts || config.builder === 'tsc' ? packageTsconfig(config) : undefined;
    if (tsconfig) job.tsconfig = toPosix(relative(config.workspaceRoot, tsconfig));
    if (selection.warning) {
      job.warnings!.push(buildError('BUILDER_FALLBACK', selection.warning, { phase: 'validate' }));
      if (req.notices?.first(selection.warning) ?? true) this.log.warn(selection.warning);
    }
    return { config, selection, env: { ...processEnv, ...config.env } };
  }

  /** lock: one build of a package at a time; losing the lock stops this build. */
  private async takeLock({ config }: Ready): Promise<boolean> {
    const lockResult = await this.phases.run('lock', async () => {
      const r = await lockPackage({
        config,
        processEnv: this.processEnv,
        timeoutMs: this.req.lockTimeoutMs,
        signal: this.signal,
        info: (message) => this.log.info(message),
        onLost: (reason) => {
          this.log.warn(`${reason}: this build stops`);
          this.stop.abort();
        },
      });
      return { status: r.ok ? 'success' : this.cancelled() ? 'cancelled' : 'failed', value: r };
    });
    if (!lockResult.ok) {
      this.errors.push(...lockResult.errors);
      return false;
    }
    this.lock = lockResult.value;
    return true;
  }

  /**
   * The CLI's up-to-date check, asked under the lock: a build of this package that another
   * process just finished is seen. True when nothing has to run.
   */
  private async upToDate({ config, selection }: Ready): Promise<boolean> {
    const { job, phases } = this;
    if (!this.req.upToDate) return false;
    const answer = await this.req.upToDate(config, selection.builder);
    if (answer.key) job.upToDateKey = answer.key;
    Object.assign(job.metadata, answer.metadata);
    if (!answer.current) {
      if (answer.reasons.length) this.log.info(`out of date: ${answer.reasons.join('; ')}`);
      return false;
    }
    job.cache = 'up-to-date';
    job.artifacts = answer.current.artifacts;
    // The job that wrote the outputs, through any up-to-date or upload records since.
    const since = answer.current.metadata ?? {};
    job.metadata.builtBy = since.builtBy ?? since.uploadOf ?? answer.current.id;
    // When those outputs were built: what `cache.maxAge` measures from.
    job.metadata.builtAt = since.builtAt ?? answer.current.endTime ?? answer.current.startTime;
    // Nothing is uploaded again, as on an Nx cache hit: `build-system upload` does (docs/upload.md).
    for (const name of config.upload ? RECORD_ORDER.slice(2) : PHASE_ORDER.slice(2)) phases.skip(name);
    this.log.info(`up to date: nothing changed since job ${job.metadata.builtBy} built it`);
    return true;
  }

  /** prebuild / postbuild: the config's hook, when it has one. */
  private async hook(name: 'prebuild' | 'postbuild', { config, env }: Ready): Promise<boolean> {
    const hook = config.hooks[name];
    if (!hook) {
      this.phases.skip(name);
      return true;
    }
    const hookErrors = await this.phases.run(name, async () => {
      const e = await runHook({ phase: name, hook, config, env, log: this.log, signal: this.signal, warnings: this.job.warnings });
      return { status: e.length ? (this.cancelled() ? 'cancelled' : 'failed') : 'success', value: e };
    });
    this.errors.push(...hookErrors);
    return hookErrors.length === 0;
  }

  /** build and dts, side by side, into this invocation's own staging directory. */
  private async buildIntoStaging({ config, selection, env }: Ready): Promise<boolean> {
    const { phases, signal } = this;
    const stateDir = join(config.packageRoot, BUILD_CACHE_DIR, 'state', selection.builder);
    const staging = prepareStaging(config.packageRoot, config.outputDir, this.job.id);
    this.staging = staging;
    // Files the builder read that the task's inputs miss: warnings, or errors under check 'strict'.
    const inputCheck = new UndeclaredInputCheck(this.req.declaredInputs, config);
    const ctx: AdapterContext = { config, outDir: staging.dir, finalOutDir: staging.finalDir, stateDir, env, log: this.log, signal };
    if (!inputCheck.enabled) ctx.collectReads = false;
    // `incremental: false`: every build is a full one, in a watch too.
    if (this.req.session && config.incremental) ctx.session = this.req.session;
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
            // A throw is this phase's error, not an unhandled rejection while the build phase runs.
            const r: Awaited<ReturnType<typeof emitDeclarations>> = await emitDeclarations({ ...ctx, signal: dtsAbort.signal }).catch(
              (err) => ({ errors: [errorFromUnknown('INTERNAL', err, { phase: 'dts' })], warnings: [] }),
            );
            // Which path made them: checked (tsc), isolated (transpileDeclaration) or oxc.
            if (r.mode) this.job.metadata.declarations = r.mode;
            r.warnings?.forEach((w) => this.warn(w));
            const unread = r.errors.length ? undefined : inputCheck.check(r.reads, 'dts');
            unread?.warnings.forEach((w) => this.warn(w));
            const e = [...r.errors, ...(unread?.errors ?? [])];
            return { status: e.length ? (dtsAbort.signal.aborted ? 'cancelled' : 'failed') : 'success', value: e };
          })
        : undefined;
    if (!dtsRun) phases.skip('dts');
    const buildErrors = await phases.run('build', async () => {
      const r: AdapterResult = await selection.adapter
        .build(ctx)
        .catch((err) => ({ errors: [errorFromUnknown('BUILD_FAILED', err, { phase: 'build' })], warnings: [] }));
      if (r.warm) this.noteWarm(r.warm);
      for (const w of r.warnings ?? []) {
        // Adapters turn warnings and errors into values with one converter: say which it is.
        this.warn(w.code === 'COMPILE_ERROR' ? { ...w, code: 'COMPILE_WARNING' as const } : w);
      }
      const unread = r.errors.length || this.cancelled() ? undefined : inputCheck.check(r.reads, 'build');
      unread?.warnings.forEach((w) => this.warn(w));
      const e = this.cancelled()
        ? [buildError('CANCELLED', 'build cancelled', { phase: 'build' })]
        : [...r.errors, ...(unread?.errors ?? [])];
      return { status: e.length ? (this.cancelled() ? 'cancelled' : 'failed') : 'success', value: e };
    });
    if (buildErrors.length) dtsAbort.abort();
    const dtsErrors = (await dtsRun) ?? [];
    signal.removeEventListener('abort', stopDts);
    if (buildErrors.length || dtsErrors.length) {
      this.errors.push(...(buildErrors.length ? buildErrors : dtsErrors));
      return false;
    }
    if (this.cancelled()) {
      this.errors.push(buildError('CANCELLED', 'build cancelled', { phase: 'build' }));
      return false;
    }
    // A custom command that wrote into outputDir itself would see its files replaced by nothing.
    if (selection.builder === 'custom' && readdirSync(staging.dir).length === 0) {
      this.log.warn(
        `the custom build wrote nothing to $OUT_DIR (${toPosix(relative(config.packageRoot, staging.dir))}): ${config.outputDir} is now empty; write the outputs there, they are swapped into ${config.outputDir}`,
      );
    }
    return true;
  }

  /** What a watch's kept builder state did for this build: in the log and `metadata.warm`. */
  private noteWarm(warm: NonNullable<AdapterResult['warm']>): void {
    this.job.metadata.warm = warm;
    this.log.info(warm.reused ? `reused ${warm.state}` : `started ${warm.state}, kept for the next rebuild`);
  }

  /** The swap: the staged outputs replace outputDir at once, only while the lock is held. */
  private swapIn({ config }: Ready): boolean {
    // Checked right before the swap, whatever the refresh timer saw: never swap in without the lock.
    if (!this.lock!.held()) return false;
    commitStaging(this.staging!, config.packageRoot, this.job.id);
    this.staging = undefined;
    this.swapped = true;
    return true;
  }

  /** artifacts: what the build left (sizes, hashes) and the fingerprint `status` compares with. */
  private async artifacts({ config }: Ready): Promise<void> {
    const { job } = this;
    job.artifacts = await this.phases.run('artifacts', async () => {
      const [artifacts, files] = await Promise.all([
        collectArtifacts(config.packageRoot, config.artifactGlobs),
        computeFingerprintFiles(config.packageRoot, [config.outputDir]),
      ]);
      await saveFingerprint(config.packageRoot, { jobId: job.id, inputHash: job.inputHash, files });
      return { status: 'success', value: artifacts };
    });
  }

  /** check: package.json entry points against what was just written (docs/records-and-cli.md). */
  private async check({ config, env }: Ready): Promise<void> {
    if (config.check.mode === 'off') return this.phases.skip('check');
    const checked = await this.phases.run('check', async () => {
      const r = await runChecks(config, { env, signal: this.signal, log: this.log });
      return { status: r.errors.length ? 'failed' : 'success', value: r };
    });
    this.job.checks = checked.findings;
    this.errors.push(...checked.errors);
  }

  /** upload, when configured, of outputs that passed (docs/upload.md). */
  private async upload({ config, env }: Ready): Promise<void> {
    const upload = config.upload;
    if (!upload) return;
    if (this.errors.length) return this.phases.skip('upload');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runUploadPhase } = require('./upload/phase') as typeof import('./upload/phase');
    this.errors.push(
      ...(await this.phases.run('upload', () => runUploadPhase(config, upload, this.job, { env, log: this.log, signal: this.signal }))),
    );
  }

  /** The end of every build: staging discarded, the outcome decided, the record saved, the lock released. */
  private async finish(): Promise<BuildJob> {
    const { job, errors, phases, log, store } = this;
    this.userSignal.removeEventListener('abort', this.onUserAbort);
    if (this.staging) discardStaging(this.staging);
    const lost = this.lock?.lostReason();
    if (lost) {
      // What failed after the lock was lost failed because the build was stopped.
      const own = errors.filter((e) => e.code !== 'CANCELLED' || this.cancelled());
      const outputs = this.swapped ? 'after its outputs were swapped in' : 'without swapping its outputs in';
      errors.splice(
        0,
        errors.length,
        buildError('LOCK_LOST', `${lost}: this build stopped ${outputs}`, { phase: phases.current() }),
        ...own,
      );
    }
    if (this.cancelled() && !errors.some((e) => e.code === 'CANCELLED')) errors.push(buildError('CANCELLED', 'build cancelled'));
    const ended = Date.now();
    job.errors = errors.map((e) => this.masked(e));
    job.warnings = (job.warnings ?? []).map((e) => this.masked(e));
    job.exitCode = exitCodeFor(errors);
    job.status = errors.length === 0 ? 'success' : errors.some((e) => e.code === 'CANCELLED') ? 'cancelled' : 'failed';
    job.endTime = new Date(ended).toISOString();
    phases.finish();
    job.phases.sort((a, b) => RECORD_ORDER.indexOf(a.name) - RECORD_ORDER.indexOf(b.name));
    job.durationMs = ended - this.started;
    delete job.process;
    clearInterval(this.logSync);
    for (const e of job.errors) log.error(formatError(e));
    await log.flush();
    // The last progress save is written before the finished record, never after it.
    await this.progress.idle();
    try {
      await store.saveJob(job);
      await store.prune(this.packagePath, RETAINED_JOBS);
    } catch (err) {
      log.warn(`could not write the build record: ${(err as Error).message}`);
    }
    await store.flush?.();
    if (this.lock) await this.lock.release();
    return job;
  }
}
