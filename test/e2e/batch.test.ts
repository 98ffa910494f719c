import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, sleep, waitFor, type TempWorkspace } from '../helpers/workspace';

/** a ← b ← c (c depends on b, b on a); e depends on d; f alone. */
const GRAPH: Record<string, string[]> = { a: [], b: ['a'], c: ['b'], d: [], e: ['d'], f: [] };
const DIRS = Object.keys(GRAPH).map((p) => `packages/${p}`);

/** a's prebuild prints; f's config reads a variable its own .env sets (Nx loads it for f's task only). */
const EXTRA: Record<string, string> = {
  a: `, prebuild: 'echo prebuild of a says hello'`,
  f: `, define: { __GREETING__: JSON.stringify(process.env.GREETING ?? 'unset') }`,
};
const FILES: Record<string, Record<string, string>> = {
  f: {
    '.env': 'GREETING=hello-from-the-dotenv-of-f\n',
    'src/index.ts': "declare const __GREETING__: string;\nexport const f = 'f';\nexport const greeting = __GREETING__;\n",
  },
};

const config = (extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'esbuild', entry: 'src/index.ts', outputDir: 'dist'${extra} });
`;

/** What a record says about a build, without what differs between any two runs (ids, times, log paths). */
function essence(job: any) {
  return {
    status: job.status,
    exitCode: job.exitCode,
    inputHash: job.inputHash,
    cache: job.cache,
    builder: job.builder,
    phases: job.phases.map((p: any) => `${p.name}:${p.status}`),
    artifacts: job.artifacts.map((a: any) => `${a.path} ${a.checksum}`),
    errors: job.errors.map((e: any) => `${e.code} ${e.file ?? ''}`),
    metadata: job.metadata,
  };
}

describe('run-many in one batch process (real nx)', () => {
  let ws: TempWorkspace;
  const recordsOf = (dir: string) => ws.jobs(dir);
  const counts = () => Object.fromEntries(DIRS.map((d) => [d, recordsOf(d).length]));
  const newRecords = (before: Record<string, number>) => Object.fromEntries(DIRS.map((d) => [d, recordsOf(d).slice(before[d])]));

  beforeAll(() => {
    ws = createWorkspace({
      packages: Object.fromEntries(
        Object.entries(GRAPH).map(([p, deps]) => [
          `packages/${p}`,
          {
            name: `@t/${p}`,
            packageJson: { exports: { '.': './dist/index.js' }, dependencies: Object.fromEntries(deps.map((d) => [`@t/${d}`, '*'])) },
            config: config(EXTRA[p] ?? ''),
            files: {
              'src/index.ts': `${deps.map((d) => `export * from '@t/${d}';\n`).join('')}export const ${p} = '${p}';\n`,
              ...FILES[p],
            },
          },
        ]),
      ),
    });
  });
  afterAll(() => ws?.dispose());

  it('builds every package in one process, in dependency order: one record each, with the task hash, outputs that import', () => {
    const before = counts();
    const r = ws.nx(['run-many', '-t', 'build', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('Running 6 tasks with @repo/build-system:build');
    const jobs = newRecords(before);
    for (const dir of DIRS) {
      expect(
        jobs[dir].map((j: any) => [j.status, j.metadata.recordedBy ?? 'executor']),
        dir,
      ).toEqual([['success', 'executor']]);
      expect(jobs[dir][0].inputHash, dir).toMatch(/^\d+$/);
      expect(ws.latest(dir).id).toBe(jobs[dir][0].id);
    }
    // dependency order: each package's build started after the build of what it depends on ended
    const byPkg = Object.fromEntries(DIRS.map((d) => [d.split('/')[1], jobs[d][0]]));
    for (const [p, deps] of Object.entries(GRAPH))
      for (const d of deps) expect(Date.parse(byPkg[p].startTime)).toBeGreaterThanOrEqual(Date.parse(byPkg[d].endTime));
    // the outputs are there and work together (c re-exports b, which re-exports a)
    const imported = ws.node(['--input-type=module', '-e', "import('@t/c').then((m) => console.log(JSON.stringify(m)))"]);
    expect(imported.code, imported.output).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({ a: 'a', b: 'b', c: 'c' });
    // each task's own output, under its own header, and in its own log
    expect(r.output).toMatch(/> nx run @t\/a:build\n+> echo prebuild of a says hello\nprebuild of a says hello/);
    expect(ws.read(byPkg.a.logs)).toContain('prebuild of a says hello');
    if (ws.exists(byPkg.b.logs)) expect(ws.read(byPkg.b.logs)).not.toContain('prebuild of a says hello');
    // f's config, loaded in the batch process, saw f's own .env as a forked task would
    expect(ws.read('packages/f/dist/index.js')).toContain('hello-from-the-dotenv-of-f');
  });

  it('writes the same records as one forked process per task (--batch=false), hashes included', () => {
    let before = counts();
    const batched = ws.nx(['run-many', '-t', 'build', '--skip-nx-cache']);
    expect(batched.code, batched.output).toBe(0);
    const inBatch = newRecords(before);
    before = counts();
    const forked = ws.nx(['run-many', '-t', 'build', '--skip-nx-cache', '--batch=false']);
    expect(forked.code, forked.output).toBe(0);
    expect(forked.output).not.toContain('Running 6 tasks with');
    const perTask = newRecords(before);
    for (const dir of DIRS) {
      expect(inBatch[dir]).toHaveLength(1);
      expect(perTask[dir]).toHaveLength(1);
      expect(essence(inBatch[dir][0]), dir).toEqual(essence(perTask[dir][0]));
    }
    // the fingerprint names the hash too (status compares against it)
    expect(ws.json('packages/c/.build-cache/fingerprint.json').inputHash).toBe(perTask['packages/c'][0].inputHash);
  });

  it('a failing package fails itself and its dependents only; its exit status is the run’s', () => {
    ws.write('packages/d/src/index.ts', 'export const d = ;\n');
    const before = counts();
    const r = ws.nx(['run-many', '-t', 'build', '--skip-nx-cache', '--output-style=static']);
    expect(r.code).toBe(1);
    const jobs = newRecords(before);
    expect(jobs['packages/d'].map((j: any) => [j.status, j.exitCode])).toEqual([['failed', 1]]);
    expect(jobs['packages/d'][0].errors[0]).toMatchObject({ code: 'COMPILE_ERROR', file: 'packages/d/src/index.ts', line: 1 });
    expect(jobs['packages/d'][0].inputHash).toMatch(/^\d+$/);
    // e was never started (Nx skips it, as it does without a batch): no record, no output
    expect(jobs['packages/e']).toEqual([]);
    for (const p of ['a', 'b', 'c', 'f'])
      expect(
        jobs[`packages/${p}`].map((j: any) => j.status),
        p,
      ).toEqual(['success']);
    expect(r.output).toMatch(/Failed tasks:\s+- @t\/d:build/);
    expect(r.output).toMatch(/- @t\/e:build/);
    expect(r.output).toMatch(/> nx run @t\/d:build\n+error: packages\/d\/src\/index\.ts:1:\d+: \[COMPILE_ERROR\]/);
  });

  it('a second run restores from the cache; the fixed package and its dependent build in a batch', () => {
    // not the source of before (that one is in the cache)
    ws.write('packages/d/src/index.ts', "export const d = 'd, fixed';\n");
    let before = counts();
    const r = ws.nx(['run-many', '-t', 'build', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    let jobs = newRecords(before);
    for (const p of ['a', 'b', 'c', 'f']) {
      expect(r.output).toContain(`> nx run @t/${p}:build  [local cache]`);
      expect(
        jobs[`packages/${p}`].map((j: any) => [j.cache, j.metadata.recordedBy]),
        p,
      ).toEqual([['local-cache', 'postTasksExecution']]);
    }
    // a's cached output is replayed as the batch reported it
    expect(r.output).toMatch(/> nx run @t\/a:build {2}\[local cache\]\n+> echo prebuild of a says hello\nprebuild of a says hello/);
    expect(r.output).toContain('Running 2 tasks with @repo/build-system:build');
    for (const p of ['d', 'e'])
      expect(
        jobs[`packages/${p}`].map((j: any) => [j.status, j.cache, j.metadata.recordedBy ?? 'executor']),
        p,
      ).toEqual([['success', 'miss', 'executor']]);

    // and with the daemon, everything cached: one cache-hit record each
    before = counts();
    try {
      const again = ws.nx(['run-many', '-t', 'build'], { NX_DAEMON: 'true' });
      expect(again.code, again.output).toBe(0);
      expect(again.output).not.toContain('with @repo/build-system:build');
      jobs = newRecords(before);
      for (const dir of DIRS)
        expect(
          jobs[dir].map((j: any) => j.cache),
          dir,
        ).toEqual(['local-cache']);
    } finally {
      ws.nx(['daemon', '--stop'], { NX_DAEMON: 'true' });
    }
  });

  it('SIGINT to the nx process group: the running build is cancelled (130) and unlocked, nothing else starts', async () => {
    // Every package that could start first waits in its prebuild; one build at a time (NX_PARALLEL).
    const roots = ['a', 'd', 'f'];
    for (const p of roots) ws.write(`packages/${p}/build.config.ts`, config(`, prebuild: 'sleep 300'`));
    const owner = (p: string) => ws.path(`packages/${p}/.build-cache/build.lock.owner.json`);
    for (const p of roots) rmSync(owner(p), { force: true });
    const before = counts();
    const run = ws.spawnNx(['run-many', '-t', 'build', '--skip-nx-cache'], { NX_PARALLEL: '1' }, true);
    await waitFor(() => roots.some((p) => existsSync(owner(p))), 120_000, 'a build to take its lock');
    await sleep(700);
    process.kill(-run.child.pid!, 'SIGINT');
    const { code, output } = await run.done;
    expect(code, output).toBe(130);
    const jobs = newRecords(before);
    const ran = DIRS.filter((d) => jobs[d].length > 0);
    expect(ran, output).toHaveLength(1);
    expect(jobs[ran[0]].map((j: any) => [j.status, j.exitCode, j.errors.map((e: any) => e.code)])).toEqual([
      ['cancelled', 130, ['CANCELLED']],
    ]);
    for (const dir of DIRS) expect(existsSync(ws.path(dir, '.build-cache', 'build.lock')), dir).toBe(false);
  });
});
