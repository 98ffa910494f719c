import type { BuildError, PhaseName } from '../../errors';
import type { BuildJob } from './types';

/** Where and by whom a record was written: columns of `builds`, not fields of the record. */
export interface RunMeta {
  host: string | null;
  commitSha: string | null;
}

/** The pipeline's phases in order; a phase's index is its `state` in `build_states`. */
export const PHASE_STATES: readonly PhaseName[] = [
  'validate',
  'lock',
  'prebuild',
  'build',
  'dts',
  'postbuild',
  'artifacts',
  'check',
  'upload',
];

/** One BuildJob as the rows `build_system_save_builds` (migrations/001) takes; keys are column names. */
export interface BuildRows {
  project_name: string;
  project_path: string;
  build: {
    build_number: string;
    status: string;
    current_state: number;
    start_time: string;
    end_time: string | null;
    duration_ms: number | null;
    input_hash: string | null;
    cache: string;
    builder: string;
    requested_builder: string;
    environment: string;
    exit_code: number | null;
    host: string | null;
    commit_sha: string | null;
    created_by: string | null;
    record: BuildJob;
  };
  states: {
    state: number;
    phase: string;
    status: string;
    start_time: string | null;
    end_time: string | null;
    duration_ms: number | null;
    error_message: string | null;
    retry_count: number;
  }[];
  failures: {
    ordinal: number;
    state: number | null;
    failure_type: string;
    error_message: string;
    error_details: Record<string, unknown>;
    component: string | null;
    retry_attempt: number;
  }[];
  artifacts: { path: string; size: number; checksum: string; mime_type: string | null; uri: string | null }[];
  /** The job's whole log, when it is sent along (finished builds). */
  log?: string;
}

const FINISHED_PHASE: ReadonlySet<string> = new Set(['success', 'failed', 'cancelled', 'skipped']);

/** A phase's state, null for a phase this list does not know. */
export function stateOf(phase: string | undefined): number | null {
  const i = PHASE_STATES.indexOf(phase as PhaseName);
  return i === -1 ? null : i;
}

/** Share of the phases done, 0–100: 100 once the build has ended, whatever its status. */
export function currentState(job: BuildJob): number {
  if (job.endTime) return 100;
  const done = new Set(job.phases.filter((p) => FINISHED_PHASE.has(p.status)).map((p) => p.name)).size;
  return Math.min(99, Math.round((100 * done) / PHASE_STATES.length));
}

/** What started the build: the record's trigger, else the runner its metadata names. */
export function createdBy(job: BuildJob): string | null {
  if (job.trigger) return job.trigger;
  const runner = job.metadata?.runner;
  return typeof runner === 'string' ? runner : null;
}

export function toBuildRows(job: BuildJob, meta: RunMeta, log?: string): BuildRows {
  const rows: BuildRows = {
    project_name: job.packageName,
    project_path: job.packagePath,
    build: {
      build_number: job.id,
      status: job.status,
      current_state: currentState(job),
      start_time: job.startTime,
      end_time: job.endTime,
      duration_ms: job.durationMs,
      input_hash: job.inputHash,
      cache: job.cache,
      builder: job.builder,
      requested_builder: job.requestedBuilder,
      environment: job.environment,
      exit_code: job.exitCode,
      host: meta.host,
      commit_sha: meta.commitSha,
      created_by: createdBy(job),
      record: job,
    },
    states: stateRows(job),
    failures: job.errors.map(failureRow),
    artifacts: uniqueBy(job.artifacts, (a) => a.path).map((a) => ({
      path: a.path,
      size: a.size,
      checksum: a.checksum,
      mime_type: a.mimeType ?? null,
      uri: (a as { uri?: string }).uri ?? a.publishedUri ?? null,
    })),
  };
  if (log !== undefined) rows.log = log;
  return rows;
}

/**
 * One row per phase the build entered (the last record of a phase wins), with the first error
 * of that phase. A running build's `pending` phases have no row: one it never reaches never gets one.
 */
function stateRows(job: BuildJob): BuildRows['states'] {
  const uploads = (job as { uploads?: { attempts?: unknown[] }[] }).uploads ?? [];
  const uploadRetries = Math.max(0, ...uploads.map((u) => (u.attempts?.length ?? 1) - 1));
  // Phases this version does not know (a newer writer's) sort after the known ones.
  let unknown = PHASE_STATES.length;
  const entered = job.phases.filter((p) => p.status !== 'pending');
  return uniqueBy(entered, (p) => p.name).map((p) => ({
    state: stateOf(p.name) ?? unknown++,
    phase: p.name,
    status: p.status,
    start_time: p.startTime ?? null,
    end_time: p.endTime ?? null,
    duration_ms: p.durationMs ?? null,
    error_message: job.errors.find((e) => e.phase === p.name)?.message ?? null,
    retry_count: p.name === 'upload' ? uploadRetries : 0,
  }));
}

function failureRow(e: BuildError, ordinal: number): BuildRows['failures'][number] {
  const { code, message, ...located } = e;
  const details = Object.fromEntries(Object.entries(located).filter(([, v]) => v !== undefined));
  return {
    ordinal,
    state: stateOf(e.phase),
    failure_type: code,
    error_message: message,
    error_details: details,
    component: e.file ?? e.phase ?? null,
    retry_attempt: 0,
  };
}

/** Last occurrence wins, in the order of first occurrence (an upsert may not touch a row twice). */
function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(key(item), item);
  return [...byKey.values()];
}
