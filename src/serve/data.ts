import { join } from 'node:path';
import { listPackages, type PackageSummary } from '../api';
import { displayStatus, inProgress, type DisplayStatus } from '../core/records/live';
import { isBuildJob, RETAINED_JOBS, type RecordStore } from '../core/records/store';
import type { BuildJob, PhaseRecord } from '../core/records/types';
import { getBuildStatus, type BuildStatus } from '../core/status';
import type { BuildError } from '../errors';

/** Where the page reads: the workspace and its RecordStore, nothing else. */
export interface PageSource {
  workspaceRoot: string;
  store: RecordStore;
}

export type RowStatus = DisplayStatus | 'never-built';

/** One line of the packages view (and of `GET /api/packages`). */
export interface PackageRow {
  name: string;
  /** The config's friendlyName (display only). */
  displayName?: string | null;
  path: string;
  builder: string | null;
  status: RowStatus;
  jobId: string | null;
  cache: string | null;
  trigger: string | null;
  startTime: string | null;
  endTime: string | null;
  durationMs: number | null;
  /** The phase running now, while building. */
  phase: string | null;
  stale: boolean;
  reasons: string[];
  /** Of the latest build, or of the last completed one while a build runs. */
  artifacts: { count: number; bytes: number };
  /** A failed build: the phase that failed and its first error. */
  failure?: { phase: string | null; error: BuildError | null };
  /** The config does not load or validate: its errors. */
  configErrors?: BuildError[];
}

/** A piece of log text, its start left out past the page's limit. */
export interface LogText {
  text: string;
  /** Characters left out before `text`. */
  omitted: number;
}

export interface PhaseView extends PhaseRecord {
  /** The phase's part of the log (records with log ranges). */
  output?: LogText;
}

export interface JobView {
  job: BuildJob;
  status: DisplayStatus;
  phases: PhaseView[];
  /** The whole log, for a record whose phases carry no ranges (older records, cache hits). */
  log?: LogText;
  /** Characters in the job's log. */
  logSize: number;
}

export interface HistoryEntry {
  id: string;
  status: DisplayStatus;
  cache: string;
  builder: string;
  environment: string;
  trigger: string | null;
  startTime: string;
  durationMs: number | null;
  artifacts: number;
  firstError: BuildError | null;
}

export interface PackageDetail {
  row: PackageRow;
  summary: PackageSummary;
  latest: JobView | null;
  /** The last completed build, while the latest is running or was interrupted. */
  lastCompleted: JobView | null;
  history: HistoryEntry[];
}

export interface PageDataOptions {
  /** Characters of log shown per phase (the end is kept); the whole log stays at /api/jobs/<id>/log. */
  logLimit?: number;
  /** How long the package list (configs loaded) and a package's staleness are reused. */
  cacheMs?: number;
}

const DEFAULT_LOG_LIMIT = 256 * 1024;

/**
 * What the builds page shows, read through the API (packages and their configs), the core
 * (status, staleness) and the RecordStore (records, logs): the same for `serve` and `report`.
 */
export class PageData {
  private packageList?: { at: number; value: PackageSummary[] };
  private readonly statusCache = new Map<string, { key: string; at: number; value: BuildStatus }>();
  private readonly logLimit: number;
  private readonly cacheMs: number;

  constructor(
    readonly source: PageSource,
    options: PageDataOptions = {},
  ) {
    this.logLimit = options.logLimit ?? DEFAULT_LOG_LIMIT;
    this.cacheMs = options.cacheMs ?? 3000;
  }

  /** Buildable packages (configs loaded through the API), reused for `cacheMs`. */
  async packages(fresh = false): Promise<PackageSummary[]> {
    const now = Date.now();
    if (!fresh && this.packageList && now - this.packageList.at < this.cacheMs) return this.packageList.value;
    const value = await listPackages({ cwd: this.source.workspaceRoot, store: this.source.store });
    this.packageList = { at: now, value: value.sort((a, b) => a.name.localeCompare(b.name)) };
    return value;
  }

  /** A package by its exact name (names come from URLs: only a known name is ever used). */
  async findPackage(name: string): Promise<PackageSummary | undefined> {
    return (await this.packages()).find((p) => p.name === name);
  }

  async rows(): Promise<PackageRow[]> {
    const packages = await this.packages();
    return Promise.all(packages.map((p) => this.row(p)));
  }

  async row(pkg: PackageSummary): Promise<PackageRow> {
    const s = await this.status(pkg);
    return toRow(pkg, s);
  }

  async packageDetail(name: string): Promise<PackageDetail | undefined> {
    const summary = await this.findPackage(name);
    if (!summary) return undefined;
    const status = await this.status(summary);
    const jobs = await this.jobs(summary.path);
    const latest = status.latest ? await this.jobView(status.latest) : null;
    const completed = status.lastCompleted ? await this.jobView(status.lastCompleted) : null;
    return {
      row: toRow(summary, status),
      summary,
      latest,
      lastCompleted: completed,
      history: jobs.map((j) => this.historyEntry(j)),
    };
  }

