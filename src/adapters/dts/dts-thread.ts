import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BundleDtsRequest, CheckedDtsReply, CheckedDtsRequest } from './checked-dts-thread';

/**
 * The declarations thread of this process (checked-dts-thread.ts: checked declarations, or the
 * bundle alone of those oxc-transform emitted): started on the first request, given one package at a time, kept for the next package (a batch of many builds
 * shares its loaded TypeScript and parsed library declarations). It does not keep the process
 * alive between requests. A cancelled request terminates it; the next request starts a new one.
 */
const THREAD = join(__dirname, 'checked-dts-thread.js');

let thread: Worker | undefined;
/**
 * The TypeScript module files the thread loaded, each with its size and mtime then. A thread
 * loads a module once: TypeScript upgraded in place during a long watch needs a new thread.
 */
let threadLoaded = new Map<string, string>();
/** Requests run one after another: each waits for the one before it. */
let queue: Promise<unknown> = Promise.resolve();

export interface ThreadResult extends CheckedDtsReply {
  cancelled: boolean;
}

export function runInDtsThread(request: CheckedDtsRequest | BundleDtsRequest, signal?: AbortSignal): Promise<ThreadResult> {
  const run = queue.then(() => runNow(request, signal));
  queue = run.catch(() => undefined);
  return run;
}

function runNow(request: CheckedDtsRequest | BundleDtsRequest, signal: AbortSignal | undefined): Promise<ThreadResult> {
  if (signal?.aborted) return Promise.resolve({ output: '', exitCode: 1, cancelled: true });
  const stamp = fileStamp(request.tsModule);
  if (thread && threadLoaded.has(request.tsModule) && threadLoaded.get(request.tsModule) !== stamp) retire(thread);
  const worker = (thread ??= startThread());
  threadLoaded.set(request.tsModule, stamp);
  return new Promise((resolve) => {
    const done = (result: ThreadResult) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
      worker.unref();
      resolve(result);
    };
    const onMessage = (reply: CheckedDtsReply) => done({ ...reply, cancelled: false });
    const onError = (err: Error) => {
      forget(worker);
      done({ output: '', exitCode: 1, internalError: `the declarations thread failed: ${err.stack ?? err.message}`, cancelled: false });
    };
    const onExit = (code: number) => {
      forget(worker);
      done({ output: '', exitCode: 1, internalError: `the declarations thread exited with code ${code}`, cancelled: false });
    };
    const onAbort = () => {
      forget(worker);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      // Settled once the thread is gone: nothing it was writing lands after the build discards it.
      void worker.terminate().finally(() => done({ output: '', exitCode: 1, cancelled: true }));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.ref();
    worker.postMessage(request);
  });
}

function startThread(): Worker {
  // Not piped: piped stdout and stderr would keep the process alive after unref(). The thread
  // prints nothing itself (diagnostics and the bundle's messages come back as values).
  const worker = new Worker(THREAD);
  // A thread that dies between requests is forgotten (the next request starts a new one), and
  // its error is not an unhandled 'error' event that would take the build process down.
  worker.on('error', () => forget(worker)).on('exit', () => forget(worker));
  return worker;
}

function forget(worker: Worker): void {
  if (thread !== worker) return;
  thread = undefined;
  threadLoaded = new Map();
}

/** Replaced: it exits in the background (it has no request: requests run one at a time). */
function retire(worker: Worker): void {
  forget(worker);
  void worker.terminate();
}

function fileStamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}
