import type { ResolvedBuildConfig } from '../config/resolve';
import type { Builder } from '../config/schema';
import type { BuildError } from '../errors';
import type { BuilderOptionsSource } from './builder-options';
import type { WarmSession } from './warm-session';

export interface AdapterLog {
  info(line: string): void;
  warn(line: string): void;
  /** Raw output of a child process, streamed (masked and recorded by the caller). */
  write(chunk: string): void;
}

export interface AdapterContext {
  config: ResolvedBuildConfig;
  /** Absolute directory to write outputs into (a staging directory, swapped in by the core). */
  outDir: string;
  /** The final output directory, absolute; only for tools that embed it (never write here). */
  finalOutDir: string;
  /** Scratch space that survives between builds of this package (incremental state). */
  stateDir: string;
  /** Environment for child processes: process.env plus the config's resolved env. */
  env: NodeJS.ProcessEnv;
  log: AdapterLog;
  signal: AbortSignal;
  /**
   * False when nothing compares what the builder read with declared inputs (no Nx task): a
   * builder may then skip collecting `reads` (esbuild's metafile). Absent: collect them.
   */
  collectReads?: boolean;
  /** In a watch: what the builder may keep alive for the next rebuild (warm-session.ts). */
  session?: WarmSession;
}

/** What a build in a watch session did with the builder's kept state (the record's `metadata.warm`). */
export interface WarmReport {
  /** True when kept state served this build (an esbuild context's `rebuild()`), false when it was made now. */
  reused: boolean;
  /** What was kept, for the log and the record: `esbuild context (esm, cjs)`. */
  state: string;
}

export interface AdapterResult {
  errors: BuildError[];
  warnings?: BuildError[];
  /**
   * Absolute paths of the files the builder read (its module graph, as the builder reports
   * it): compared with the task's inputs after the build (core/undeclared-inputs.ts).
   */
  reads?: string[];
  /** Only in a watch session, from builders that keep state in it. */
  warm?: WarmReport;
}

/**
 * One builder behind one contract. Adapters know nothing of locks, hooks, records or Nx:
 * they turn a resolved config into files in `ctx.outDir` and report located errors. What
 * other parts need to know about a builder (packages, fallback, declarations) is in the
 * registry, `config/builders.ts`.
 */
export interface BuilderAdapter {
  readonly name: Builder;
  /** Errors for options this builder cannot honour or builderOptions it does not accept. */
  validate(config: ResolvedBuildConfig): BuildError[];
  /**
   * The builderOptions part of `validate`, which needs nothing else of the config: reported
   * with the schema's errors when the rest of the config does not validate (all at once).
   */
  validateBuilderOptions(config: BuilderOptionsSource): BuildError[];
  build(ctx: AdapterContext): Promise<AdapterResult>;
}
