import type { ExecutorContext } from '@nx/devkit';
import { watch } from '../../api';
import { listenForStop } from '../../core/signals';
import { formatError } from '../../errors';
import { fromNxContext } from '../nx-request';

export interface WatchExecutorOptions {
  environment?: string;
}

/**
 * `@repo/build-system:watch` (continuous): builds the project and its workspace dependencies,
 * then rebuilds on every change until Nx stops it, yielding `{ success }` after the initial
 * builds and after every rebuild, as Nx's own watch executors do (docs/watch.md).
 */
export default async function* watchExecutor(
  options: WatchExecutorOptions,
  context: ExecutorContext,
): AsyncGenerator<{ success: boolean }> {
  const { workspaceRoot, packageRoot } = fromNxContext(context);
  const stop = listenForStop();
  // Also ended when Nx stops iterating (the generator's return).
  const ended = new AbortController();
  const onStop = () => ended.abort();
  stop.signal.addEventListener('abort', onStop, { once: true });
  if (stop.signal.aborted) ended.abort();
  const results: { success: boolean }[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const push = (r: { success: boolean }) => {
    results.push(r);
    wake?.();
  };
  const done = watch({
    cwd: workspaceRoot,
    projects: [packageRoot],
    environment: options.environment ?? context.configurationName,
    signal: ended.signal,
    onBuilt: (success) => push({ success }),
  }).then((r) => {
    finished = true;
    if (r.errors.length) {
      // Found before anything was built (an unknown project, a cycle): said once, as a failure.
      for (const e of r.errors) process.stderr.write(`error: ${formatError(e)}\n`);
      results.push({ success: false });
    }
    wake?.();
  });
  try {
    while (!finished || results.length) {
      if (!results.length) await new Promise<void>((res) => (wake = res));
      wake = undefined;
      while (results.length) yield results.shift()!;
    }
  } finally {
    ended.abort();
    await done;
    stop.signal.removeEventListener('abort', onStop);
    stop.release();
  }
}
