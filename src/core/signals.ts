import { killLiveChildren } from '../utils/spawn';

/**
 * Signals this soon after the first are the same stop request, not a second one: Nx delivers
 * SIGTERM to the executor twice within a millisecond (its tree kill, and its fork wrapper
 * forwarding its own), and exiting on the echo would lose the record and leave the lock.
 */
const REPEAT_WINDOW_MS = 500;

export interface StopListener {
  signal: AbortSignal;
  release: () => void;
}

interface Shared {
  controller: AbortController;
  users: number;
  onSignal: (sig: NodeJS.Signals) => void;
}

let shared: Shared | undefined;

/**
 * Turns SIGINT/SIGTERM into an AbortSignal until released, so the pipeline can stop its
 * builder, release the lock and record `cancelled` instead of dying mid-write. Listeners
 * active at once share one signal: the CLI listens from its first line (a Ctrl-C while it
 * starts is still a cancellation), and the build it then runs sees that same stop.
 * A second signal (later than REPEAT_WINDOW_MS) exits at once.
 */
export function listenForStop(): StopListener {
  if (!shared) {
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
    shared = { controller, users: 0, onSignal };
  }
  const mine = shared;
  mine.users++;
  let released = false;
  return {
    signal: mine.controller.signal,
    release: () => {
      if (released) return;
      released = true;
      if (--mine.users > 0) return;
      process.off('SIGINT', mine.onSignal);
      process.off('SIGTERM', mine.onSignal);
      if (shared === mine) shared = undefined;
    },
  };
}

/** Runs `fn` with an AbortSignal that SIGINT/SIGTERM abort (see listenForStop). */
export async function withCancellation<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = listenForStop();
  try {
    return await fn(stop.signal);
  } finally {
    stop.release();
  }
}
