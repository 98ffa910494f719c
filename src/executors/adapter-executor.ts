import type { ExecutorContext } from '@nx/devkit';
import type { Builder } from '../config/schema';
import { runBuild } from '../core/pipeline';
import { withCancellation } from '../core/signals';
import { fromNxContext, type CommonExecutorOptions } from './nx-request';

/**
 * `@repo/build-system:<builder>` executors for project.json: the options are a build config
 * (same fields as build.config.ts), run through the same pipeline (lock, staging, records).
 */
export function createAdapterExecutor(builder: Exclude<Builder, 'custom'>) {
  return async function adapterExecutor(
    options: CommonExecutorOptions & Record<string, unknown>,
    context: ExecutorContext,
  ): Promise<{ success: boolean }> {
    const { environment, lockTimeoutMs, ...config } = options;
    const job = await withCancellation((signal) =>
      runBuild({
        ...fromNxContext(context),
        environment: environment ?? context.configurationName,
        lockTimeoutMs,
        inlineConfig: { ...config, builder },
        signal,
      }),
    );
    return { success: job.status === 'success' };
  };
}