  /** A job by id, searched in every package's records (ids are checked by the store). */
  async job(id: string): Promise<{ view: JobView; pkg: PackageSummary } | undefined> {
    if (!isJobId(id)) return undefined;
    for (const pkg of await this.packages()) {
      const job = await this.source.store.job(pkg.path, id);
      if (job) return { view: await this.jobView(job), pkg };
    }
    return undefined;
  }

  async jobLog(id: string): Promise<string | undefined> {
    if (!isJobId(id)) return undefined;
    for (const pkg of await this.packages()) {
      if (!(await this.source.store.job(pkg.path, id))) continue;
      return (await this.source.store.readLog(pkg.path, id)) ?? '';
    }
    return undefined;
  }

  displayStatus(job: BuildJob): DisplayStatus {
    return displayStatus(job, this.source.workspaceRoot);
  }

  /** A package's records, newest first. */
  async jobs(packagePath: string, limit = RETAINED_JOBS): Promise<BuildJob[]> {
    return (await this.source.store.history(packagePath, limit)).filter(isBuildJob);
  }

  /** A job with its phases' logs (`logs` false: without, as the report shows older jobs). */
  async jobView(job: BuildJob, logs = true): Promise<JobView> {
    if (!logs) return { job, status: this.displayStatus(job), phases: job.phases.map((p) => ({ ...p })), logSize: 0 };
    const log = (await this.source.store.readLog(job.packagePath, job.id)) ?? '';
    const ranged = job.phases.some((p) => p.log);
    // A phase still running has written up to the log's end so far.
    const end = (p: PhaseRecord, range: { start: number; end: number }) =>
      p.status === 'building' && inProgress(job) ? log.length : Math.max(range.start, range.end);
    const phases = job.phases.map((p): PhaseView => (p.log ? { ...p, output: this.cut(log.slice(p.log.start, end(p, p.log))) } : { ...p }));
    return { job, status: this.displayStatus(job), phases, ...(ranged ? {} : { log: this.cut(log) }), logSize: log.length };
  }

  private historyEntry(j: BuildJob): HistoryEntry {
    return {
      id: j.id,
      status: this.displayStatus(j),
      cache: j.cache,
      builder: j.builder,
      environment: j.environment,
      trigger: j.trigger ?? (typeof j.metadata?.runner === 'string' ? j.metadata.runner : null),
      startTime: j.startTime,
      durationMs: j.durationMs,
      artifacts: j.artifacts.length,
      firstError: j.errors[0] ?? null,
    };
  }

  private cut(text: string): LogText {
    return text.length <= this.logLimit ? { text, omitted: 0 } : { text: text.slice(-this.logLimit), omitted: text.length - this.logLimit };
  }

  /** Staleness hashes the package's files: reused while the latest record is unchanged, for `cacheMs`. */
  private async status(pkg: PackageSummary): Promise<BuildStatus> {
    const latest = await this.source.store.latest(pkg.path);
    const key = latest ? `${latest.id}:${latest.status}:${latest.phases.map((p) => p.status).join(',')}` : '-';
    const cached = this.statusCache.get(pkg.path);
    if (cached && cached.key === key && Date.now() - cached.at < this.cacheMs) return cached.value;
    const root = join(this.source.workspaceRoot, pkg.path);
    const value = await getBuildStatus(
      this.source.store,
      { name: pkg.name, path: pkg.path, root },
      [pkg.outputDir ?? 'dist'],
      this.source.workspaceRoot,
    );
    this.statusCache.set(pkg.path, { key, at: Date.now(), value });
    return value;
  }
}

export function isJobId(id: string): boolean {
  return /^[\w.-]{1,200}$/.test(id) && !/^\.+$/.test(id);
}

function toRow(pkg: PackageSummary, s: BuildStatus): PackageRow {
  const j = s.latest;
  const running = j ? inProgress(j) : false;
  const shown = running ? (s.lastCompleted ?? null) : j;
  const failedPhase = j?.phases.find((p) => p.status === 'failed') ?? null;
  return {
    name: pkg.name,
    displayName: pkg.displayName ?? j?.displayName ?? null,
    path: pkg.path,
    builder: j && j.builder !== 'unknown' ? j.builder : (pkg.builder ?? null),
    status: s.status,
    jobId: j?.id ?? null,
    cache: j?.cache ?? null,
    trigger: j ? (j.trigger ?? (typeof j.metadata?.runner === 'string' ? j.metadata.runner : null)) : null,
    startTime: j?.startTime ?? null,
    endTime: j?.endTime ?? null,
    durationMs: j?.durationMs ?? null,
    phase: running ? (j!.phases.find((p) => p.status === 'building')?.name ?? null) : null,
    stale: s.stale,
    reasons: s.reasons,
    artifacts: { count: shown?.artifacts.length ?? 0, bytes: (shown?.artifacts ?? []).reduce((n, a) => n + (a.size || 0), 0) },
    ...(j && (j.status === 'failed' || j.status === 'cancelled')
      ? { failure: { phase: failedPhase?.name ?? j.errors[0]?.phase ?? null, error: j.errors[0] ?? null } }
      : {}),
    ...(pkg.errors ? { configErrors: pkg.errors } : {}),
  };
}
