import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, waitFor, type TempWorkspace, isAlive } from '../helpers/workspace';

const slowPrebuild = (ms: number) =>
  `\n  prebuild: 'node -e "require(\\'fs\\').writeFileSync(\\'.build-cache/started-\\' + process.pid, \\'\\'); setTimeout(() => {}, ${ms})"',`;

/** The pids of the slow prebuilds started so far (each writes `.build-cache/started-<pid>`). */
const startedHooks = (ws: TempWorkspace) =>
  readdirSync(ws.path('packages/lib/.build-cache'))
    .filter((n) => n.startsWith('started-'))
    .map((n) => Number(n.slice('started-'.length)));

const interval = (job: any, name: string) => {
  const p = job.phases.find((x: any) => x.name === name);
  return [Date.parse(p.startTime), Date.parse(p.endTime)] as const;
};

describe('locking and crash safety (real processes)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/lib': {
          name: '@t/lib',
          config: esbuildConfig(slowPrebuild(600)),
          files: { 'src/index.ts': `export const value = 1;\n` },
        },
      },
    });
    mkdirSync(ws.path('packages/lib/.build-cache'), { recursive: true });
  });
  afterAll(() => ws?.dispose());

  it('three overlapping builds all succeed and never overlap', async () => {
    const runs = [0, 1, 2].map(() => ws.spawnNx(['run', '@t/lib:build', '--skip-nx-cache']));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.output).toBe(0);
    expect(results.some((r) => r.output.includes('waiting for the build lock of @t/lib, held by pid'))).toBe(true);
    const jobs = ws.jobs('packages/lib').slice(-3);
    expect(jobs.map((j) => j.status)).toEqual(['success', 'success', 'success']);
    // From the end of `lock` to the end of the record, each run held the lock alone.
    const held = jobs.map((j) => [interval(j, 'lock')[1], Date.parse(j.endTime)] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < held.length; i++) expect(held[i][0]).toBeGreaterThanOrEqual(held[i - 1][1]);
    const builds = jobs.map((j) => interval(j, 'build')).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < builds.length; i++) expect(builds[i][0]).toBeGreaterThanOrEqual(builds[i - 1][1]);
    expect(existsSync(ws.path('packages/lib/.build-cache/build.lock'))).toBe(false);
  });

  it('a build killed with SIGKILL while holding the lock does not block the next one beyond the stale window, and its hook is stopped', async () => {
    ws.write('packages/lib/build.config.ts', esbuildConfig(slowPrebuild(30_000)));
    const hooksBefore = startedHooks(ws);
    const victim = ws.spawnNx(['run', '@t/lib:build', '--skip-nx-cache'], { BUILD_SYSTEM_LOCK_STALE_MS: '2000' });
    const owner = ws.path('packages/lib/.build-cache/build.lock.owner.json');
    await waitFor(() => startedHooks(ws).length > hooksBefore.length, 60_000, 'the hook to start');
    const hook = startedHooks(ws).find((pid) => !hooksBefore.includes(pid))!;
    const holder = JSON.parse(readFileSync(owner, 'utf8'));
    process.kill(holder.pid, 'SIGKILL');
    await victim.done;
    // SIGKILL leaves the owner no chance to stop its commands: the hook lives on, orphaned.
    expect(isAlive(hook)).toBe(true);
    ws.write('packages/lib/build.config.ts', esbuildConfig());
    const started = Date.now();
    const next = ws.nx(['run', '@t/lib:build', '--skip-nx-cache'], { BUILD_SYSTEM_LOCK_STALE_MS: '2000' });
    expect(next.code, next.output).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(ws.latest('packages/lib').status).toBe('success');
    // The build that reclaimed the lock stopped it (it recorded its process group in the lock), and says so.
    expect(isAlive(hook)).toBe(false);
    expect(next.output).toMatch(new RegExp(`stopped what the killed build of @t/lib left running: .*pid ${hook} \\(node -e`));
  });

  it('SIGINT mid-build: cancelled record, free lock, hook process tree stopped', async () => {
    rmSync(ws.path('packages/lib/.build-cache/grandchild.pid'), { force: true });
    // The hook starts a grandchild that records its pid, then waits on it.
    ws.write(
      'packages/lib/build.config.ts',
      esbuildConfig(
        `\n  prebuild: 'node -e "const c=require(\\'child_process\\').spawn(process.execPath,[\\'-e\\',\\'setTimeout(()=>{},60000)\\'],{stdio:\\'inherit\\'});require(\\'fs\\').writeFileSync(\\'.build-cache/grandchild.pid\\',String(c.pid))"',`,
      ),
    );
    // Counted before the run: its record exists from its start (in progress), then completes.
    const before = ws.jobs('packages/lib').length;
    const run = ws.spawnNx(['run', '@t/lib:build', '--skip-nx-cache']);
    await waitFor(() => existsSync(ws.path('packages/lib/.build-cache/grandchild.pid')), 60_000, 'the hook to start');
    const holder = JSON.parse(readFileSync(ws.path('packages/lib/.build-cache/build.lock.owner.json'), 'utf8'));
    const grandchild = Number(readFileSync(ws.path('packages/lib/.build-cache/grandchild.pid'), 'utf8'));
    process.kill(holder.pid, 'SIGINT');
    const r = await run.done;
    expect(r.code).not.toBe(0);
    await waitFor(() => !isAlive(grandchild), 10_000, 'the grandchild to die');
    const jobs = ws.jobs('packages/lib');
    expect(jobs.length).toBe(before + 1);
    const job = jobs[jobs.length - 1];
    expect(job.status).toBe('cancelled');
    expect(job.exitCode).toBe(130);
    expect(job.errors.some((e: any) => e.code === 'CANCELLED')).toBe(true);
    expect(existsSync(ws.path('packages/lib/.build-cache/build.lock'))).toBe(false);
    ws.write('packages/lib/build.config.ts', esbuildConfig());
  });

  it('a failing prebuild fails the build in its phase, with its output in the record', () => {
    ws.write(
      'packages/lib/build.config.ts',
      esbuildConfig(
        `\n  prebuild: 'node -e "console.log(\\'generating schema\\'); console.error(\\'schema.json: unexpected token\\'); process.exit(4)"',`,
      ),
    );
    const before = ws.read('packages/lib/dist/index.js');
    const r = ws.nx(['run', '@t/lib:build', '--skip-nx-cache']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('schema.json: unexpected token');
    const job = ws.latest('packages/lib');
    expect(job.status).toBe('failed');
    expect(job.errors[0]).toMatchObject({ code: 'HOOK_FAILED', phase: 'prebuild' });
    expect(job.errors[0].message).toContain('exited with code 4');
    expect(job.errors[0].message).toContain('schema.json: unexpected token');
    expect(job.phases.find((p: any) => p.name === 'build')).toBeUndefined();
    expect(readFileSync(ws.log(job), 'utf8')).toContain('generating schema');
    expect(ws.read('packages/lib/dist/index.js')).toBe(before);
  });

  it('a failing postbuild never yields a success record', () => {
    ws.write('packages/lib/build.config.ts', esbuildConfig(`\n  postbuild: async () => { throw new Error('upload refused'); },`));
    const r = ws.nx(['run', '@t/lib:build', '--skip-nx-cache']);
    expect(r.code).not.toBe(0);
    const job = ws.latest('packages/lib');
    expect(job).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(job.errors[0]).toMatchObject({ code: 'HOOK_FAILED', phase: 'postbuild' });
    expect(job.errors[0].message).toContain('upload refused');
    ws.write('packages/lib/build.config.ts', esbuildConfig());
  });

  it('a lock held beyond the wait timeout fails with LOCK_TIMEOUT (exit code 3 in the record)', async () => {
    ws.write('packages/lib/build.config.ts', esbuildConfig(slowPrebuild(20_000)));
    const holder = ws.spawnNx(['run', '@t/lib:build', '--skip-nx-cache']);
    await waitFor(() => existsSync(ws.path('packages/lib/.build-cache/build.lock.owner.json')), 60_000, 'the lock');
    const r = ws.nx(['run', '@t/lib:build', '--skip-nx-cache'], { BUILD_SYSTEM_LOCK_TIMEOUT_MS: '1500' });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('LOCK_TIMEOUT');
    const jobs = ws.jobs('packages/lib');
    const timedOut = jobs.find((j) => j.errors.some((e: any) => e.code === 'LOCK_TIMEOUT'));
    expect(timedOut).toMatchObject({ status: 'failed', exitCode: 3 });
    holder.child.kill('SIGINT');
    const owner = JSON.parse(readFileSync(ws.path('packages/lib/.build-cache/build.lock.owner.json'), 'utf8'));
    process.kill(owner.pid, 'SIGINT');
    await holder.done;
    ws.write('packages/lib/build.config.ts', esbuildConfig());
  });
});

