import { resolve } from 'node:path';
import { runBuild } from './core/pipeline';
import { runClean, type CleanResult } from './core/clean';
import type { BuildJob } from './core/records/types';

export interface BuildOptions {
  /** Workspace root (default: cwd). */
  workspaceRoot?: string;
  /** Package root, absolute or relative to the workspace root. */
  packageRoot: string;
  environment?: string;
  signal?: AbortSignal;
  /** Receives the build's output; default: stdout. */
  onOutput?: (text: string) => void;
}

export interface CleanOptions extends BuildOptions {
  cache?: boolean;
}

/** Builds one package through the same pipeline as the Nx executor; resolves with its record. */
export async function build(options: BuildOptions): Promise<BuildJob> {
  const workspaceRoot = resolve(options.workspaceRoot ?? process.cwd());
  return runBuild({
    workspaceRoot,
    packageRoot: resolve(workspaceRoot, options.packageRoot),
    environment: options.environment,
    signal: options.signal,
    terminal: options.onOutput,
    metadata: { runner: 'api' },
  });
}

export async function clean(options: CleanOptions): Promise<CleanResult> {
  const workspaceRoot = resolve(options.workspaceRoot ?? process.cwd());
  return runClean({
    workspaceRoot,
    packageRoot: resolve(workspaceRoot, options.packageRoot),
    environment: options.environment,
    cache: options.cache,
    signal: options.signal,
    terminal: options.onOutput,
  });
}
