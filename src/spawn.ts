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
  cancelled: boolean;
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
      resolvePromise({ exitCode: null, signal: null, output: `${output}${err.message}\n`, cancelled });
    });
    child.on('close', (code, signal) => {
      liveChildren.delete(child.pid);
      options.signal?.removeEventListener('abort', kill);
      resolvePromise({ exitCode: code, signal, output, cancelled });
    });
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
