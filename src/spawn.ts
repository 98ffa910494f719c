import { spawn } from 'node:child_process';

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
    let output = '';
    let cancelled = false;
    const collect = (buf: Buffer) => {
      const text = buf.toString('utf8');
      output = (output + text).slice(-MAX_CAPTURE);
      options.onOutput?.(text);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const kill = () => {
      cancelled = true;
      killTree(child.pid, 'SIGTERM');
      setTimeout(() => killTree(child.pid, 'SIGKILL'), 3000).unref();
    };
    if (options.signal?.aborted) kill();
    options.signal?.addEventListener('abort', kill, { once: true });
    // Registered so the owning process, if it dies, takes its command tree with it.
    liveChildren.add(child.pid);
    child.on('error', (err) => {
      liveChildren.delete(child.pid);
      options.signal?.removeEventListener('abort', kill);
      resolvePromise({ exitCode: null, signal: null, output: `${output}${err.message}\n`, cancelled, spawnError: err.message });
    });
    child.on('close', async (code, signal) => {
      liveChildren.delete(child.pid);
      options.signal?.removeEventListener('abort', kill);
      if (!cancelled && options.signal && endedByStop(code, signal)) cancelled = await abortsWithin(options.signal, STOP_GRACE_MS);
      resolvePromise({ exitCode: code, signal, output, cancelled });
    });
  });
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

const liveChildren = new Set<number | undefined>();

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

/** The last `n` non-empty lines of some output, for error messages. */
export function tail(output: string, n = 20): string {
  return output.split(/\r?\n/).filter((l) => l.trim() !== '').slice(-n).join('\n');
}
