/**
 * Errors are values: created where they are understood, carried in results and records,
 * rendered once at the edge (terminal, CLI, executor).
 */
export type ErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_LOAD_FAILED'
  | 'CONFIG_INVALID'
  /** A warning: a top-level config key the build system does not know (and no typo of one). */
  | 'CONFIG_UNKNOWN_FIELD'
  | 'ENTRY_NOT_FOUND'
  | 'PACKAGE_JSON_INVALID'
  | 'BUILDER_UNAVAILABLE'
  | 'BUILDER_OPTION_UNSUPPORTED'
  | 'BUILD_FAILED'
  | 'COMPILE_ERROR'
  | 'COMPILE_WARNING'
  | 'TYPE_ERROR'
  | 'HOOK_FAILED'
  | 'LOCK_TIMEOUT'
  | 'LOCK_FAILED'
  /** Another process took the lock over while this build held it: the build stopped. */
  | 'LOCK_LOST'
  | 'CANCELLED'
  | 'UNSAFE_PATH'
  | 'PROJECT_NOT_FOUND'
  | 'WORKSPACE_INVALID'
  | 'USAGE'
  | 'RUNTIME_VALIDATION_FAILED'
  /** The build read a file its cache key (the task's inputs) does not cover. */
  | 'UNDECLARED_INPUT'
  /** A `check: 'strict'` finding (entry points, publint, attw). */
  | 'CHECK_FAILED'
  /** A warning: a hook or command exited, leaving a process that holds its output open. */
  | 'PROCESS_LEFT_RUNNING'
  /** The records database could not be reached or refused a query (records commands). */
  | 'DATABASE_UNAVAILABLE'
  /** Uploading the outputs gave up (an error when `upload.required`, else a warning). */
  | 'UPLOAD_FAILED'
  /** A warning: the requested builder's binary is missing, another builder builds (bun → esbuild). */
  | 'BUILDER_FALLBACK'
  /** Not built: a workspace dependency failed (the record of a `skipped` package). */
  | 'DEPENDENCY_FAILED'
  | 'INTERNAL';

export type PhaseName = 'validate' | 'lock' | 'prebuild' | 'build' | 'dts' | 'postbuild' | 'artifacts' | 'check' | 'upload' | 'clean';

export interface BuildError {
  code: ErrorCode;
  message: string;
  phase?: PhaseName;
  /** Path relative to the workspace root where possible. */
  file?: string;
  line?: number;
  column?: number;
  /** Dotted field path for config errors, e.g. `environments.production.minify`. */
  field?: string;
  expected?: string;
  found?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: BuildError[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(...errors: BuildError[]): Result<T> => ({ ok: false, errors });

export function buildError(code: ErrorCode, message: string, extra: Partial<BuildError> = {}): BuildError {
  return { code, message, ...extra };
}

/** Exit codes are public interface (docs/records-and-cli.md, "The build-system CLI"). */
export const EXIT = { success: 0, failed: 1, invalid: 2, lockTimeout: 3, cancelled: 130 } as const;

const INVALID_CODES: ReadonlySet<ErrorCode> = new Set([
  'WORKSPACE_INVALID',
  'CONFIG_NOT_FOUND',
  'CONFIG_LOAD_FAILED',
  'CONFIG_INVALID',
  'ENTRY_NOT_FOUND',
  'PACKAGE_JSON_INVALID',
  'BUILDER_OPTION_UNSUPPORTED',
  'UNSAFE_PATH',
  'PROJECT_NOT_FOUND',
  'USAGE',
  'RUNTIME_VALIDATION_FAILED',
]);

export function exitCodeFor(errors: readonly BuildError[]): number {
  if (errors.length === 0) return EXIT.success;
  if (errors.some((e) => e.code === 'CANCELLED')) return EXIT.cancelled;
  if (errors.some((e) => e.code === 'LOCK_TIMEOUT')) return EXIT.lockTimeout;
  if (errors.every((e) => INVALID_CODES.has(e.code))) return EXIT.invalid;
  return EXIT.failed;
}

/** One line per error, `file:line:col` first so terminals and editors can jump to it. */
export function formatError(e: BuildError): string {
  const where = e.file ? `${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ''}` : ''}: ` : '';
  const field = e.field ? ` (field \`${e.field}\`)` : '';
  const detail =
    e.expected || e.found
      ? `${e.expected ? ` expected ${e.expected}` : ''}${e.found ? `${e.expected ? ',' : ''} found ${e.found}` : ''}`
      : '';
  return `${where}[${e.code}] ${e.message}${field}${detail ? ` —${detail}` : ''}`;
}

export function errorFromUnknown(code: ErrorCode, err: unknown, extra: Partial<BuildError> = {}): BuildError {
  const message = err instanceof Error ? err.message : String(err);
  return buildError(code, message, extra);
}
