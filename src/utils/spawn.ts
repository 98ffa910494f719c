import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface RunCommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Receives output as it streams (stdout and stderr interleaved). */
  onOutput?: (chunk: string) => void;
  /** Run through the platform shell (hooks and custom commands); otherwise `command` is a file. */
  shell?: boolean;
  args?: string[];
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Everything the command printed (bounded to the last 1 MiB). */
  output: string;
  /** Stopped because the build was: killed on `signal`, or died of SIGINT/SIGTERM just before it aborted (STOP_GRACE_MS). */
  cancelled: boolean;
  /** Set when the command could not be started at all (missing shell or cwd, EACCES...). */
  spawnError?: string;
  /**
   * Set when the command exited but something it started (`server &`) still holds its output
   * open: the command's end is not delayed by it. The processes still in its group.
   */
  leftRunning?: LeftProcess[];
}

export interface LeftProcess {
  pid: number;
  command: string;
}

const MAX_CAPTURE = 1024 * 1024;

/**
 * Runs a command in its own process group so cancellation stops the whole tree (a hook that
 * runs `npm run x` spawns grandchildren that a plain kill would orphan).
 */
export function runCommand(command: string, options: RunCommandOptions): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, options.args ?? [], {
      cwd: options.cwd,
      env: options.env,
      shell: options.shell ?? false,
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const captured = new OutputTail(MAX_CAPTURE);
    let cancelled = false;
    const collect = (text: string) => {
      captured.push(text);
      options.onOutput?.(text);
    };
    // Decoded as a stream: a character split across two chunks stays one character (and a
    // secret containing it stays maskable).
    child.stdout?.setEncoding('utf8').on('data', collect);
    child.stderr?.setEncoding('utf8').on('data', collect);
    const kill = () => {
      cancelled = true;
      killTree(child.pid, 'SIGTERM');
      setTimeout(() => killTree(child.pid, 'SIGKILL'), 3000).unref();
    };
    if (options.signal?.aborted) kill();
    options.signal?.addEventListener('abort', kill, { once: true });
    // Registered so the owning process, if it dies, takes its command tree with it.
    trackChild(child.pid, true);
    let settled = false;
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      trackChild(child.pid, false);
      options.signal?.removeEventListener('abort', kill);
      resolvePromise({ exitCode: null, signal: null, output: `${captured.value()}${err.message}\n`, cancelled, spawnError: err.message });
    });
    const finish = async (code: number | null, signal: NodeJS.Signals | null, pipesOpen: boolean) => {
      if (settled) return;
      settled = true;
      trackChild(child.pid, false);
      options.signal?.removeEventListener('abort', kill);
      let leftRunning: LeftProcess[] | undefined;
      if (pipesOpen) {
        leftRunning = left ?? [];
        // Still read (their output keeps going to the log), but no longer keep this process alive.
        for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
      }
      if (!cancelled && options.signal && endedByStop(code, signal)) cancelled = await abortsWithin(options.signal, STOP_GRACE_MS);
      resolvePromise({ exitCode: code, signal, output: captured.value(), cancelled, ...(leftRunning ? { leftRunning } : {}) });
    };
    let drain: NodeJS.Timeout | undefined;
    let left: LeftProcess[] | undefined;
    // 'close' waits for the pipes, which a process the command put in the background (`server
    // &`) holds for as long as it lives: the command's own end is 'exit', plus a moment for
    // the output still in the pipes (longer when no process of its group is left: a slow
    // reader, or a holder that left the group).
    child.on('exit', (code, signal) => {
      drain = setTimeout(() => {
        left = processesInGroup(child.pid);
        if (left.length) void finish(code, signal, true);
        else drain = setTimeout(() => void finish(code, signal, true), LONG_DRAIN_MS);
      }, DRAIN_MS);
    });
    child.on('close', (code, signal) => {
      clearTimeout(drain);
      void finish(code, signal, false);
    });
  });
}

/** How long output may keep arriving after a command exited before its pipes count as held by something it left running. */
const DRAIN_MS = 250;
const LONG_DRAIN_MS = 2000;

/** The last `max` characters of a command's output, in amortized linear time. */
class OutputTail {
  private pieces: string[] = [];
  private length = 0;
  private cut = false;

  constructor(private readonly max: number) {}

