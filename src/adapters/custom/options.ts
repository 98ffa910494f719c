import type { ResolvedBuildConfig } from '../../config/resolve';

/** What `builderOptions.run` receives. */
export interface CustomBuildContext {
  config: ResolvedBuildConfig;
  /** Write outputs here; they replace `outputDir` when the build succeeds. */
  outDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** How a custom build runs: a shell command, or the config's own function. */
export type CustomBuildStep =
  { kind: 'command'; command: string; cwd: string; env: NodeJS.ProcessEnv } | { kind: 'run'; run: (c: CustomBuildContext) => unknown };

/**
 * `builderOptions.run` when given, else `builderOptions.command`, run in the package root with
 * the build's environment and OUT_DIR, the directory to write into (validation made sure
 * exactly one is there).
 */
export function customBuildStep(config: ResolvedBuildConfig, outDir: string, env: NodeJS.ProcessEnv): CustomBuildStep {
  const { command, run } = config.builderOptions as { command?: string; run?: (c: CustomBuildContext) => unknown };
  if (run) return { kind: 'run', run };
  return { kind: 'command', command: command!, cwd: config.packageRoot, env: { ...env, OUT_DIR: outDir } };
}
