import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { BUILD_CACHE_DIR } from '../config/define';
import { buildError, type BuildError, type Result, fail, ok } from '../errors';
import { unsafeBuildCache } from '../config/build-cache';
import { writeFileAtomicSync } from '../utils/atomic-write';
import { processesInGroups, watchLiveChildren, type LeftProcess } from '../utils/spawn';

export interface LockOptions {
  /** Give up waiting after this long (exit code 3). */
  timeoutMs: number;
  /** A lock not refreshed for this long may be reclaimed, unless its owner is alive on this host. */
  staleMs: number;
  signal?: AbortSignal;
  /** Called once when the lock is found held. */
  onWait?: (holder: LockHolder | undefined) => void;
  /** Called when an abandoned lock was reclaimed and commands its owner left running were stopped. */
  onStopped?: (stopped: LeftProcess[]) => void;
  /** Called once if another process took the lock over while it was held: the holder must stop. */
  onLost?: (reason: string) => void;
  /** For error messages: the workspace root that paths are shown relative to. */
  workspaceRoot?: string;
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command?: string;
  /** Names one acquisition: tells a holder whether the lock is still its own. */
  token?: string;
  /** When the owner process started (Linux), so that a reused pid does not pass for it. */
  pidStart?: string;
}

export interface HeldLock {
  /** Whether the lock is still ours, checked now (before anything irreversible). */
  held(): boolean;
  /** Why it was lost, once it was. */
  lostReason(): string | undefined;
  release(): Promise<void>;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60 * 1000;
export const DEFAULT_LOCK_STALE_MS = 10 * 1000;

export function lockOptionsFromEnv(env: NodeJS.ProcessEnv, timeoutMs?: number): Pick<LockOptions, 'timeoutMs' | 'staleMs'> {
  const num = (v: string | undefined) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : undefined);
  return {
    timeoutMs: timeoutMs ?? num(env.BUILD_SYSTEM_LOCK_TIMEOUT_MS) ?? DEFAULT_LOCK_TIMEOUT_MS,
    staleMs: Math.max(2000, num(env.BUILD_SYSTEM_LOCK_STALE_MS) ?? DEFAULT_LOCK_STALE_MS),
  };
}

export interface PackageLockRequest {
  /** The package (its root, name and workspace). */
  config: { packageRoot: string; workspaceRoot: string; name: string };
  processEnv: NodeJS.ProcessEnv;
  /** An explicit wait limit; else `BUILD_SYSTEM_LOCK_TIMEOUT_MS`, else the default. */
  timeoutMs?: number;
  signal: AbortSignal;
  /** Where the "waiting for the build lock" line goes (the job's log). */
  info: (message: string) => void;
  onLost?: LockOptions['onLost'];
}

/** The package lock as a build and a clean take it: limits from the environment, who holds it said while waiting. */
export function lockPackage(req: PackageLockRequest): Promise<Result<HeldLock>> {
  const { config } = req;
  return acquireLock(config.packageRoot, {
    ...lockOptionsFromEnv(req.processEnv, req.timeoutMs),
    signal: req.signal,
    workspaceRoot: config.workspaceRoot,
    onWait: (holder) => req.info(`waiting for the build lock of ${config.name}${holder ? `, held by ${describeHolder(holder)}` : ''}`),
    onStopped: (stopped) =>
      req.info(
        `stopped what the killed build of ${config.name} left running: ${stopped.map((p) => `pid ${p.pid} (${p.command})`).join(', ')}`,
      ),
    ...(req.onLost ? { onLost: req.onLost } : {}),
  });
}

export const lockPaths = (packageRoot: string) => ({
  lock: join(packageRoot, BUILD_CACHE_DIR, 'build.lock'),
  owner: join(packageRoot, BUILD_CACHE_DIR, 'build.lock.owner.json'),
  /** Taken (mkdir) by whoever reclaims an abandoned lock, so that two never do at once. */
  reclaim: join(packageRoot, BUILD_CACHE_DIR, 'build.lock.reclaim'),
  /** Inside the lock: the process groups of the owner's running commands (tsc, bun, hooks), with their leaders' start times. */
  commands: join(packageRoot, BUILD_CACHE_DIR, 'build.lock', 'commands.json'),
});

type LockPaths = ReturnType<typeof lockPaths>;

/**
 * The per-project lock (docs/safety.md): a directory `.build-cache/build.lock` made with
 * mkdir (atomic), its owner beside it, its mtime refreshed while held. A waiter reclaims it
 * once it is stale, unless its owner is a live process on this host: staleness alone would
 * hand the lock of a build whose event loop is merely blocked to a second build.
 */