  push(text: string): void {
    this.pieces.push(text);
    this.length += text.length;
    if (this.length > 2 * this.max) this.compact();
  }

  value(): string {
    this.compact();
    return this.pieces.join('');
  }

  private compact(): void {
    let all = this.pieces.join('');
    if (all.length > this.max) {
      all = all.slice(-this.max);
      this.cut = true;
    }
    // A cut line may hold the end of a secret, which masking would no longer recognise.
    if (this.cut) all = all.slice(all.indexOf('\n') + 1);
    this.pieces = [all];
    this.length = all.length;
  }
}

/**
 * The processes still in a command's process group (what `cmd &` left behind), with their
 * command lines: /proc on Linux, `ps` elsewhere; empty when neither can tell.
 */
export function processesInGroup(pgid: number | undefined): LeftProcess[] {
  return pgid ? processesInGroups([pgid]) : [];
}

/** The processes of any of these groups, in one look at the process table (it may hold thousands). */
export function processesInGroups(pgids: number[]): LeftProcess[] {
  const groups = new Set(pgids);
  if (!groups.size || process.platform === 'win32') return [];
  try {
    const found: LeftProcess[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (!groups.has(Number(fields[2])) || fields[0] === 'Z') continue;
        const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        found.push({ pid: Number(name), command });
      } catch {
        /* gone meanwhile */
      }
    }
    return found;
  } catch {
    return processesInGroupsByPs(groups);
  }
}

function processesInGroupsByPs(groups: Set<number>): LeftProcess[] {
  try {
    return execFileSync('ps', ['-A', '-o', 'pid=,pgid=,command='], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && groups.has(Number(m[2])))
      .map((m) => ({ pid: Number(m[1]), command: m[3] }));
  } catch {
    return [];
  }
}

/** Says what a command left running (for a warning), or undefined when it left nothing. */
export function describeLeftRunning(what: string, result: Pick<CommandResult, 'leftRunning'>): string | undefined {
  if (!result.leftRunning) return undefined;
  const list = result.leftRunning.map((p) => `pid ${p.pid}: ${p.command}`).join('; ');
  const left = result.leftRunning.length
    ? `left ${result.leftRunning.length === 1 ? 'a process' : `${result.leftRunning.length} processes`} running (${list})`
    : 'left a process running';
  return `${what} ${left} that holds its output open; the phase did not wait for it. Redirect its output (\`cmd > cmd.log 2>&1 &\`) or stop it before the build ends`;
}

/**
 * How long a command that died of SIGINT/SIGTERM waits for the build itself to be told to stop.
 * Nx stops a task leaves first: the hook's `sleep` gets SIGTERM, its shell exits 143, and only
 * then is the executor signalled. Within this window that is a cancellation; without a signal
 * to the build it is the command's own failure (docs/safety.md, Cancellation).
 */
export const STOP_GRACE_MS = 2000;

/** Killed by SIGINT/SIGTERM, or a shell reporting (128 + n) that its command was. */
export function endedByStop(code: number | null, signal: NodeJS.Signals | null): boolean {
  return signal === 'SIGINT' || signal === 'SIGTERM' || code === 130 || code === 143;
}

function abortsWithin(signal: AbortSignal, ms: number): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((res) => {
    const done = (aborted: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      res(aborted);
    };
    const onAbort = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const liveChildren = new Set<number>();
const childWatchers = new Set<(groups: number[]) => void>();

function trackChild(pid: number | undefined, running: boolean): void {
  if (!pid) return;
  if (running) liveChildren.add(pid);
  else liveChildren.delete(pid);
  for (const watcher of childWatchers) watcher([...liveChildren]);
}

/**
 * Tells `watcher` the process groups of the commands running now, at once and on every change;
 * returns the unsubscribe. The build lock records them: a SIGKILL gives the owner no chance to
 * stop them, so whoever reclaims its lock does (core/lock.ts).
 */
export function watchLiveChildren(watcher: (groups: number[]) => void): () => void {
  childWatchers.add(watcher);
  watcher([...liveChildren]);
  return () => childWatchers.delete(watcher);
}

/** Kills every command tree still running; called from exit paths. */
export function killLiveChildren(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const pid of liveChildren) killTree(pid, signal);
}

export function killTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** The last 20 non-empty lines of some output, for error messages. */
export function tail(output: string): string {
  return output
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-20)
    .join('\n');
}
