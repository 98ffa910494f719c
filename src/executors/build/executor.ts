import type { ExecutorContext } from '@nx/devkit';
import { runBuild, type BuildRequest } from '../../core/pipeline';
import { withCancellation } from '../../core/signals';
import { createBatchExecutor } from '../batch';
import { fromNxContext, type CommonExecutorOptions } from '../nx-request';

export interface BuildExecutorOptions extends CommonExecutorOptions {
  /** Set by the plugin (the builder in effect); informational, keeps fallback builds apart in the cache. */
  builder?: string;
}

/** The build a task asks for: one request for the single-task executor and the batch. */
export function buildRequest(options: BuildExecutorOptions, context: ExecutorContext, env: NodeJS.ProcessEnv = process.env): BuildRequest {
  return { ...fromNxContext(context, env), environment: options.environment, lockTimeoutMs: options.lockTimeoutMs, processEnv: env };
}

/** `@repo/build-system:build`: builds a project from its build.config.*. */
export default async function buildExecutor(options: BuildExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const job = await withCancellation((signal) => runBuild({ ...buildRequest(options, context), signal }));
  return { success: job.status === 'success' };
}

/** Its batch implementation: many tasks in one process (docs/architecture.md#batches). */
export const batch = createBatchExecutor(buildRequest);
