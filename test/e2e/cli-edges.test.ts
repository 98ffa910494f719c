import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, REPO_ROOT, type RunResult, type TempWorkspace } from '../helpers/workspace';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const doc = (r: { stdout: string; output?: string }) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document:\n${r.stdout}\n${r.output ?? ''}`);
  }
};
const FUTURE = '2099-01-01T00:00:00.000Z';

describe('records and the lock dated in the future, EPIPE, an early Ctrl-C', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: { 'packages/a': { name: '@e/a', config: esbuildConfig(), files: { 'src/index.ts': 'export const a = 1;\n' } } },
    });
  });
  afterAll(() => ws?.dispose());

  const build = (env: Record<string, string> = {}): RunResult => ws.cli(['build', '@e/a', '--json'], env);

  it('a job record dated in the future does not freeze latest.json nor status', () => {
    const first = build();
    expect(first.code, first.output).toBe(0);
    const job = doc(first).jobs[0];
    const future = { ...job, id: '20990101T000000000Z-future', startTime: FUTURE, endTime: FUTURE };
    const json = `${JSON.stringify(future, null, 2)}\n`;
    writeFileSync(ws.path('packages/a/.build-cache/jobs', `${future.id}.json`), json);
    writeFileSync(ws.path('packages/a/.build-cache/latest.json'), json);
    const next = build();
    expect(next.code, next.output).toBe(0);
    const nextJob = doc(next).jobs[0];
    expect(ws.latest('packages/a').id).toBe(nextJob.id);
    const status = doc(ws.cli(['status', '@e/a', '--json']));
    expect(status.latest.id).toBe(nextJob.id);
  });

  it('a build.lock with a future mtime is reclaimed like a stale one', () => {
    const lock = ws.path('packages/a/.build-cache/build.lock');
    mkdirSync(lock, { recursive: true });
    utimesSync(lock, new Date(FUTURE), new Date(FUTURE));
    const r = build({ BUILD_SYSTEM_LOCK_STALE_MS: '2000', BUILD_SYSTEM_LOCK_TIMEOUT_MS: '20000' });
    expect(r.code, r.output).toBe(0);
    expect(doc(r).jobs[0].status).toBe('success');
  });

  it('status into a reader that has gone (`| head -2`) ends quietly, without an EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [CLI, 'status', '@e/a'], { cwd: ws.root, env: ws.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before the CLI writes a byte.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });

  it('a Ctrl-C while the CLI is still starting (before any build): `build --json` exits 130 with one JSON document', async () => {
    // The CLI reads each package.json while it looks for packages, before any build starts:
    // a FIFO there holds it at exactly that point until the signal has been sent.
    const manifest = ws.path('packages/a/package.json');
    const content = ws.read('packages/a/package.json');
    rmSync(manifest);
    expect(spawnSync('mkfifo', [manifest]).status).toBe(0);
    const child = spawn(process.execPath, [CLI, 'build', '--json'], { cwd: ws.root, env: ws.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.on('close', (code, signal) => res({ code, signal })),
    );
    // Opening the FIFO for writing returns once the CLI has opened it to read.
    const fd = await Promise.race([open(manifest, 'w'), closed.then(() => Promise.reject(new Error(`the CLI ended first: ${stderr}`)))]);
    child.kill('SIGINT');
    writeFileSync(`${manifest}.tmp`, content);
    renameSync(`${manifest}.tmp`, manifest);
    await fd.write(content);
    await fd.close();
    const end = await closed;
    expect(end, stderr).toEqual({ code: 130, signal: null });
    const out = doc({ stdout, output: stderr });
    expect(out.exitCode).toBe(130);
    const errors = [...(out.errors ?? []), ...(out.jobs ?? []).flatMap((j: any) => j.errors)];
    expect(errors.map((e: any) => e.code)).toContain('CANCELLED');
  });
});
