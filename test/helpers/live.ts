import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, waitFor, type RunResult, type TempWorkspace } from './workspace';

export const CLI_BIN = join(REPO_ROOT, 'dist', 'cli.js');

/**
 * A prebuild hook that holds the build until `<package>/release` exists: a build stopped at a
 * known phase, for as long as a test needs to look at it.
 */
export const HOLD_SCRIPT = `import { existsSync } from 'node:fs';
console.log('prebuild: holding until ./release exists');
const t = setInterval(() => {
  if (existsSync('release')) {
    clearInterval(t);
    console.log('prebuild: released');
  }
}, 50);
`;

/** Holds only while `<package>/hold` exists (until `release` does): builds run through otherwise. */
export const HOLD_IF_ASKED_SCRIPT = `import { existsSync } from 'node:fs';
if (existsSync('hold')) {
  console.log('prebuild: holding until ./release exists');
  const t = setInterval(() => {
    if (existsSync('release')) {
      clearInterval(t);
      console.log('prebuild: released');
    }
  }, 50);
} else console.log('prebuild: not held');
`;

export const heldConfig = `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',
  outputDir: 'dist',
  prebuild: 'node hold.mjs',
});
`;

export interface Spawned {
  child: ChildProcess;
  done: Promise<RunResult>;
  output: () => string;
}

/** Starts the `build-system` bin without waiting; `detached` puts it in its own process group (to kill the hook with it). */
export function spawnCli(ws: TempWorkspace, args: string[], extraEnv: Record<string, string | undefined> = {}, detached = false): Spawned {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: ws.root,
    env: ws.env(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<RunResult>((res) => child.on('close', (code) => res({ code, stdout, stderr, output: stdout + stderr })));
  return { child, done, output: () => stdout + stderr };
}

/** latest.json of a package, or undefined while it is missing or being replaced. */
export function readLatest(ws: TempWorkspace, dir: string): any {
  const file = ws.path(dir, '.build-cache', 'latest.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Waits until latest.json shows the phase `building` (the hold hook is running). */
export async function waitForPhase(ws: TempWorkspace, dir: string, phase: string, status = 'building', timeoutMs = 120_000): Promise<any> {
  let job: any;
  await waitFor(
    () => {
      job = readLatest(ws, dir);
      return job?.phases?.some((p: any) => p.name === phase && p.status === status);
    },
    timeoutMs,
    `${dir}: phase ${phase} ${status}`,
  );
  return job;
}
