import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigModule } from '../../src/config/load';
import { acquireLock } from '../../src/core/lock';
import { JsonRecordStore, newJobId } from '../../src/core/records/json-store';
import { recordTaskOutcome } from '../../src/core/records/task-outcome';
import type { BuildJob } from '../../src/core/records/types';
import { runCommand } from '../../src/utils/spawn';

let root: string;
const pkg = () => join(root, 'packages', 'a');
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bs-cancel-'));
  mkdirSync(pkg(), { recursive: true });
  writeFileSync(join(pkg(), 'package.json'), JSON.stringify({ name: '@t/a', version: '1.0.0' }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const jobFiles = () => readdirSync(join(pkg(), '.build-cache', 'jobs')).filter((f) => f.endsWith('.json'));

/** A record as the executor writes it. */
function executorJob(start: number, status: BuildJob['status'], hash = 'h1'): BuildJob {
  const id = newJobId(new Date(start));
  return {
    schemaVersion: 1,
    id,
    packageName: '@t/a',
    packagePath: 'packages/a',
    builder: 'esbuild',
    requestedBuilder: 'esbuild',
    environment: 'production',
    inputHash: hash,
    cache: 'miss',
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + 100).toISOString(),
    status,
    exitCode: status === 'cancelled' ? 130 : 0,
    durationMs: 100,
    phases: [],
    artifacts: [],
    errors: [],
    logs: `packages/a/.build-cache/logs/${id}.log`,
    metadata: { runner: 'nx', target: '@t/a:build' },
  };
}

describe('recordTaskOutcome for a task Nx stopped', () => {
  const outcome = (startTime: number, endTime: number) => ({
    workspaceRoot: root,
    projectRoot: 'packages/a',
    status: 'stopped' as const,
    hash: 'h1',
    outputs: ['packages/a/dist'],
    startTime,
    endTime,
  });

  it('adds nothing when the executor recorded this run (same hash, started while Nx ran the task)', async () => {
    const store = new JsonRecordStore(root);
    const t0 = Date.now() - 10_000;
    await store.saveJob(executorJob(t0 + 150, 'cancelled'));
    expect(await recordTaskOutcome(store, outcome(t0, t0 + 1_000))).toBeUndefined();
    expect(jobFiles()).toHaveLength(1);
  });

  it('records the stop when the executor left no record of this run (killed outright), even after an earlier run of the same hash', async () => {
    const store = new JsonRecordStore(root);
    const t0 = Date.now() - 10_000;
    await store.saveJob(executorJob(t0 - 5_000, 'success'));
    const job = await recordTaskOutcome(store, outcome(t0, t0 + 1_000));
    expect(job).toMatchObject({ status: 'cancelled', exitCode: 130, metadata: { recordedBy: 'postTasksExecution', nxStatus: 'stopped' } });
    expect(jobFiles()).toHaveLength(2);
  });
});

describe('runCommand and a stop signal', () => {
  it('a command killed by SIGTERM just before the build is told to stop counts as cancelled', async () => {
    const controller = new AbortController();
    const started = runCommand('kill -TERM $$', { cwd: root, env: process.env, shell: true, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    expect((await started).cancelled).toBe(true);
  });

  it('a command that exits 143 while nobody stops the build is its own failure', async () => {
    const r = await runCommand('exit 143', { cwd: root, env: process.env, shell: true, signal: new AbortController().signal });
    expect(r).toMatchObject({ cancelled: false, exitCode: 143 });
  });

  it('a command that cannot start says so instead of looking killed', async () => {
    const r = await runCommand('echo hi', { cwd: join(root, 'missing'), env: process.env, shell: true });
    expect(r.spawnError).toMatch(/ENOENT/);
  });
});

describe('waiting for the lock', () => {
  it('leaves no abort listener behind per retry', async () => {
    mkdirSync(join(pkg(), '.build-cache', 'build.lock'), { recursive: true });
    const controller = new AbortController();
    const r = await acquireLock(pkg(), { timeoutMs: 1_500, staleMs: 60_000, signal: controller.signal });
    expect(r.ok).toBe(false);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('a syntax error in build.config.ts', () => {
  it('carries line and 1-based column, the message trimmed', async () => {
    const file = join(pkg(), 'build.config.ts');
    writeFileSync(file, `export default {\n  builder: 'esbuild' ;; entry: 'src/index.ts',\n};\n`);
    const r = await loadConfigModule(file, { environment: 'production' } as never, root);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ code: 'CONFIG_LOAD_FAILED', file: 'packages/a/build.config.ts', line: 2, column: 22 });
    expect(r.errors[0].message).toMatch(/^could not load packages\/a\/build\.config\.ts: ParseError: \S/);
    expect(r.errors[0].message).not.toMatch(/\s$/);
  });
});
