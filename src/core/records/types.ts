import type { BuildError, PhaseName } from '../../errors';

export type JobStatus = 'pending' | 'running' | 'success' | 'failed' | 'cancelled';
export type CacheStatus = 'miss' | 'local-cache' | 'remote-cache';

export interface PhaseRecord {
  name: PhaseName;
  status: 'success' | 'failed' | 'cancelled' | 'skipped';
  startTime: string;
  endTime: string;
  durationMs: number;
}

export interface Artifact {
  /** Relative to the package root, posix. */
  path: string;
  size: number;
  /** `sha256:<hex>` */
  checksum: string;
  mimeType?: string;
  publishedUri?: string;
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

/** One invocation of one project's build (DESIGN.md §6). Schema version 1. */
export interface BuildJob {
  schemaVersion: 1;
  id: string;
  packageName: string;
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
  /** Findings of the `check` phase (entry points, publint, attw). */
  checks?: CheckFinding[];
  metadata: Record<string, unknown>;
}
