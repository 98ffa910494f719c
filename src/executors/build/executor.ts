import type { ExecutorContext } from '@nx/devkit';
import { runBuild } from '../../core/pipeline';
import { withCancellation } from '../../core/signals';
import { fromNxContext, type CommonExecutorOptions } from '../nx-request';

export interface BuildExecutorOptions extends CommonExecutorOptions {
  /** Set by the plugin (the builder in effect); informational, keeps fallback builds apart in the cache. */
  builder?: string;
}

/** `@repo/build-system:build`: builds a project from its build.config.*. */
export default async function buildExecutor(options: BuildExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const job = await withCancellation((signal) =>
    runBuild({ ...fromNxContext(context), environment: options.environment, lockTimeoutMs: options.lockTimeoutMs, signal }),
  );
  return { success: job.status === 'success' };
}
