import type { ExecutorContext } from '@nx/devkit';
import { runClean } from '../../core/clean';
import { withCancellation } from '../../core/signals';
import { fromNxContext, type CommonExecutorOptions } from '../nx-request';

export interface CleanExecutorOptions extends CommonExecutorOptions {
  /** Also remove .build-cache (records, logs, incremental state). */
  cache?: boolean;
}

/** `@repo/build-system:clean`: removes a project's outputs (never anything outside it). */
export default async function cleanExecutor(options: CleanExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const { workspaceRoot, packageRoot } = fromNxContext(context);
  const result = await withCancellation((signal) =>
    runClean({
      workspaceRoot,
      packageRoot,
      environment: options.environment,
      cache: options.cache,
      lockTimeoutMs: options.lockTimeoutMs,
      signal,
    }),
  );
  return { success: result.exitCode === 0 };
}