describe('clean never deletes outside the package', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/a': { name: '@t/a', config: esbuildConfig(), files: { 'src/index.ts': 'export const a = 1;\n' } },
      },
    });
    ws.write('outside/keep.txt', 'precious');
  });
  afterAll(() => ws?.dispose());

  for (const [label, outputDir] of [
    ['outside the package', '../../outside'],
    ['at the package root', '.'],
    ['through a symlink out of it', 'linked'],
    ['holding the sources', 'src'],
    ['naming the entry file', 'src/index.ts'],
    ['naming package.json', 'package.json'],
  ] as const) {
    it(`outputDir ${label}: clean and build refuse and delete nothing`, () => {
      if (outputDir === 'linked' && !existsSync(ws.path('packages/a/linked')))
        symlinkSync(ws.path('outside'), ws.path('packages/a/linked'));
      ws.write('packages/a/build.config.ts', esbuildConfig().replace("outputDir: 'dist'", `outputDir: '${outputDir}'`));
      const clean = ws.nx(['run', '@t/a:clean']);
      expect(clean.code).not.toBe(0);
      expect(clean.output).toContain('packages/a/build.config.ts');
      expect(clean.output).toContain('outputDir');
      const build = ws.nx(['run', '@t/a:build', '--skip-nx-cache']);
      expect(build.code).not.toBe(0);
      expect(ws.latest('packages/a').errors[0]).toMatchObject({ code: 'CONFIG_INVALID', field: 'outputDir' });
      expect(ws.read('outside/keep.txt')).toBe('precious');
      expect(ws.json('packages/a/package.json').name).toBe('@t/a');
      expect(ws.read('packages/a/src/index.ts')).toBe('export const a = 1;\n');
    });
  }

  it('a clean hook runs in the package root before outputs are removed', () => {
    ws.write(
      'packages/a/build.config.ts',
      esbuildConfig(`\n  clean: { cmd: 'node -e "require(\\'fs\\').rmSync(\\'generated\\', { recursive: true, force: true })"' },`),
    );
    expect(ws.nx(['run', '@t/a:build']).code).toBe(0);
    ws.write('packages/a/generated/x.ts', 'x');
    const r = ws.nx(['run', '@t/a:clean']);
    expect(r.code, r.output).toBe(0);
    expect(ws.exists('packages/a/generated')).toBe(false);
    expect(ws.exists('packages/a/dist')).toBe(false);
    expect(ws.read('outside/keep.txt')).toBe('precious');
  });
});