export async function acquireLock(packageRoot: string, options: LockOptions): Promise<Result<HeldLock>> {
  const paths = lockPaths(packageRoot);
  const deadline = Date.now() + options.timeoutMs;
  const token = randomBytes(8).toString('hex');
  let announced = false;
  for (;;) {
    if (options.signal?.aborted) return fail(buildError('CANCELLED', 'cancelled while waiting for the lock', { phase: 'lock' }));
    const unsafe = unsafeBuildCache(packageRoot, options.workspaceRoot);
    if (unsafe) return fail({ ...unsafe, phase: 'lock' });
    const taken = tryTake(paths, token);
    if (!taken.ok) return taken;
    if (taken.value) return ok(holdLock(paths, token, options));
    if (reclaimIfAbandoned(paths, options)) continue;
    if (!announced) {
      announced = true;
      options.onWait?.(readLockHolder(packageRoot));
    }
    if (Date.now() >= deadline) return fail(lockTimeoutError(packageRoot, options.timeoutMs));
    await sleep(75 + Math.random() * 100, options.signal);
  }
}

/** Makes the lock directory; false when it exists. A missing `.build-cache` (a clean removed it) is made again. */
function tryTake(paths: LockPaths, token: string): Result<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(paths.lock);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return ok(false);
      if (code !== 'ENOENT' || attempt > 2) return fail(lockFailed(paths, err));
      try {
        mkdirSync(dirname(paths.lock), { recursive: true });
      } catch (e) {
        return fail(lockFailed(paths, e));
      }
    }
  }
  try {
    writeOwner(paths.owner, token);
    return ok(true);
  } catch (err) {
    rmSync(paths.lock, { recursive: true, force: true });
    return fail(lockFailed(paths, err));
  }
}

const lockFailed = (paths: LockPaths, err: unknown): BuildError =>
  buildError('LOCK_FAILED', `could not take the lock ${paths.lock}: ${(err as Error).message}`, { phase: 'lock' });

function holdLock(paths: LockPaths, token: string, options: LockOptions): HeldLock {
  let lost: string | undefined;
  let released = false;
  const isOurs = () => existsDir(paths.lock) && readHolder(paths.owner)?.token === token;
  const check = () => {
    if (released || lost) return false;
    if (isOurs()) return true;
    const now = readHolder(paths.owner);
    lost = `another process took the build lock over${now ? ` (${describeHolder(now)})` : ''}`;
    stop();
    options.onLost?.(lost);
    return false;
  };
  const refresh = () => {
    if (!check()) return;
    const now = new Date();
    try {
      utimesSync(paths.lock, now, now);
    } catch {
      check();
    }
  };
  const timer = setInterval(refresh, Math.max(250, Math.floor(options.staleMs / 4)));
  timer.unref();
  releaseAtExit(releaseNow);
  const starts = new Map<number, string | undefined>();
  // Only into a lock still ours: a holder that lost it (not noticed yet) would name its own
  // commands as the new holder's, for a reclaimer to kill.
  const unwatch = watchLiveChildren((groups) => !released && !lost && isOurs() && recordCommands(paths, groups, starts));
  function stop() {
    clearInterval(timer);
    unwatch();
    releasedAtExit.delete(releaseNow);
  }
  function releaseNow() {
    if (released) return;
    const ours = !lost && isOurs();
    released = true;
    stop();
    if (!ours) return;
    // The owner file first: the directory first would let the next holder in before we
    // delete what is then its owner file.
    rmSync(paths.commands, { force: true });
    rmSync(paths.owner, { force: true });
    try {
      rmdirSync(paths.lock);
    } catch {
      /* already gone */
    }
  }
  return {
    held: check,
    lostReason: () => (check(), lost),
    release: async () => releaseNow(),
  };
}

/** A process that exits without releasing (a second Ctrl-C, an uncaught error) frees its locks anyway. */
const releasedAtExit = new Set<() => void>();
function releaseAtExit(release: () => void) {
  if (!process.listeners('exit').includes(releaseAllAtExit)) process.on('exit', releaseAllAtExit);
  releasedAtExit.add(release);
}
function releaseAllAtExit() {
  for (const release of [...releasedAtExit]) release();
}

/**
 * Removes a lock nobody keeps: not refreshed for `staleMs` (mtimes in the future count too,
 * a clock can jump back), and its owner is not a live process on this host (an owner on
 * another host, or an unknown one, is judged by staleness alone). Reclaimers take turns through
 * `build.lock.reclaim` and look again once they hold it, so one never removes the lock another
 * has just taken. True when the caller should try again at once.
 */
