import { killLiveChildren } from '../spawn';

/**
 * Signals this soon after the first are the same stop request, not a second one: Nx delivers
 * SIGTERM to the executor twice within a millisecond (its tree kill, and its fork wrapper
 * forwarding its own), and exiting on the echo would lose the record and leave the lock.
 */
export const REPEAT_WINDOW_MS = 500;

/**
 * Turns SIGINT/SIGTERM into an AbortSignal for the duration of `fn`, so the pipeline can stop
 * its builder, release the lock and record `cancelled` instead of dying mid-write.
 * A second signal (later than REPEAT_WINDOW_MS) exits at once.
 */
export async function withCancellation<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let firstAt: number | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < REPEAT_WINDOW_MS) return;
      killLiveChildren('SIGKILL');
      process.exit(130);
    }
    firstAt = Date.now();
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
