import type { BuildError, PhaseName } from '../../errors';

/**
 * `building` while the build runs (the record is saved from its start and per phase change);
 * `skipped`: not built because a dependency failed. Records written before `building` say
 * `running` (or `pending`): stores read those as `building` (`normalizeJob`).
 */
export type JobStatus = 'building' | 'success' | 'failed' | 'cancelled' | 'skipped';
/** `up-to-date`: the CLI's own check found nothing changed since the last successful build (docs/records-and-cli.md). */
export type CacheStatus = 'miss' | 'local-cache' | 'remote-cache' | 'up-to-date';

export type PhaseStatus = 'pending' | 'building' | 'success' | 'failed' | 'cancelled' | 'skipped';

export interface PhaseRecord {
  name: PhaseName;
  status: PhaseStatus;
  /** null while the phase is `pending`. */
  startTime: string | null;
  /** null until the phase ends. */
  endTime: string | null;
  durationMs: number | null;
  /**
   * Where the phase's output is in the job's log: `[start, end)` in characters of the log as
   * `RecordStore.readLog` returns it. Phases that run side by side (build and dts) overlap.
   */
  log?: { start: number; end: number };
}

export interface Artifact {
  /** Relative to the package root, posix. */
  path: string;
  size: number;
  /** `sha256:<hex>` */
  checksum: string;
  mimeType?: string;
  publishedUri?: string;
  /** Where the upload put it (its own object, or the tarball holding it); absent until uploaded. */
  uri?: string;
}

/** One attempt of one upload: the HTTP status, or the error code when there was no answer. */
export interface UploadAttempt {
  status?: number;
  /** `ECONNRESET`, `TIMEOUT`, `ENOSPC`, … */
  code?: string;
  durationMs: number;
}

/** One object uploaded (or not) by the `upload` phase (docs/upload.md). */
export interface UploadRecord {
  /** What was uploaded: the tarball's name, or the artifact's path. */
  file: string;
  /** Where it was going: `s3://bucket/key`, the URL, or `file:///…`. */
  target: string;
  attempts: UploadAttempt[];
  /** Set on success. */
  uri?: string;
  /** Why it gave up: the last failure, and why no further attempt was made. */
  reason?: string;
}

/** One finding of the `check` phase, located in package.json where it can be. */
export interface CheckFinding {
  /** `entry-points`, `publint` or `attw`. */
  tool: string;
  level: 'error' | 'warning' | 'suggestion';
  message: string;
  /** package.json field path, e.g. `exports["."].import`. */
  field?: string;
  file?: string;
  /** Where the field is written in `file` (1-based). */
  line?: number;
  column?: number;
}

/** One invocation of one project's build (docs/records-and-cli.md, "Records"). Schema version 1. */
export interface BuildJob {
  schemaVersion: 1;
  id: string;
  packageName: string;
  /** The config's `friendlyName`, for display only (records are keyed by packageName/packagePath). */
  displayName?: string;
  /** Package root relative to the workspace root, posix. */
  packagePath: string;
  builder: string;
  requestedBuilder: string;
  environment: string;
  /** Nx's task hash when run by Nx, else null. */
  inputHash: string | null;
  cache: CacheStatus;
  startTime: string;
  endTime: string | null;
  status: JobStatus;
  exitCode: number | null;
  durationMs: number | null;
  phases: PhaseRecord[];
  artifacts: Artifact[];
  errors: BuildError[];
  /** What the builder warned about (located like errors); absent in records written before it. */
  warnings?: BuildError[];
  /** The job's log file, relative to the workspace root. */
  logs: string;
  /** The tsconfig the build read (declarations, tsc), workspace-relative; absent when none. */
  tsconfig?: string;
  /** What started the build. Absent in records written before it. */
  trigger?: 'nx' | 'cli' | 'watch' | 'page' | 'api';
  /**
   * Watch rebuilds (`trigger: "watch"`): the files whose change started it, workspace-relative,
   * posix; empty when only a dependency's rebuild did (`metadata.dependenciesRebuilt` names it).
   */
  changedFiles?: string[];
  /** Findings of the `check` phase (entry points, publint, attw). */
  checks?: CheckFinding[];
  /** What the `upload` phase did; absent when no upload is configured. */
  uploads?: UploadRecord[];
  /** The process running the build, while it runs (tells a live build from an interrupted one). */
  process?: { pid: number; host: string };
  /**
   * What the CLI's up-to-date check compares (sources, config, environment, builder and its
   * version, dependencies' outputs), as one hash. Absent in records of builds run by Nx.
   */
  upToDateKey?: string;
  /** The config's `incremental`: false when every build was a full one. Absent in older records and before validation. */
  incremental?: boolean;
  /** The config's `meta`: the package's own data, kept as given. Absent when the config has none. */
  meta?: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
