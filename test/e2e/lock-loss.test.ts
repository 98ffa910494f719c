import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, REPO_ROOT, waitFor, type RunResult, type TempWorkspace } from '../helpers/workspace';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const PKG = 'packages/lib';
const FILES = 40;

/**
 * A custom build run in the build process itself: it writes FILES modules tagged with
 * BUILD_TAG, a few milliseconds apart. With HOLD set it blocks its event loop half-way (a
 * synchronous wait, as an execSync of a slow generator does) until the file HOLD names
 * exists, after creating `<HOLD>.held`. With SIGNAL set it creates that file when it starts.
 * With WAIT_FOR set, evaluating the config (before the lock) waits for that file, after
 * creating `<WAIT_FOR>.waiting`.
 */
const CONFIG = `import { defineBuildConfig } from '@repo/build-system';
import { execSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
const until = (file) => { while (!existsSync(file)) execSync('sleep 0.05'); };
if (process.env.WAIT_FOR) {
  writeFileSync(process.env.WAIT_FOR + '.waiting', '');
  until(process.env.WAIT_FOR);
}
const tag = process.env.BUILD_TAG ?? 'none';
export default defineBuildConfig({
  builder: 'custom',
  artifactGlobs: ['dist/**'],
  builderOptions: {
    run: async ({ outDir, log }) => {
      log('build ' + tag);
      if (process.env.SIGNAL) writeFileSync(process.env.SIGNAL, '');
      for (let i = 0; i < ${FILES}; i++) {
        if (i === ${FILES / 2} && process.env.HOLD) {
          writeFileSync(process.env.HOLD + '.held', String(process.pid));
          until(process.env.HOLD);
        }
        writeFileSync(outDir + '/f' + i + '.js', 'export const tag = ' + JSON.stringify(tag) + ';\\n');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  },
});
`;

const STALE = { BUILD_SYSTEM_LOCK_STALE_MS: '2000' };

