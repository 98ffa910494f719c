import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BUILD_CACHE_DIR } from '../config/define';
import { buildError, type BuildError, type Result, fail, ok } from '../errors';

export interface LockOptions {
  /** Give up waiting after this long (exit code 3). */
  timeoutMs: number;
  /** A lock not refreshed for this long belongs to a dead process and is reclaimed. */
  staleMs: number;
  signal?: AbortSignal;
  /** Called once when the lock is found held. */
  onWait?: (holder: LockHolder | undefined) => void;
  /** Called if the lock is lost while held (event loop stalled past `staleMs`). */
  onCompromised?: (err: Error) => void;
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command?: string;
}

export type Release = () => Promise<void>;

export const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60 * 1000;
export const DEFAULT_LOCK_STALE_MS = 10 * 1000;

export function lockOptionsFromEnv(env: NodeJS.ProcessEnv, timeoutMs?: number): Pick<LockOptions, 'timeoutMs' | 'staleMs'> {
  const num = (v: string | undefined) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : undefined);
  return {
    timeoutMs: timeoutMs ?? num(env.BUILD_SYSTEM_LOCK_TIMEOUT_MS) ?? DEFAULT_LOCK_TIMEOUT_MS,
    // proper-lockfile refuses less than 2 s.
    staleMs: Math.max(2000, num(env.BUILD_SYSTEM_LOCK_STALE_MS) ?? DEFAULT_LOCK_STALE_MS),
  };
}

export const lockPaths = (packageRoot: string) => ({
  lock: join(packageRoot, BUILD_CACHE_DIR, 'build.lock'),
  owner: join(packageRoot, BUILD_CACHE_DIR, 'build.lock.owner.json'),
});

/**
 * The per-project lock (DESIGN.md §5): proper-lockfile's mkdir lock on
 * `.build-cache/build.lock`, refreshed while held, reclaimed once stale.
 */
export async function acquireLock(packageRoot: string, options: LockOptions): Promise<Result<Release>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lockfile = require('proper-lockfile') as typeof import('proper-lockfile');
  const paths = lockPaths(packageRoot);
  mkdirSync(join(packageRoot, BUILD_CACHE_DIR), { recursive: true });
  const deadline = Date.now() + options.timeoutMs;
  let announced = false;
  for (;;) {
    if (options.signal?.aborted) return fail(buildError('CANCELLED', 'cancelled while waiting for the lock', { phase: 'lock' }));
    try {
      const release = await lockfile.lock(packageRoot, {
        lockfilePath: paths.lock,
        realpath: false,
        stale: options.staleMs,
        update: Math.max(1000, Math.floor(options.staleMs / 4)),
        retries: 0,
        onCompromised: (err) => options.onCompromised?.(err),
      });
      writeOwner(paths.owner);
      return ok(async () => {
        rmSync(paths.owner, { force: true });
        await release().catch(() => undefined);
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
        return fail(buildError('LOCK_FAILED', `could not take the lock ${paths.lock}: ${(err as Error).message}`, { phase: 'lock' }));
      }
      if (backdateFutureLock(paths.lock, options.staleMs)) continue;
    }
    if (!announced) {
      announced = true;
      options.onWait?.(readLockHolder(packageRoot));
    }
    if (Date.now() >= deadline) return fail(lockTimeoutError(packageRoot, options.timeoutMs));
    await sleep(75 + Math.random() * 100, options.signal);
  }
}

/**
 * proper-lockfile counts a lock as stale once its mtime is older than `staleMs`: one dated in
 * the future (a clock set wrong, then corrected) never would be. A holder refreshes the mtime
 * to its own now, so a lock more than `staleMs` ahead has no live holder on this clock: its
 * mtime is set back, and the next attempt reclaims it by the usual rule.
 */
function backdateFutureLock(lock: string, staleMs: number): boolean {
  try {
    if (statSync(lock).mtimeMs <= Date.now() + staleMs) return false;
    const past = new Date(Date.now() - 2 * staleMs);
    utimesSync(lock, past, past);
    return true;
  } catch {
    return false;
  }
}

function lockTimeoutError(packageRoot: string, timeoutMs: number): BuildError {
  const holder = readLockHolder(packageRoot);
  return buildError('LOCK_TIMEOUT', `timed out after ${timeoutMs} ms waiting for the build lock${holder ? ` held by ${describeHolder(holder)}` : ''}`, { phase: 'lock' });
}

export function readLockHolder(packageRoot: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockPaths(packageRoot).owner, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host} since ${h.since}${h.command ? ` (${h.command})` : ''}`;
}

function writeOwner(file: string) {
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(1, 4).map((a) => a.split(/[\\/]/).pop()).join(' '),
  };
  try {
    writeFileSync(file, JSON.stringify(holder));
  } catch {
    /* informational only */
  }
}

/** Resolves after `ms` or on abort, whichever comes first; leaves no listener behind (one sleep per retry). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      res();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