function reclaimIfAbandoned(paths: LockPaths, { staleMs, onStopped }: Pick<LockOptions, 'staleMs' | 'onStopped'>): boolean {
  const first = abandonedLock(paths, staleMs);
  if (!first) return first === undefined;
  try {
    mkdirSync(paths.reclaim);
  } catch {
    // Another waiter is reclaiming; one killed while doing so leaves this behind.
    if (isStale(paths.reclaim, staleMs)) rmSync(paths.reclaim, { recursive: true, force: true });
    return false;
  }
  try {
    const again = abandonedLock(paths, staleMs);
    if (!again || again.mtimeMs !== first.mtimeMs) return again === undefined;
    const stopped = stopAbandonedCommands(paths);
    if (stopped.length) onStopped?.(stopped);
    rmSync(paths.owner, { force: true });
    rmSync(paths.lock, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(paths.reclaim, { recursive: true, force: true });
  }
}

/** The lock's mtime when it is abandoned; false when it is kept; undefined when it is gone. */
function abandonedLock(paths: LockPaths, staleMs: number): { mtimeMs: number } | false | undefined {
  const st = statSync(paths.lock, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (Math.abs(Date.now() - st.mtimeMs) < staleMs) return false;
  const holder = readHolder(paths.owner);
  if (holder && ownerAlive(holder)) return false;
  return { mtimeMs: st.mtimeMs };
}

/** A recorded command: its process group, and when the group's leader (the command) started. */
interface RecordedGroup {
  pgid: number;
  start: string;
}

/**
 * Written whole; a failure only loses what a reclaimer could stop (the build goes on). A group
 * whose leader's start time cannot be read is left out: a reclaimer could not tell it from
 * another group given the same id later.
 */
function recordCommands(paths: LockPaths, groups: number[], starts: Map<number, string | undefined>): void {
  for (const pgid of groups) if (!starts.has(pgid)) starts.set(pgid, commandStart(pgid));
  for (const pgid of starts.keys()) if (!groups.includes(pgid)) starts.delete(pgid);
  const recorded: RecordedGroup[] = groups.flatMap((pgid) => {
    const start = starts.get(pgid);
    return start ? [{ pgid, start }] : [];
  });
  try {
    writeFileAtomicSync(paths.commands, JSON.stringify(recorded));
  } catch {
    /* the lock directory is gone: lost, which the refresh reports */
  }
}

/**
 * A build killed with SIGKILL leaves its commands running: its tsc would go on writing outputs
 * and build info into the state directory while the next build reads and empties it. Each
 * recorded group whose leader is still the recorded process (same start time) is killed, and
 * the reclaimer waits (up to a second) until it is gone. A group id is free again once its
 * processes are gone, and a reclaim may come days later: an id alone names whatever group has
 * it now. Process ids are this host's: a lock of another host, or of no known owner, names
 * nothing here.
 */
function stopAbandonedCommands(paths: LockPaths): LeftProcess[] {
  if (readHolder(paths.owner)?.host !== hostname()) return [];
  let recorded: unknown;
  try {
    recorded = JSON.parse(readFileSync(paths.commands, 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(recorded)) return [];
  const groups = recorded
    .filter(isRecordedGroup)
    .filter((g) => commandStart(g.pgid) === g.start)
    .map((g) => g.pgid);
  // One look at the process table per round, whatever the number of groups: it may hold thousands.
  const stopped = processesInGroups(groups);
  if (!stopped.length) return [];
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  const deadline = Date.now() + 1000;
  while (processesInGroups(groups).length && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  return stopped;
}

function isRecordedGroup(g: unknown): g is RecordedGroup {
  const r = g as RecordedGroup;
  return typeof g === 'object' && g !== null && Number.isInteger(r.pgid) && r.pgid > 0 && typeof r.start === 'string';
}

/**
 * When a command started: /proc on Linux; elsewhere `ps` (in one locale and time zone, so that
 * the recording process and the reclaiming one print it alike). Undefined when it is gone.
 */
function commandStart(pid: number): string | undefined {
  if (process.platform === 'linux' || process.platform === 'win32') return processStart(pid);
  try {
    const env = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

function isStale(path: string, staleMs: number): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return !!st && Math.abs(Date.now() - st.mtimeMs) >= staleMs;
}

/** Whether the owner is a live process of this host (a pid reused by another process is not). */
export function ownerAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname() || !Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStart(holder.pid);
  return !(holder.pidStart && started && started !== holder.pidStart);
}

/** A process's start time in clock ticks since boot (Linux /proc), undefined elsewhere. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function lockTimeoutError(packageRoot: string, timeoutMs: number): BuildError {
  const holder = readLockHolder(packageRoot);
  return buildError(
    'LOCK_TIMEOUT',
    `timed out after ${timeoutMs} ms waiting for the build lock${holder ? ` held by ${describeHolder(holder)}` : ''}`,
    { phase: 'lock' },
  );
}

export function readLockHolder(packageRoot: string): LockHolder | undefined {
  return readHolder(lockPaths(packageRoot).owner);
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host} since ${h.since}${h.command ? ` (${h.command})` : ''}`;
}

/** Written whole (temp file, rename): a reader sees the previous owner or this one, never half. */
function writeOwner(file: string, token: string) {
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv
      .slice(1, 4)
      .map((a) => a.split(/[\\/]/).pop())
      .join(' '),
    token,
    pidStart: processStart(process.pid),
  };
  writeFileAtomicSync(file, JSON.stringify(holder));
}

function existsDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
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
