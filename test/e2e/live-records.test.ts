import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, waitFor, type TempWorkspace } from '../helpers/workspace';
import { heldConfig, HOLD_IF_ASKED_SCRIPT, HOLD_SCRIPT, readLatest, spawnCli, waitForPhase } from '../helpers/live';

const PKG = 'packages/live';
const UP = 'packages/up';
/** Held in prebuild while `hold` exists; uploads its outputs to a directory of the workspace. */
const uploadConfig = `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',
  outputDir: 'dist',
  prebuild: 'node hold.mjs',
  upload: { to: 'artifacts', pack: 'files' },
});
`;

describe('live records: a build is visible while it runs (real processes)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        [PKG]: { name: '@t/live', config: heldConfig, files: { 'hold.mjs': HOLD_SCRIPT, 'src/index.ts': 'export const live = 1;\n' } },
        [UP]: {
          name: '@t/up',
          config: uploadConfig,
          files: { 'hold.mjs': HOLD_IF_ASKED_SCRIPT, 'src/index.ts': 'export const up = 1;\n' },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('held in its prebuild hook, the record says building with phases done, building and pending; then the same file completes', async () => {
    rmSync(ws.path(PKG, 'release'), { force: true });
    const run = spawnCli(ws, ['build', '@t/live']);
    try {
      const held = await waitForPhase(ws, PKG, 'prebuild');
      expect(held.status).toBe('building');
      expect(held.endTime).toBeNull();
      expect(held.trigger).toBe('cli');
      expect(held.packageName).toBe('@t/live');
      expect(held.builder).toBe('esbuild');
      expect(held.process).toEqual({ pid: run.child.pid, host: expect.any(String) });
      expect(held.phases.map((p: any) => [p.name, p.status])).toEqual([
        ['validate', 'success'],
        ['lock', 'success'],
        ['prebuild', 'building'],
        ['build', 'pending'],
        ['dts', 'pending'],
        ['postbuild', 'pending'],
        ['artifacts', 'pending'],
        ['check', 'pending'],
      ]);
      const prebuild = held.phases.find((p: any) => p.name === 'prebuild');
      expect(prebuild.startTime).toEqual(expect.any(String));
      expect(prebuild.endTime).toBeNull();
      expect(held.phases.find((p: any) => p.name === 'build')).toMatchObject({ startTime: null, durationMs: null });
      // The job file and latest.json are the same record.
      expect(ws.json(`${PKG}/.build-cache/jobs/${held.id}.json`).status).toBe('building');

      // The log is readable while the build runs, not only once it ends.
      const logFile = ws.log(held);
      await waitFor(
        () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('prebuild: holding'),
        30_000,
        "the running build's log",
      );

      const status = ws.cli(['status', '@t/live', '--json']);
      expect(status.code, status.output).toBe(0);
      const s = JSON.parse(status.stdout);
      expect(s.status).toBe('building');
      expect(s.latest.id).toBe(held.id);
      expect(s.latest.phases.find((p: any) => p.name === 'prebuild').status).toBe('building');
      expect(s.lastCompleted).toBeNull();
      const text = ws.cli(['status', '@t/live']);
      expect(text.stdout).toContain('building: started');
      expect(text.stdout).toContain('in phase prebuild');

      writeFileSync(ws.path(PKG, 'release'), '');
      const done = await run.done;
      expect(done.code, done.output).toBe(0);
      const final = readLatest(ws, PKG);
      expect(final.id).toBe(held.id);
      expect(final.status).toBe('success');
      expect(final.process).toBeUndefined();
      expect(final.phases.map((p: any) => [p.name, p.status])).toEqual([
        ['validate', 'success'],
        ['lock', 'success'],
        ['prebuild', 'success'],
        ['build', 'success'],
        ['dts', 'skipped'],
        ['postbuild', 'skipped'],
        ['artifacts', 'success'],
        ['check', 'success'],
      ]);
      expect(final.phases.every((p: any) => typeof p.durationMs === 'number' && p.endTime)).toBe(true);
      expect(ws.jobs(PKG).map((j) => j.id)).toEqual([held.id]);

      // Each phase knows its part of the log: the hook's output is the prebuild phase's.
      const log = readFileSync(ws.log(final), 'utf8');
      const range = final.phases.find((p: any) => p.name === 'prebuild').log;
      const slice = log.slice(range.start, range.end);
      expect(slice).toContain('prebuild: holding until ./release exists');
      expect(slice).toContain('prebuild: released');
      const buildRange = final.phases.find((p: any) => p.name === 'build').log;
      expect(log.slice(buildRange.start, buildRange.end)).not.toContain('prebuild:');
    } finally {
      writeFileSync(ws.path(PKG, 'release'), '');
      await run.done;
    }
  });

  it('a killed build shows interrupted (computed, never written); the next build runs and replaces it', async () => {
    rmSync(ws.path(PKG, 'release'), { force: true });
    // Its own process group: the kill takes the hook along, as a closed terminal would.
    // Forced: nothing changed since the last build, which the CLI would find up to date.
    const run = spawnCli(ws, ['build', '@t/live', '--force'], {}, true);
    const held = await waitForPhase(ws, PKG, 'prebuild');
    process.kill(-run.child.pid!, 'SIGKILL');
    await run.done;

    const s = JSON.parse(ws.cli(['status', '@t/live', '--json']).stdout);
    expect(s.status).toBe('interrupted');
    expect(s.latest.id).toBe(held.id);
    expect(s.latest.status).toBe('building');
    expect(s.reasons).toContain('the last build was interrupted');
    expect(s.lastCompleted.status).toBe('success');
    expect(ws.cli(['status', '@t/live']).stdout).toContain('interrupted (its process is gone)');
    // Nothing rewrote the record.
    expect(readLatest(ws, PKG).status).toBe('building');

    writeFileSync(ws.path(PKG, 'release'), '');
    const next = ws.cli(['build', '@t/live'], { BUILD_SYSTEM_LOCK_STALE_MS: '2000' });
    expect(next.code, next.output).toBe(0);
    const latest = readLatest(ws, PKG);
    expect(latest.status).toBe('success');
    expect(latest.id > held.id).toBe(true);
    await waitFor(() => JSON.parse(ws.cli(['status', '@t/live', '--json']).stdout).status === 'success', 10_000, 'status success');
  });

  it('an older record that says running reads as building', () => {
    const latest = readLatest(ws, PKG);
    const old = { ...latest, id: `${latest.id}-old`, status: 'running', endTime: null, exitCode: null, durationMs: null };
    delete old.process;
    writeFileSync(ws.path(PKG, '.build-cache', 'jobs', `${old.id}.json`), JSON.stringify(old));
    const h = JSON.parse(ws.cli(['history', '@t/live', '--json']).stdout);
    expect(h.jobs.find((j: any) => j.id === old.id).status).toBe('building');
    rmSync(ws.path(PKG, '.build-cache', 'jobs', `${old.id}.json`));
  });

  it('with an upload configured, the upload phase is pending from validation on and moves like the others; the upload job is live too', async () => {
    const phasesOf = (job: any) => job.phases.map((p: any) => [p.name, p.status]);
    // The upload job uploads the outputs of a successful build: one first, not held.
    const first = ws.cli(['build', '@t/up']);
    expect(first.code, first.output).toBe(0);
    const firstId = readLatest(ws, UP).id;
    rmSync(ws.path(UP, 'release'), { force: true });
    writeFileSync(ws.path(UP, 'hold'), '');
    const build = spawnCli(ws, ['build', '@t/up']);
    let upload: ReturnType<typeof spawnCli> | undefined;
    try {
      const held = await waitForPhase(ws, UP, 'prebuild');
      expect(phasesOf(held).at(-1)).toEqual(['upload', 'pending']);
      expect(phasesOf(held).slice(0, 3)).toEqual([
        ['validate', 'success'],
        ['lock', 'success'],
        ['prebuild', 'building'],
      ]);

      // `build-system upload` of the same package waits for the lock the held build has: its record says so meanwhile.
      upload = spawnCli(ws, ['upload', '@t/up']);
      let waiting: any;
      await waitFor(
        () => {
          waiting = ws.jobs(UP).find((j) => j.metadata?.command === 'upload');
          return waiting?.phases.some((p: any) => p.name === 'lock' && p.status === 'building');
        },
        60_000,
        'the upload job waiting for the lock',
      );
      expect(waiting.status).toBe('building');
      expect(waiting.process).toEqual({ pid: upload.child.pid, host: expect.any(String) });
      expect(phasesOf(waiting)).toEqual([
        ['validate', 'success'],
        ['lock', 'building'],
        ['upload', 'pending'],
      ]);
      expect(JSON.parse(ws.cli(['status', '@t/up', '--json']).stdout).status).toBe('building');

      writeFileSync(ws.path(UP, 'release'), '');
      const built = await build.done;
      expect(built.code, built.output).toBe(0);
      const uploaded = await upload.done;
      expect(uploaded.code, uploaded.output).toBe(0);

      const buildJob = ws.json(`${UP}/.build-cache/jobs/${held.id}.json`);
      expect(buildJob.status).toBe('success');
      expect(phasesOf(buildJob).at(-1)).toEqual(['upload', 'success']);
      expect(buildJob.artifacts.every((a: any) => typeof a.uri === 'string')).toBe(true);
      const uploadJob = ws.json(`${UP}/.build-cache/jobs/${waiting.id}.json`);
      expect(uploadJob.status).toBe('success');
      expect(uploadJob.process).toBeUndefined();
      expect(phasesOf(uploadJob)).toEqual([
        ['validate', 'success'],
        ['lock', 'success'],
        ['upload', 'success'],
      ]);
      // It uploads the outputs of the newest successful build when it started: the first one.
      expect(uploadJob.metadata.uploadOf).toBe(firstId);
      // The upload job's log is its upload phase's.
      const log = readFileSync(ws.log(uploadJob), 'utf8');
      const range = uploadJob.phases.find((p: any) => p.name === 'upload').log;
      expect(log.slice(range.start, range.end)).toContain('upload');
    } finally {
      writeFileSync(ws.path(UP, 'release'), '');
      rmSync(ws.path(UP, 'hold'), { force: true });
      await build.done;
      await upload?.done;
    }
  });
});
