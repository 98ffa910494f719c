import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// @ts-expect-error plain ESM helper shared with scripts/
import { linkWorkspace, repoRoot } from '../../scripts/link-workspace.mjs';

export const REPO_ROOT: string = repoRoot;
export const NX_BIN: string = join(
  REPO_ROOT,
  'node_modules',
  'nx',
  JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'nx', 'package.json'), 'utf8')).bin.nx,
);
const CLI_BIN = join(REPO_ROOT, 'dist', 'cli.js');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds (for tests that watch real processes and files). */
export async function waitFor(check: () => boolean, timeoutMs = 60_000, what = 'condition') {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Whether a process is still running. A zombie (exited, not yet reaped: an orphan waits for
 * whatever reaps at PID 1, which in a container may be slow) answers `kill(pid, 0)` but is dead.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return process.platform !== 'linux';
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr */
  output: string;
}

export interface PackageSpec {
  name: string;
  /** Extra package.json fields. */
  packageJson?: Record<string, unknown>;
  /** build.config.ts source (omit for none). */
  config?: string;
  files?: Record<string, string>;
}

export const NX_ENV = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  CI: 'true',
  NX_SKIP_NX_CACHE: undefined,
  NX_VERBOSE_LOGGING: 'false',
  FORCE_COLOR: '0',
  NX_ADD_PLUGINS: 'false',
};

export class TempWorkspace {
  constructor(readonly root: string) {}

  path(...p: string[]) {
    return join(this.root, ...p);
  }
  write(rel: string, content: string) {
    const file = this.path(rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  read(rel: string) {
    return readFileSync(this.path(rel), 'utf8');
  }
  exists(rel: string) {
    return existsSync(this.path(rel));
  }
  json<T = any>(rel: string): T {
    return JSON.parse(this.read(rel)) as T;
  }
  env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...NX_ENV, NX_CACHE_DIRECTORY: this.path('.nx', 'cache'), ...extra };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    delete env.NX_TASK_HASH;
    delete env.NX_TASK_TARGET_PROJECT;
    return env;
  }
  nx(args: string[], extraEnv: Record<string, string | undefined> = {}): RunResult {
    return this.run(process.execPath, [NX_BIN, ...args], extraEnv);
  }
  /** The package's `build-system` bin. */
  cli(args: string[], extraEnv: Record<string, string | undefined> = {}, cwd = this.root): RunResult {
    return this.run(process.execPath, [CLI_BIN, ...args], extraEnv, cwd);
  }
  node(args: string[], cwd = this.root): RunResult {
    return this.run(process.execPath, args, {}, cwd);
  }
  run(cmd: string, args: string[], extraEnv: Record<string, string | undefined> = {}, cwd = this.root): RunResult {
    const r = spawnSync(cmd, args, { cwd, env: this.env(extraEnv), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  }
  /** Starts nx without waiting (for overlap and signal tests). */
  /** Starts nx without waiting; `detached` makes it the leader of its own process group (a test can signal the group, as Ctrl-C does). */
  spawnNx(args: string[], extraEnv: Record<string, string | undefined> = {}, detached = false) {
    const child = spawn(process.execPath, [NX_BIN, ...args], {
      cwd: this.root,
      env: this.env(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const done = new Promise<RunResult>((res) => child.on('close', (code) => res({ code, stdout: output, stderr: '', output })));
    return { child, done, output: () => output };
  }
  git(...args: string[]) {
    const r = spawnSync('git', args, { cwd: this.root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }
  addPackage(dir: string, spec: PackageSpec) {
    this.write(`${dir}/package.json`, JSON.stringify({ name: spec.name, version: '1.0.0', type: 'module', ...spec.packageJson }, null, 2));
    if (spec.config !== undefined) this.write(`${dir}/build.config.ts`, spec.config);
    for (const [f, c] of Object.entries(spec.files ?? {})) this.write(`${dir}/${f}`, c);
    linkWorkspace(this.root, [dir]);
  }
  /** Job records of a package, oldest first. */
  jobs(dir: string): any[] {
    const jobsDir = this.path(dir, '.build-cache', 'jobs');
    if (!existsSync(jobsDir)) return [];
    return require('node:fs')
      .readdirSync(jobsDir)
      .filter((f: string) => f.endsWith('.json'))
      .sort()
      .map((f: string) => JSON.parse(readFileSync(join(jobsDir, f), 'utf8')));
  }
  /** Absolute path of a job's log. */
  log(job: { logs: string }): string {
    return this.path(job.logs);
  }
  latest(dir: string): any {
    return this.json(`${dir}/.build-cache/latest.json`);
  }
  dispose() {
    if (!process.env.KEEP_TEST_WORKSPACES) rmSync(this.root, { recursive: true, force: true });
  }
}

export interface WorkspaceOptions {
  packages?: Record<string, PackageSpec>;
  nxJson?: Record<string, unknown>;
  git?: boolean;
  /** Omit nx.json entirely (plain npm workspace). */
  noNx?: boolean;
}

const REPO_DEV_TOOLS = ['eslint', '@eslint/js', 'typescript-eslint', 'prettier'];
const PRODUCTION_INPUTS = ['default', '!{projectRoot}/**/*.test.ts', '!{projectRoot}/**/*.spec.ts'];

/** A real workspace in a temp directory, using this repo's node_modules (no install). */
export function createWorkspace(options: WorkspaceOptions = {}): TempWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'bs-e2e-'));
  const ws = new TempWorkspace(root);
  const repoPkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  // This repository's lint and format tools are not the test workspace's: a declared prettier
  // would make `nx g` format generated files with prettier's defaults.
  const devDependencies = Object.fromEntries(Object.entries(repoPkg.devDependencies).filter(([name]) => !REPO_DEV_TOOLS.includes(name)));
  ws.write('package.json', JSON.stringify({ name: 'test-workspace', private: true, workspaces: ['packages/*'], devDependencies }, null, 2));
  // Nx reads external nodes (builder versions for `externalDependencies`) from the lockfile.
  cpSync(join(REPO_ROOT, 'package-lock.json'), ws.path('package-lock.json'));
  if (!options.noNx) {
    ws.write(
      'nx.json',
      JSON.stringify(
        options.nxJson ?? {
          $schema: './node_modules/nx/schemas/nx-schema.json',
          namedInputs: { default: ['{projectRoot}/**/*'], production: PRODUCTION_INPUTS },
          plugins: ['@repo/build-system/plugin'],
        },
        null,
        2,
      ),
    );
  }
  ws.write('.gitignore', 'node_modules\ndist\n.nx\n.build-cache\n');
  linkWorkspace(root, []);
  for (const [dir, spec] of Object.entries(options.packages ?? {})) ws.addPackage(dir, spec);
  if (options.git) {
    ws.git('init', '-q', '-b', 'main');
    ws.git('config', 'user.email', 't@example.test');
    ws.git('config', 'user.name', 'test');
    ws.git('add', '-A');
    ws.git('commit', '-qm', 'initial');
  }
  return ws;
}

export const esbuildConfig = (extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',
  outputDir: 'dist',${extra}
});
`;
