import { killLiveChildren } from '../spawn';

/**
 * Turns SIGINT/SIGTERM into an AbortSignal for the duration of `fn`, so the pipeline can stop
 * its builder, release the lock and record `cancelled` instead of dying mid-write.
 * A second signal exits at once.
 */
export async function withCancellation<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let received = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    received++;
    if (received > 1) {
      killLiveChildren('SIGKILL');
      process.exit(130);
    }
    process.stderr.write(`\n${sig} received: stopping the build\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