function spawnCli(ws: TempWorkspace, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ws.root, env: ws.env(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const done = new Promise<RunResult>((res) => child.on('close', (code) => res({ code, stdout: output, stderr: '', output })));
  return { child, done, output: () => output };
}

let markers = 0;
/** A fresh marker file path outside the package (so that it is no source of it). */
const marker = (ws: TempWorkspace) => ws.path('markers', `m${++markers}`);

/** Resolves once the lock has not been refreshed for longer than the stale window. */
const lockStale = (ws: TempWorkspace) =>
  waitFor(
    () => {
      const st = statSync(ws.path(PKG, '.build-cache/build.lock'), { throwIfNoEntry: false });
      return !!st && Date.now() - st.mtimeMs > Number(STALE.BUILD_SYSTEM_LOCK_STALE_MS) + 1500;
    },
    60_000,
    'the lock to go stale',
  );

/** The tags of the files in dist, counted. */
function distTags(ws: TempWorkspace): Record<string, number> {
  const tags: Record<string, number> = {};
  for (const f of readdirSync(ws.path(PKG, 'dist'))) {
    const tag = /tag = "(\w+)"/.exec(ws.read(`${PKG}/dist/${f}`))?.[1] ?? '?';
    tags[tag] = (tags[tag] ?? 0) + 1;
  }
  return tags;
}

/** The job whose log says it built `tag`. */
function jobOf(ws: TempWorkspace, tag: string) {
  const jobs = ws.jobs(PKG).filter((j) => existsSync(ws.log(j)) && readFileSync(ws.log(j), 'utf8').includes(`build ${tag}\n`));
  expect(jobs.length, `one job built ${tag}`).toBe(1);
  return jobs[0];
}

const phaseEnd = (job: any, name: string) => Date.parse(job.phases.find((p: any) => p.name === name).endTime);

function status(ws: TempWorkspace) {
  const r = ws.cli(['status', '@t/lib', '--json']);
  return JSON.parse(r.stdout);
}

describe('the build lock when its holder stalls or loses it (real processes)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ packages: { [PKG]: { name: '@t/lib', config: CONFIG, files: { 'src/index.ts': 'export {};\n' } } } });
    mkdirSync(ws.path('markers'));
  });
  afterAll(() => ws?.dispose());

  it('a holder whose event loop is blocked past the stale window keeps its lock: the waiter waits, dist is one build', async () => {
    const hold = marker(ws);
    const holder = spawnCli(ws, ['build', '@t/lib'], { ...STALE, BUILD_TAG: 'first', HOLD: hold });
    await waitFor(() => existsSync(`${hold}.held`), 60_000, 'the holder to block');
    const waiter = spawnCli(ws, ['build', '@t/lib'], { ...STALE, BUILD_TAG: 'second' });
    await waitFor(() => waiter.output().includes('waiting for the build lock of @t/lib, held by pid'), 60_000, 'the waiter to wait');
    // The waiter keeps looking while the lock goes stale, its holder blocked but alive.
    await lockStale(ws);
    expect(JSON.parse(ws.read(`${PKG}/.build-cache/build.lock.owner.json`)).pid).toBe(Number(readFileSync(`${hold}.held`, 'utf8')));
    writeFileSync(hold, '');
    const [h, w] = await Promise.all([holder.done, waiter.done]);
    expect(h.code, h.output).toBe(0);
    expect(w.code, w.output).toBe(0);
    expect(distTags(ws)).toEqual({ second: FILES });
    const first = jobOf(ws, 'first');
    const second = jobOf(ws, 'second');
    expect([first.status, second.status]).toEqual(['success', 'success']);
    // The waiter got the lock only once the holder's record was written.
    expect(phaseEnd(second, 'lock')).toBeGreaterThanOrEqual(Date.parse(first.endTime));
    expect(ws.latest(PKG).id).toBe(second.id);
    expect(status(ws)).toMatchObject({ stale: false, reasons: [] });
  });

  it('a holder that lost its lock (owner on another host, stale) stops: failed record, nothing swapped in', async () => {
    const hold = marker(ws);
    const holder = spawnCli(ws, ['build', '@t/lib'], { ...STALE, BUILD_TAG: 'lost', HOLD: hold });
    await waitFor(() => existsSync(`${hold}.held`), 60_000, 'the holder to block');
    // As if the holder ran on another machine sharing this file system: its lock is then
    // reclaimed once stale, whether or not that process still runs.
    const ownerFile = ws.path(PKG, '.build-cache/build.lock.owner.json');
    const owner = JSON.parse(readFileSync(ownerFile, 'utf8'));
    writeFileSync(ownerFile, JSON.stringify({ ...owner, host: 'another-host.example' }));
    const took = marker(ws);
    const taker = spawnCli(ws, ['build', '@t/lib'], { ...STALE, BUILD_TAG: 'taker', SIGNAL: took });
    await waitFor(() => existsSync(took), 60_000, 'the taker to build');
    writeFileSync(hold, '');
    const [h, t] = await Promise.all([holder.done, taker.done]);
    expect(t.code, t.output).toBe(0);
    expect(h.code, h.output).toBe(1);
    expect(h.output).toContain('LOCK_LOST');
    expect(distTags(ws)).toEqual({ taker: FILES });
    const lost = jobOf(ws, 'lost');
    expect(lost).toMatchObject({ status: 'failed', exitCode: 1, artifacts: [] });
    expect(lost.errors[0].code).toBe('LOCK_LOST');
    expect(lost.errors[0].message).toContain('without swapping its outputs in');
    const taken = jobOf(ws, 'taker');
    expect(taken.status).toBe('success');
    expect(taken.artifacts.length).toBe(FILES);
    expect(status(ws).stale).toBe(Date.parse(lost.endTime) > Date.parse(taken.endTime));
    // Neither left a lock behind: the holder's release left the taker's lock alone.
    expect(existsSync(ws.path(PKG, '.build-cache/build.lock'))).toBe(false);
  });

  it('after overlapping runs latest.json is the build whose outputs are on disk', async () => {
    // `early` starts first (its id is older) but evaluates its config until `late`, started
    // after it, holds the lock and builds: `early` builds last.
    const lateBuilds = marker(ws);
    const early = spawnCli(ws, ['build', '@t/lib'], { BUILD_TAG: 'early', WAIT_FOR: lateBuilds });
    await waitFor(() => existsSync(`${lateBuilds}.waiting`), 60_000, 'early to load its config');
    const late = spawnCli(ws, ['build', '@t/lib'], { BUILD_TAG: 'late', SIGNAL: lateBuilds });
    const [e, l] = await Promise.all([early.done, late.done]);
    expect(e.code, e.output).toBe(0);
    expect(l.code, l.output).toBe(0);
    const earlyJob = jobOf(ws, 'early');
    const lateJob = jobOf(ws, 'late');
    expect(earlyJob.id < lateJob.id).toBe(true);
    expect(phaseEnd(earlyJob, 'lock')).toBeGreaterThanOrEqual(Date.parse(lateJob.endTime));
    expect(distTags(ws)).toEqual({ early: FILES });
    expect(ws.latest(PKG).id).toBe(earlyJob.id);
    expect(status(ws)).toMatchObject({ stale: false, reasons: [] });
  });

  it('clean --cache while a build waits for the lock: the build then runs', async () => {
    const cleaning = marker(ws);
    const go = marker(ws);
    const hook = `touch ${cleaning}; while [ ! -f ${go} ]; do sleep 0.05; done`;
    ws.write(
      `${PKG}/build.config.ts`,
      CONFIG.replace("artifactGlobs: ['dist/**'],", `artifactGlobs: ['dist/**'],\n  clean: { cmd: '${hook}' },`),
    );
    const cleaner = spawnCli(ws, ['clean', '@t/lib', '--cache'], {});
    await waitFor(() => existsSync(cleaning), 60_000, 'clean to hold the lock');
    const build = spawnCli(ws, ['build', '@t/lib'], { BUILD_TAG: 'after' });
    await waitFor(() => build.output().includes('waiting for the build lock'), 60_000, 'the build to wait');
    writeFileSync(go, '');
    const [c, b] = await Promise.all([cleaner.done, build.done]);
    expect(c.code, c.output).toBe(0);
    expect(b.code, b.output).toBe(0);
    expect(distTags(ws)).toEqual({ after: FILES });
    expect(ws.latest(PKG)).toMatchObject({ status: 'success' });
    expect(existsSync(ws.path(PKG, '.build-cache/build.lock'))).toBe(false);
    ws.write(`${PKG}/build.config.ts`, CONFIG);
  });
});
