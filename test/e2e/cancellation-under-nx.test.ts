import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, sleep, waitFor, type TempWorkspace } from '../helpers/workspace';

const PKG = 'packages/lib';
const lockDir = (ws: TempWorkspace) => ws.path(PKG, '.build-cache', 'build.lock');

describe('cancellation under nx (real processes)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: { [PKG]: { name: '@t/lib', config: esbuildConfig(), files: { 'src/index.ts': 'export const value = 1;\n' } } },
    });
  });
  afterAll(() => ws?.dispose());

  /** Starts a build whose config is `config`, signals it once the lock is held and the hook runs, returns the new records. */
  async function stopMidBuild(config: string, target: 'group' | 'main', signal: NodeJS.Signals) {
    ws.write(`${PKG}/build.config.ts`, config);
    rmSync(ws.path(PKG, '.build-cache', 'build.lock.owner.json'), { force: true });
    const before = ws.jobs(PKG).length;
    // nx leads its own process group: the test signals the group (Ctrl-C) or the main pid only (a CI timeout).
    const run = ws.spawnNx(['run', '@t/lib:build', '--skip-nx-cache'], {}, true);
    await waitFor(() => existsSync(ws.path(PKG, '.build-cache', 'build.lock.owner.json')), 60_000, 'the lock to be taken');
    await sleep(700); // the hook's shell and its `sleep` are running
    process.kill(target === 'group' ? -run.child.pid! : run.child.pid!, signal);
    const r = await run.done;
    return { r, jobs: ws.jobs(PKG).slice(before) };
  }

  for (const [target, signal] of [
    ['group', 'SIGINT'],
    ['group', 'SIGTERM'],
    ['main', 'SIGTERM'],
    ['main', 'SIGINT'],
  ] as const) {
    it(`${signal} to the nx ${target === 'group' ? 'process group' : 'main pid'} during \`prebuild: 'sleep 300'\`: one record, cancelled, 130, lock free`, async () => {
      const { r, jobs } = await stopMidBuild(esbuildConfig(`\n  prebuild: 'sleep 300',`), target, signal);
      expect(r.code, r.output).not.toBe(0);
      expect(
        jobs.map((j) => [j.status, j.exitCode, j.metadata.recordedBy ?? 'executor']),
        JSON.stringify(jobs, null, 2),
      ).toEqual([['cancelled', 130, 'executor']]);
      expect(jobs[0].errors.map((e: any) => e.code)).toEqual(['CANCELLED']);
      expect(jobs[0].phases.find((p: any) => p.name === 'prebuild')?.status).toBe('cancelled');
      expect(ws.latest(PKG).id).toBe(jobs[0].id);
      expect(existsSync(lockDir(ws))).toBe(false);
    });
  }

  it('SIGTERM to the nx main pid during a custom build command: cancelled, not BUILD_FAILED', async () => {
    const config = `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'custom', builderOptions: { command: 'sleep 300' } });
`;
    const { jobs } = await stopMidBuild(config, 'main', 'SIGTERM');
    expect(
      jobs.map((j) => [j.status, j.exitCode, j.metadata.recordedBy ?? 'executor']),
      JSON.stringify(jobs, null, 2),
    ).toEqual([['cancelled', 130, 'executor']]);
    expect(jobs[0].errors.map((e: any) => e.code)).toEqual(['CANCELLED']);
    expect(jobs[0].phases.find((p: any) => p.name === 'build')?.status).toBe('cancelled');
    expect(existsSync(lockDir(ws))).toBe(false);
  });

  it('a hook that exits 143 while nobody stops the build is a hook failure (exit code 1)', () => {
    ws.write(`${PKG}/build.config.ts`, esbuildConfig(`\n  prebuild: 'echo giving up; exit 143',`));
    const before = ws.jobs(PKG).length;
    const r = ws.nx(['run', '@t/lib:build', '--skip-nx-cache']);
    expect(r.code).not.toBe(0);
    const jobs = ws.jobs(PKG).slice(before);
    expect(jobs.map((j) => [j.status, j.exitCode])).toEqual([['failed', 1]]);
    expect(jobs[0].errors[0]).toMatchObject({ code: 'HOOK_FAILED', phase: 'prebuild' });
    expect(jobs[0].errors[0].message).toContain('exited with code 143');
  });

  it('a hook that SIGTERMs itself while nobody stops the build is a hook failure', () => {
    ws.write(`${PKG}/build.config.ts`, esbuildConfig(`\n  prebuild: 'kill -TERM $$',`));
    const r = ws.nx(['run', '@t/lib:build', '--skip-nx-cache']);
    expect(r.code).not.toBe(0);
    const job = ws.latest(PKG);
    expect(job).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(job.errors[0]).toMatchObject({ code: 'HOOK_FAILED', phase: 'prebuild' });
    expect(job.errors[0].message).toContain('was killed by SIGTERM');
  });

  it('a hook cwd that does not exist: HOOK_FAILED naming the directory and `prebuild.cwd`, failed record', () => {
    ws.write(`${PKG}/build.config.ts`, esbuildConfig(`\n  prebuild: { cmd: 'echo hi', cwd: 'no/such/dir' },`));
    const before = ws.jobs(PKG).length;
    const r = ws.nx(['run', '@t/lib:build', '--skip-nx-cache']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('packages/lib/no/such/dir does not exist');
    expect(r.output).not.toContain('ENOENT');
    const jobs = ws.jobs(PKG).slice(before);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(jobs[0].errors).toHaveLength(1);
    expect(jobs[0].errors[0]).toMatchObject({
      code: 'HOOK_FAILED',
      phase: 'prebuild',
      field: 'prebuild.cwd',
      file: 'packages/lib/build.config.ts',
      found: '"no/such/dir"',
    });
    expect(jobs[0].errors[0].message).not.toContain('killed');
  });

  it('a syntax error in build.config.ts is recorded with its line and column, message trimmed', () => {
    ws.write(
      `${PKG}/build.config.ts`,
      `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'esbuild', entry: 'src/index.ts' ;; });\n`,
    );
    const r = ws.cli(['build', '@t/lib', '--json']);
    expect(r.code, r.output).toBe(2);
    const job = ws.latest(PKG);
    expect(job.status).toBe('failed');
    const e = job.errors[0];
    // 1-based, like every other error: the first `;` of line 2.
    expect(e).toMatchObject({ code: 'CONFIG_LOAD_FAILED', file: 'packages/lib/build.config.ts', line: 2, column: 78 });
    expect(e.message).toMatch(/^could not load packages\/lib\/build\.config\.ts: ParseError: Unexpected token/);
    expect(e.message).toBe(e.message.trim());
    expect(r.stderr).toContain('packages/lib/build.config.ts:2:78: [CONFIG_LOAD_FAILED]');
  });

  it('waiting for an ownerless lock until the timeout leaks no abort listeners', () => {
    ws.write(`${PKG}/build.config.ts`, esbuildConfig());
    mkdirSync(lockDir(ws), { recursive: true });
    try {
      const r = ws.cli(['build', '@t/lib'], { BUILD_SYSTEM_LOCK_TIMEOUT_MS: '3000', BUILD_SYSTEM_LOCK_STALE_MS: '60000' });
      expect(r.code, r.output).toBe(3);
      expect(r.output).toContain('LOCK_TIMEOUT');
      expect(r.stderr).not.toContain('MaxListenersExceededWarning');
      expect(ws.latest(PKG)).toMatchObject({ status: 'failed', exitCode: 3 });
    } finally {
      rmSync(lockDir(ws), { recursive: true, force: true });
    }
  });
});
