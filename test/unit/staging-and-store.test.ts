import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitStaging, prepareStaging, recoverInterruptedSwap } from '../../src/core/staging';
import { JsonRecordStore, newJobId } from '../../src/core/records/json-store';
import type { BuildJob } from '../../src/core/records/types';
import { createMasker } from '../../src/core/mask';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'bs-staging-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (rel: string, content: string) => {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), content);
};

describe('staging', () => {
  it('swaps a complete new output tree in and drops stale files', () => {
    write('dist/old.js', 'old');
    const staging = prepareStaging(root, 'dist', 'job1');
    writeFileSync(join(staging.dir, 'index.js'), 'new');
    expect(readdirSync(join(root, 'dist'))).toEqual(['old.js']);
    commitStaging(staging, root, 'job1');
    expect(readdirSync(join(root, 'dist'))).toEqual(['index.js']);
    expect(existsSync(join(root, '.build-cache', 'trash', 'job1'))).toBe(false);
  });

  it('gives each invocation its own staging directory and drops what killed builds left there', () => {
    write('.build-cache/staging/job0/half.js', 'left by a killed build');
    const staging = prepareStaging(root, 'dist', 'job1');
    expect(staging.dir).toBe(join(root, '.build-cache', 'staging', 'job1'));
    expect(readdirSync(join(root, '.build-cache', 'staging'))).toEqual(['job1']);
    expect(readdirSync(staging.dir)).toEqual([]);
  });

  it('puts the previous outputs back from beside them too (a swap across file systems)', () => {
    write('.dist.trash-job0/index.js', 'previous');
    write('.dist.incoming-job1/index.js', 'half a copy');
    recoverInterruptedSwap(root, 'dist');
    expect(readFileSync(join(root, 'dist', 'index.js'), 'utf8')).toBe('previous');
    expect(readdirSync(root).filter((n) => n.startsWith('.dist.'))).toEqual([]);
  });

  it('puts the previous outputs back when a swap was interrupted between its two renames', () => {
    write('.build-cache/trash/job0/index.js', 'previous');
    recoverInterruptedSwap(root, 'dist');
    expect(readFileSync(join(root, 'dist', 'index.js'), 'utf8')).toBe('previous');
    expect(existsSync(join(root, '.build-cache', 'trash'))).toBe(false);
  });

  it('rewrites source map sources from the staging directory to the final one', () => {
    write('src/index.ts', '');
    const staging = prepareStaging(root, 'dist', 'job2');
    writeFileSync(join(staging.dir, 'index.js.map'), JSON.stringify({ version: 3, sources: ['../../../src/index.ts'], mappings: '' }));
    commitStaging(staging, root, 'job2');
    expect(JSON.parse(readFileSync(join(root, 'dist', 'index.js.map'), 'utf8')).sources).toEqual(['../src/index.ts']);
  });
});

describe('JsonRecordStore', () => {
  const job = (id: string): BuildJob => ({
    schemaVersion: 1,
    id,
    packageName: '@t/a',
    packagePath: 'pkg',
    builder: 'esbuild',
    requestedBuilder: 'esbuild',
    environment: 'production',
    inputHash: null,
    cache: 'miss',
    startTime: '',
    endTime: '',
    status: 'success',
    exitCode: 0,
    durationMs: 1,
    phases: [],
    artifacts: [],
    errors: [],
    logs: `pkg/.build-cache/logs/${id}.log`,
    metadata: {},
  });

  it('keeps the newest 50 jobs with their logs, newest first, latest.json the newest', async () => {
    const store = new JsonRecordStore(root);
    const ids: string[] = [];
    for (let i = 0; i < 55; i++) {
      const id = newJobId(new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
      ids.push(id);
      await store.saveJob(job(id));
      await store.appendLog(job(id), `log ${i}\n`);
    }
    await store.prune('pkg', 50);
    const history = await store.history('pkg');
    expect(history.map((j) => j.id)).toEqual(ids.slice(5).reverse());
    expect(readdirSync(join(root, 'pkg/.build-cache/logs')).length).toBe(50);
    expect(await store.readLog('pkg', ids[4])).toBeUndefined();
    expect(await store.readLog('pkg', ids[54])).toBe('log 54\n');
    expect((await store.latest('pkg'))?.id).toBe(ids[54]);
    // An older job saved late does not replace latest.json.
    await store.saveJob(job(ids[10]));
    expect((await store.latest('pkg'))?.id).toBe(ids[54]);
  });

  it('refuses ids that would escape the records directory', async () => {
    const store = new JsonRecordStore(root);
    expect(await store.job('pkg', '../../etc/passwd')).toBeUndefined();
  });
});

describe('createMasker', () => {
  it('masks every secret value, longest first, and ignores values too short to mask', () => {
    const mask = createMasker(['s3cr3t-token', 's3cr3t', 'ab', undefined]);
    expect(mask('a s3cr3t-token and s3cr3t, ab')).toBe('a *** and ***, ab');
  });
});
