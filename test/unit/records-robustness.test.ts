import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonRecordStore } from '../../src/core/records/json-store';
import { isBuildJob } from '../../src/core/records/store';
import type { BuildJob } from '../../src/core/records/types';

let root: string;
let store: JsonRecordStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bs-records-'));
  store = new JsonRecordStore(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const PKG = 'packages/a';
const cache = (...p: string[]) => join(root, PKG, '.build-cache', ...p);
const put = (rel: string, content: string) => {
  mkdirSync(join(cache(rel), '..'), { recursive: true });
  writeFileSync(cache(rel), content);
};

const job = (id: string, extra: Partial<BuildJob> = {}): BuildJob => ({
  schemaVersion: 1,
  id,
  packageName: '@t/a',
  packagePath: PKG,
  builder: 'esbuild',
  requestedBuilder: 'esbuild',
  environment: 'production',
  inputHash: null,
  cache: 'miss',
  startTime: '2026-01-01T00:00:00.000Z',
  endTime: '2026-01-01T00:00:01.000Z',
  status: 'success',
  exitCode: 0,
  durationMs: 1000,
  phases: [],
  artifacts: [{ path: 'dist/index.js', size: 1, checksum: 'sha256:00' }],
  errors: [],
  logs: '',
  metadata: {},
  ...extra,
});

const NOT_RECORDS = ['{}', '[]', '"x"', 'null', '7', '{"status":"failed"}', '{"id":"x"}', '{ not json'];

describe('records that are not records', () => {
  it('isBuildJob accepts a record and rejects what readers would crash on', () => {
    expect(isBuildJob(job('20260101T000000000Z-a'))).toBe(true);
    for (const bad of [
      null,
      [],
      'x',
      {},
      { status: 'failed' },
      job('', {}),
      { ...job('i'), status: 'done' },
      { ...job('i'), artifacts: null },
      { ...job('i'), artifacts: [null] },
      { ...job('i'), errors: [{}] },
      { ...job('i'), durationMs: '5' },
    ]) {
      expect(isBuildJob(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it.each(NOT_RECORDS)('latest() falls back to the newest valid job when latest.json is %s', async (content) => {
    await store.saveJob(job('20260101T000000000Z-a'));
    await store.saveJob(job('20260102T000000000Z-b', { status: 'failed', exitCode: 1 }));
    put('latest.json', content);
    expect((await store.latest(PKG))?.id).toBe('20260102T000000000Z-b');
  });

  it.each(NOT_RECORDS)('saveJob replaces a latest.json that is %s', async (content) => {
    put('latest.json', content);
    const j = job('20260101T000000000Z-a');
    await store.saveJob(j);
    expect(readFileSync(cache('latest.json'), 'utf8')).toBe(readFileSync(cache('jobs', `${j.id}.json`), 'utf8'));
  });

  it('an older job saved last does not replace a newer latest (writers race without the lock)', async () => {
    const newer = job('20260102T000000000Z-b');
    await store.saveJob(newer);
    await store.saveJob(job('20260101T000000000Z-a'));
    expect((await store.latest(PKG))?.id).toBe(newer.id);
  });

  it('a latest.json with a far-future id and no job file of its own is replaced', async () => {
    put('latest.json', JSON.stringify(job('99991231T235959999Z-zz')));
    await store.saveJob(job('20260101T000000000Z-a'));
    expect(JSON.parse(readFileSync(cache('latest.json'), 'utf8')).id).toBe('20260101T000000000Z-a');
  });

  it('a latest.json whose job file is not a record (or is another id) is replaced', async () => {
    put('latest.json', JSON.stringify(job('99991231T235959999Z-zz')));
    put('jobs/99991231T235959999Z-zz.json', '{}');
    await store.saveJob(job('20260101T000000000Z-a'));
    expect((await store.latest(PKG))?.id).toBe('20260101T000000000Z-a');
    put('latest.json', JSON.stringify(job('99991231T235959999Z-yy')));
    put('jobs/99991231T235959999Z-yy.json', JSON.stringify(job('20260101T000000000Z-a')));
    await store.saveJob(job('20260102T000000000Z-b'));
    expect((await store.latest(PKG))?.id).toBe('20260102T000000000Z-b');
  });

  it('history and job() skip files that are not records; limit counts valid ones', async () => {
    await store.saveJob(job('20260101T000000000Z-a'));
    await store.saveJob(job('20260102T000000000Z-b'));
    for (const [i, content] of NOT_RECORDS.entries()) put(`jobs/2027010${i}T000000000Z-x.json`, content);
    expect((await store.history(PKG)).map((j) => j.id)).toEqual(['20260102T000000000Z-b', '20260101T000000000Z-a']);
    expect((await store.history(PKG, 1)).map((j) => j.id)).toEqual(['20260102T000000000Z-b']);
    expect(await store.job(PKG, '20270100T000000000Z-x')).toBeUndefined();
  });
});
