import { statSync } from 'node:fs';
import type { AttemptOutcome } from './retry';

/** One file to put somewhere: an artifact, or the tarball of them all. */
export interface UploadObject {
  /** What messages call it: the artifact's path, or the tarball's name. */
  file: string;
  /** Absolute path on disk; opened again for every attempt. */
  source: string;
  /** Its name below the target: `acme-utils-1.0.0-<hash>.tgz`, `acme-utils-1.0.0-<hash>/dist/index.js`. */
  key: string;
  size: number;
  /** Hex. */
  sha256: string;
  /** Base64 (Content-MD5). */
  md5: string;
  contentType: string;
}

/** A place uploads go; `put` makes one attempt and never throws for what the retry policy judges. */
export interface UploadTarget {
  /** Where `key` ends up: `s3://bucket/key`, the URL, `file:///…`. */
  uriOf(key: string): string;
  put(object: UploadObject, signal: AbortSignal): Promise<AttemptOutcome>;
}

/**
 * One attempt under its own timeout: the target's `put`, aborted after `timeoutMs` or when the
 * build is cancelled. A local file that is gone (or changed size) fails without a retry.
 */
export async function attemptPut(
  target: UploadTarget,
  object: UploadObject,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<AttemptOutcome> {
  const local = statSync(object.source, { throwIfNoEntry: false });
  if (!local?.isFile()) return { ok: false, code: 'ENOENT', detail: `${object.file} is missing`, retryable: false };
  if (local.size !== object.size)
    return { ok: false, code: 'ECHANGED', detail: `${object.file} changed since it was recorded`, retryable: false };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs);
  const stop = () => controller.abort();
  cancel?.addEventListener('abort', stop, { once: true });
  try {
    const outcome = await target.put(object, controller.signal);
    if (timedOut) return timeout(timeoutMs);
    return outcome;
  } catch (err) {
    if (timedOut) return timeout(timeoutMs);
    if (cancel?.aborted) return { ok: false, code: 'CANCELLED', detail: 'cancelled', retryable: false };
    return errorOutcome(err);
  } finally {
    clearTimeout(timer);
    cancel?.removeEventListener('abort', stop);
  }
}

const timeout = (ms: number): AttemptOutcome => ({ ok: false, code: 'TIMEOUT', detail: `no answer within ${ms} ms` });

/** A thrown error as an outcome: fetch hides the system error in `cause`. */
export function errorOutcome(err: unknown): AttemptOutcome {
  const cause = (err as { cause?: unknown })?.cause;
  const inner = (cause && typeof cause === 'object' ? cause : err) as { code?: unknown; message?: unknown };
  const code = typeof inner.code === 'string' ? inner.code : undefined;
  const message = typeof inner.message === 'string' ? inner.message : String(err);
  const detail = code ? (message && !message.includes(code) ? `${code} (${message})` : code) : message;
  return { ok: false, code: code ?? 'ERROR', detail };
}
