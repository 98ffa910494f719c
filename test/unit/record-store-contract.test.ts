import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, sharedDatabase } from '../../src/core/records/database';
import type { DatabaseConfig } from '../../src/core/records/database-config';
import { JsonRecordStore } from '../../src/core/records/json-store';
import { LIVE_WRITE_MS, MirroredRecordStore } from '../../src/core/records/mirrored-store';
import { LiveRecordReader } from '../../src/core/records/live-reader';
import { DatabaseFirstReader } from '../../src/core/records/open-store';
import { PostgresRecordStore } from '../../src/core/records/postgres-store';
import { Spool } from '../../src/core/records/spool';
import type { RecordStore } from '../../src/core/records/store';
import type { BuildJob } from '../../src/core/records/types';
import { createDatabase, sql, startPostgres, type PostgresServer } from '../helpers/postgres';

let server: PostgresServer;
let url: string;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bs-store-'));
  dirs.push(d);
  return d;
};
const config = (u: string, timeoutMs = 5000): DatabaseConfig => ({ url: u, source: 'BUILD_SYSTEM_DATABASE_URL', timeoutMs });
const meta = { host: 'test-host', commitSha: 'a'.repeat(40) };

beforeAll(async () => {
  server = await startPostgres({ password: 'contract-pw' });
  url = server.url;
});
afterAll(() => {
  server?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let seq = 0;
/** A record of a package of its own, so the suites share one database without seeing each other. */
function job(pkg: string, at: number, extra: Partial<BuildJob> = {}): BuildJob {
  const start = new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString();
  const end = new Date(Date.UTC(2026, 0, 1, 0, 0, at + 1)).toISOString();
  const id = `${start.replace(/[-:.]/g, '')}-${(seq++).toString(36)}`;
  return {
    schemaVersion: 1,
    id,
    packageName: `@contract/${pkg}`,
    packagePath: `packages/${pkg}`,
    builder: 'esbuild',
    requestedBuilder: 'esbuild',
    environment: 'production',
    inputHash: `hash-${at}`,
    cache: 'miss',
    startTime: start,
    endTime: end,
    status: 'success',
    exitCode: 0,
    durationMs: 1000,
    phases: [{ name: 'build', status: 'success', startTime: start, endTime: end, durationMs: 1000 }],
    artifacts: [{ path: 'dist/index.js', size: 3, checksum: 'sha256:00', mimeType: 'text/javascript' }],
    errors: [],
    warnings: [],
    logs: `packages/${pkg}/.build-cache/logs/${id}.log`,
    metadata: { runner: 'cli' },
    ...extra,
  };
}

const unique = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`;

type Kind = 'json' | 'postgres' | 'mirrored';
function open(kind: Kind): RecordStore {
  const root = tempDir();
  if (kind === 'json') return new JsonRecordStore(root);
  const pg = new PostgresRecordStore(sharedDatabase(config(url)), meta);
  if (kind === 'postgres') return pg;
  return new MirroredRecordStore(new JsonRecordStore(root), pg, new Spool(root), { meta, workspaceRoot: root });
}

describe.each<Kind>(['json', 'postgres', 'mirrored'])('RecordStore contract: %s', (kind) => {
  it('reads back a saved job by id, as latest and in history', async () => {
    const store = open(kind);
    const pkg = unique('a');
    const j = job(pkg, 0);
    await store.saveJob(j);
    await store.flush?.();
    expect(await store.job(j.packagePath, j.id)).toEqual(j);
    expect(await store.latest(j.packagePath)).toEqual(j);
    expect(await store.history(j.packagePath)).toEqual([j]);
  });

  it('keeps one record per job id however often it is saved, the last version', async () => {
    const store = open(kind);
    const pkg = unique('b');
    const first = job(pkg, 0, { status: 'running', endTime: null, exitCode: null, durationMs: null, phases: [] });
    const final = {
      ...first,
      status: 'success' as const,
      endTime: job(pkg, 5).endTime,
      exitCode: 0,
      durationMs: 6000,
      phases: job(pkg, 0).phases,
    };
    await store.saveJob(first);
    await store.saveJob(final);
    await store.saveJob(final);
    await store.flush?.();
    expect(await store.history(first.packagePath)).toEqual([final]);
  });

  it('takes a live record saved at every phase change (building, pending phases) and ends with the finished one', async () => {
    const store = open(kind);
    const pkg = unique('live');
    const at = job(pkg, 0).startTime;
    const phase = (name: string, status: string) =>
      ({ name, status, startTime: status === 'pending' ? null : at, endTime: null, durationMs: null }) as BuildJob['phases'][number];
    const start = job(pkg, 0, {
      status: 'building',
      endTime: null,
      exitCode: null,
      durationMs: null,
      artifacts: [],
      phases: [phase('validate', 'building'), phase('lock', 'pending'), phase('build', 'pending'), phase('upload', 'pending')],
      process: { pid: 4242, host: 'test-host' },
    });
    const saves = [
      start,
      { ...start, phases: [{ ...start.phases[0], status: 'success' as const }, phase('lock', 'building'), ...start.phases.slice(2)] },
      {
        ...start,
        phases: [
          { ...start.phases[0], status: 'success' as const },
          { ...phase('lock', 'success') },
          phase('build', 'building'),
          phase('upload', 'pending'),
        ],
      },
    ];
    for (const version of saves) {
      await store.saveJob(version);
      await store.flush?.();
      expect(await store.latest(start.packagePath)).toEqual(version);
    }
    const { process: _gone, ...finished } = job(pkg, 0, {
      id: start.id,
      status: 'failed',
      exitCode: 1,
      phases: [saves[2].phases[0], saves[2].phases[1], { ...phase('build', 'failed'), endTime: at, durationMs: 0 }],
      errors: [{ code: 'COMPILE_ERROR', message: 'x', phase: 'build' }],
    });
    await store.saveJob(finished);
    await store.flush?.();
    expect(await store.history(start.packagePath)).toEqual([finished]);
    expect(await store.job(start.packagePath, start.id)).toEqual(finished);
  });

  it('orders history newest first, counts valid records against the limit, keeps packages apart', async () => {
    const store = open(kind);
    const [p, q] = [unique('c'), unique('d')];
    const jobs = [job(p, 0), job(p, 10), job(p, 20)];
    for (const j of [jobs[1], jobs[0], jobs[2], job(q, 30)]) await store.saveJob(j);
    await store.flush?.();
    expect((await store.history(`packages/${p}`)).map((j) => j.id)).toEqual([jobs[2].id, jobs[1].id, jobs[0].id]);
    expect((await store.history(`packages/${p}`, 2)).map((j) => j.id)).toEqual([jobs[2].id, jobs[1].id]);
    expect((await store.latest(`packages/${p}`))?.id).toBe(jobs[2].id);
    expect(await store.job(`packages/${q}`, jobs[0].id)).toBeUndefined();
    expect(await store.job(`packages/${p}`, 'no-such-id')).toBeUndefined();
    expect(await store.latest(`packages/${unique('never')}`)).toBeUndefined();
    expect(await store.history(`packages/${unique('never')}`)).toEqual([]);
  });

  it('appends to a job log and reads it back', async () => {
    const store = open(kind);
    const j = job(unique('e'), 0);
    await store.appendLog(j, 'line 1\n');
    await store.appendLog(j, 'line 2\n');
    expect(await store.readLog(j.packagePath, j.id)).toBe('line 1\nline 2\n');
    expect(await store.readLog(j.packagePath, 'other')).toBeUndefined();
    expect(store.logPath(j.packagePath, j.id)).toBe(j.logs);
  });

  it('prunes all but the newest jobs of a package', async () => {
    const store = open(kind);
    const pkg = unique('f');
    const jobs = [0, 10, 20, 30].map((s) => job(pkg, s));
    for (const j of jobs) await store.saveJob(j);
    await store.flush?.();
    await store.prune(`packages/${pkg}`, 2);
    expect((await store.history(`packages/${pkg}`)).map((j) => j.id)).toEqual([jobs[3].id, jobs[2].id]);
  });
});

describe('PostgresRecordStore', () => {
  const store = () => new PostgresRecordStore(sharedDatabase(config(url)), meta);
  const rows = (table: string, buildNumber: string) =>
    sql(url, `SELECT t.* FROM ${table} t JOIN builds b ON b.id = t.build_id WHERE b.build_number = $1 ORDER BY 1`, [buildNumber]);

  it('writes a row per phase, error and artifact, idempotently, and never lets an older version win', async () => {
    const s = store();
    const pkg = unique('g');
    const done = job(pkg, 0, {
      status: 'failed',
      exitCode: 1,
      phases: [
        { name: 'validate', status: 'success', startTime: job(pkg, 0).startTime, endTime: job(pkg, 0).startTime, durationMs: 0 },
        { name: 'build', status: 'failed', startTime: job(pkg, 0).startTime, endTime: job(pkg, 0).endTime!, durationMs: 1000 },
      ],
      errors: [{ code: 'COMPILE_ERROR', message: 'bad\u0000token', phase: 'build', file: `packages/${pkg}/src/a.ts`, line: 3, column: 7 }],
    });
    const building = {
      ...done,
      status: 'running' as const,
      endTime: null,
      exitCode: null,
      durationMs: null,
      phases: done.phases.slice(0, 1),
      errors: [],
    };
    expect(await s.saveJobs([{ job: building }])).toBe(1);
    expect(await s.saveJobs([{ job: done, log: 'the log' }])).toBe(0);
    expect(await s.saveJobs([{ job: done, log: 'the log' }])).toBe(0);
    // A spooled older version replayed after the newer one was saved: ignored.
    expect(await s.saveJobs([{ job: building }])).toBe(0);

    const [b] = await sql(
      url,
      'SELECT status, current_state, host, commit_sha, created_by, exit_code FROM builds WHERE build_number = $1',
      [done.id],
    );
    expect(b).toEqual({
      status: 'failed',
      current_state: 100,
      host: 'test-host',
      commit_sha: 'a'.repeat(40),
      created_by: 'cli',
      exit_code: 1,
    });
    expect((await rows('build_states', done.id)).map((r) => [r.state, r.phase, r.status, r.error_message])).toEqual([
      [0, 'validate', 'success', null],
      [3, 'build', 'failed', 'badtoken'],
    ]);
    expect(
      (await rows('build_failures', done.id)).map((r) => [r.failure_type, r.error_message, r.error_details, r.component, r.resolved]),
    ).toEqual([
      [
        'COMPILE_ERROR',
        'badtoken',
        { phase: 'build', file: `packages/${pkg}/src/a.ts`, line: 3, column: 7 },
        `packages/${pkg}/src/a.ts`,
        false,
      ],
    ]);
    expect((await rows('build_artifacts', done.id)).map((r) => [r.path, Number(r.size), r.checksum, r.mime_type])).toEqual([
      ['dist/index.js', 3, 'sha256:00', 'text/javascript'],
    ]);
    expect(await s.readLog(done.packagePath, done.id)).toBe('the log');
  });

  it('a running build gets state rows for the phases it entered only, and a phase it never reached leaves none', async () => {
    const s = store();
    const pkg = unique('states');
    const at = job(pkg, 0).startTime;
    const running = job(pkg, 0, {
      status: 'building',
      endTime: null,
      exitCode: null,
      durationMs: null,
      phases: [
        { name: 'validate', status: 'success', startTime: at, endTime: at, durationMs: 0 },
        { name: 'lock', status: 'building', startTime: at, endTime: null, durationMs: null },
        { name: 'build', status: 'pending', startTime: null, endTime: null, durationMs: null },
        { name: 'upload', status: 'pending', startTime: null, endTime: null, durationMs: null },
      ],
    });
    await s.saveJob(running);
    expect((await rows('build_states', running.id)).map((r) => [r.phase, r.status])).toEqual([
      ['validate', 'success'],
      ['lock', 'building'],
    ]);
    const [b] = await sql(url, 'SELECT status, current_state FROM builds WHERE build_number = $1', [running.id]);
    expect(b).toEqual({ status: 'building', current_state: 11 });
    const failed = {
      ...running,
      status: 'failed' as const,
      endTime: at,
      exitCode: 3,
      durationMs: 0,
      phases: [running.phases[0], { ...running.phases[1], status: 'failed' as const, endTime: at, durationMs: 0 }],
    };
    await s.saveJob(failed);
    expect((await rows('build_states', running.id)).map((r) => [r.phase, r.status])).toEqual([
      ['validate', 'success'],
      ['lock', 'failed'],
    ]);
  });

  it('reads a record stored as running (before `building`) as building', async () => {
    const s = store();
    const old = job(unique('legacy'), 0, { status: 'running' as never, endTime: null, exitCode: null, durationMs: null });
    await s.saveJob(old);
    expect((await s.job(old.packagePath, old.id))?.status).toBe('building');
    expect((await s.latest(old.packagePath))?.status).toBe('building');
    expect((await s.history(old.packagePath)).map((j) => j.status)).toEqual(['building']);
  });

  it('resolves a package’s open failures when a later build succeeds, and a failure replayed after that success is born resolved', async () => {
    const s = store();
    const pkg = unique('h');
    const err = { code: 'COMPILE_ERROR' as const, message: 'x', phase: 'build' as const };
    const f1 = job(pkg, 0, { status: 'failed', exitCode: 1, errors: [err] });
    const f2 = job(pkg, 10, { status: 'failed', exitCode: 1, errors: [err, { ...err, message: 'y' }] });
    const ok = job(pkg, 20);
    const lateReplay = job(pkg, 15, { status: 'failed', exitCode: 1, errors: [err] });
    const other = job(unique('h-other'), 5, { status: 'failed', exitCode: 1, errors: [err] });
    await s.saveJobs([{ job: f1 }, { job: f2 }, { job: other }]);
    expect((await s.failures({ unresolved: true, limit: 1000 })).filter((f) => f.packageName === f1.packageName)).toHaveLength(3);
    await s.saveJob(ok);
    await s.saveJob(lateReplay);
    const mine = (await s.failures({ limit: 1000 })).filter((f) => f.packageName === f1.packageName);
    expect(mine.map((f) => [f.jobId, f.resolved, f.resolutionNotes])).toEqual([
      [lateReplay.id, true, `resolved by build ${ok.id}`],
      [f2.id, true, `resolved by build ${ok.id}`],
      [f2.id, true, `resolved by build ${ok.id}`],
      [f1.id, true, `resolved by build ${ok.id}`],
    ]);
    const open = await s.failures({ unresolved: true, limit: 1000 });
    expect(open.filter((f) => f.packageName === other.packageName).map((f) => f.resolved)).toEqual([false]);
  });

  it('lists builds across packages with host and commit, filtered by time and status', async () => {
    const s = store();
    const pkg = unique('i');
    const old = job(pkg, 0, { startTime: '2020-01-01T00:00:00.000Z', endTime: '2020-01-01T00:00:01.000Z' });
    const recentFailed = job(pkg, 10, { startTime: new Date().toISOString(), status: 'failed', exitCode: 1 });
    await s.saveJobs([{ job: old }, { job: recentFailed }]);
    const since = new Date(Date.now() - 3_600_000);
    const builds = (await s.builds({ since, limit: 1000 })).filter((b) => b.packageName === old.packageName);
    expect(builds.map((b) => [b.id, b.host, b.commitSha, b.createdBy])).toEqual([[recentFailed.id, 'test-host', 'a'.repeat(40), 'cli']]);
    const failed = (await s.builds({ status: 'failed', limit: 1000 })).filter((b) => b.packageName === old.packageName);
    expect(failed.map((b) => b.id)).toEqual([recentFailed.id]);
  });

  it('applies migrations once when many processes start on an empty database at once, and saves from many writers without deadlock', async () => {
    const fresh = await createDatabase(url, 'concurrent');
    const dbs = Array.from({ length: 8 }, () => new Database(config(fresh, 30_000)));
    await Promise.all(dbs.map((d) => d.ready()));
    expect(await sql(fresh, 'SELECT version, name FROM schema_migrations')).toEqual([{ version: 1, name: 'build_history' }]);
    // 8 writers × 20 builds of the same 5 packages, with failures to resolve: every record once.
    const written = await Promise.all(
      dbs.map(async (d, w) => {
        const s = new PostgresRecordStore(d, { host: `host-${w}`, commitSha: null });
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          const j = job(
            `hot-${i % 5}`,
            w * 100 + i,
            i % 3 ? {} : { status: 'failed', exitCode: 1, errors: [{ code: 'BUILD_FAILED', message: 'no' }] },
          );
          await (i % 2
            ? s.saveJob(j)
            : s.saveJobs([{ job: j }, { job: job(`hot-${(i + 1) % 5}`, w * 100 + i + 50) }]).then(() => undefined));
          ids.push(j.id);
        }
        return ids;
      }),
    );
    const counts = await sql(fresh, 'SELECT build_number, count(*)::int AS n FROM builds GROUP BY build_number HAVING count(*) > 1');
    expect(counts).toEqual([]);
    const present = new Set((await sql(fresh, 'SELECT build_number FROM builds')).map((r) => r.build_number));
    expect(written.flat().filter((id) => !present.has(id))).toEqual([]);
    expect(await sql(fresh, 'SELECT count(*)::int AS n FROM projects')).toEqual([{ n: 5 }]);
    await Promise.all(dbs.map((d) => d.close()));
  });
});

describe('MirroredRecordStore', () => {
  /** A store on `database` whose warnings are collected; its records go to a fresh spool. */
  function mirrored(database: Database | ReturnType<typeof sharedDatabase>) {
    const root = tempDir();
    const warnings: string[] = [];
    const spool = new Spool(root);
    const store = new MirroredRecordStore(new JsonRecordStore(root), new PostgresRecordStore(database, meta), spool, {
      meta,
      workspaceRoot: root,
      warn: (m) => warnings.push(m),
    });
    return { store, spool, warnings };
  }

  it('a database that accepts the connection and never answers: the save still returns, spooled, one warning after the time limit', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const { store, spool, warnings } = mirrored(new Database(config(`postgres://postgres:contract-pw@127.0.0.1:${port}/postgres`, 500)));
      const j = job(unique('slow'), 0);
      const started = Date.now();
      await store.saveJob(j);
      await store.flush();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(readdirSync(spool.dir)).toEqual([`${j.id}.json`]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/timeout|timed out/i);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('a query the database refuses: spooled with one warning naming the error, and sent once it is fixed', async () => {
    const broken = await createDatabase(url, 'refuses');
    const { store, spool, warnings } = mirrored(new Database(config(broken)));
    await store.flush(); // nothing saved: nothing to say
    expect(warnings).toEqual([]);
    const ready = new Database(config(broken));
    await ready.ready();
    await sql(broken, 'ALTER FUNCTION build_system_save_builds(jsonb) RENAME TO renamed');
    const j = job(unique('refused'), 0);
    await store.saveJob(j);
    await store.saveJob({ ...j, durationMs: 2 });
    await store.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('build_system_save_builds');
    expect(readdirSync(spool.dir)).toEqual([`${j.id}.json`]);
    await sql(broken, 'ALTER FUNCTION renamed(jsonb) RENAME TO build_system_save_builds');
    const again = new MirroredRecordStore(new JsonRecordStore(tempDir()), new PostgresRecordStore(ready, meta), spool, {
      meta,
      workspaceRoot: tempDir(),
    });
    await again.saveJob(job(unique('after'), 10));
    await again.flush();
    expect(readdirSync(spool.dir)).toEqual([]);
    expect(await sql(broken, "SELECT record->>'durationMs' AS d FROM builds WHERE build_number = $1", [j.id])).toEqual([{ d: '2' }]);
    await ready.close();
  });

  it('spools what an unreachable database does not take, warns once, and the next store replays it exactly once', async () => {
    const root = tempDir();
    const down = `postgres://postgres:contract-pw@127.0.0.1:${server.port + 1}/postgres`;
    const warnings: string[] = [];
    const json = new JsonRecordStore(root);
    const spool = new Spool(root);
    const offline = new MirroredRecordStore(json, new PostgresRecordStore(new Database(config(down, 2000)), meta), spool, {
      meta,
      workspaceRoot: root,
      warn: (m) => warnings.push(m),
    });
    const pkg = unique('m');
    const jobs = [job(pkg, 0), job(pkg, 10)];
    for (const j of jobs) await offline.saveJob(j);
    await offline.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('.build-cache/spool/');
    expect(warnings[0]).toContain('postgres://postgres:***@127.0.0.1');
    expect(warnings[0]).not.toContain('contract-pw');
    expect(readdirSync(spool.dir).sort()).toEqual(jobs.map((j) => `${j.id}.json`));
    expect(await json.history(`packages/${pkg}`)).toHaveLength(2);

    const pg = new PostgresRecordStore(sharedDatabase(config(url)), meta);
    const later = job(pkg, 20);
    const online = new MirroredRecordStore(json, pg, spool, { meta, workspaceRoot: root, warn: (m) => warnings.push(m) });
    await online.saveJob(later);
    await online.flush();
    expect(warnings).toHaveLength(1);
    expect(readdirSync(spool.dir)).toEqual([]);
    expect((await pg.history(`packages/${pkg}`)).map((j) => j.id)).toEqual([later.id, jobs[1].id, jobs[0].id]);
  });

  it('a running build costs the database no write until LIVE_WRITE_MS has passed: a short build is one write, a long one is seen as it runs', async () => {
    const root = tempDir();
    let writes = 0;
    const pg = new (class extends PostgresRecordStore {
      override saveJobs(jobs: Parameters<PostgresRecordStore['saveJobs']>[0]) {
        writes++;
        return super.saveJobs(jobs);
      }
    })(sharedDatabase(config(url)), meta);
    const store = new MirroredRecordStore(new JsonRecordStore(root), pg, new Spool(root), { meta, workspaceRoot: root });
    const pkg = unique('live-writes');
    const running = (j: BuildJob, phases: number): BuildJob => ({
      ...j,
      status: 'building',
      endTime: null,
      exitCode: null,
      durationMs: null,
      phases: Array.from({ length: phases }, () => j.phases[0]),
    });
    const short = job(pkg, 0);
    for (let i = 0; i < 5; i++) await store.saveJob(running(short, i));
    await store.saveJob(short);
    await store.flush();
    expect(writes).toBe(1);
    expect(await pg.job(short.packagePath, short.id)).toEqual(short);

    const long = job(pkg, 10);
    await store.saveJob(running(long, 1));
    await new Promise((r) => setTimeout(r, LIVE_WRITE_MS + 1500));
    expect(writes).toBe(2);
    expect((await pg.job(long.packagePath, long.id))?.status).toBe('building');
    await store.saveJob(long);
    await store.flush();
    expect(writes).toBe(3);
    expect((await pg.job(long.packagePath, long.id))?.status).toBe('success');
  });

  it('sends a batch in one transaction only when flushed', async () => {
    const root = tempDir();
    const pg = new PostgresRecordStore(sharedDatabase(config(url)), meta);
    const store = new MirroredRecordStore(new JsonRecordStore(root), pg, new Spool(root), { meta, workspaceRoot: root, batch: true });
    const pkg = unique('n');
    const jobs = [job(pkg, 0), job(pkg, 10)];
    for (const j of jobs) await store.saveJob(j);
    await new Promise((r) => setTimeout(r, 300));
    expect(await pg.history(`packages/${pkg}`)).toEqual([]);
    await store.flush();
    const [{ xmins }] = await sql(url, 'SELECT count(DISTINCT b.xmin::text)::int AS xmins FROM builds b WHERE b.build_number = ANY($1)', [
      jobs.map((j) => j.id),
    ]);
    expect(xmins).toBe(1);
  });
});

describe('DatabaseFirstReader', () => {
  it('reads the database, and this machine’s records with one warning when it is down', async () => {
    const root = tempDir();
    const json = new JsonRecordStore(root);
    const pkg = unique('r');
    const local = job(pkg, 0);
    const shared = job(pkg, 10);
    await json.saveJob(local);
    await new PostgresRecordStore(sharedDatabase(config(url)), meta).saveJob(shared);
    const up = new DatabaseFirstReader(new PostgresRecordStore(sharedDatabase(config(url))), json);
    expect((await up.history(`packages/${pkg}`)).map((j) => j.id)).toEqual([shared.id]);

    const warnings: string[] = [];
    const downUrl = `postgres://postgres:contract-pw@127.0.0.1:${server.port + 1}/postgres`;
    const down = new DatabaseFirstReader(new PostgresRecordStore(new Database(config(downUrl, 2000))), json, (m) => warnings.push(m));
    expect((await down.history(`packages/${pkg}`)).map((j) => j.id)).toEqual([local.id]);
    expect((await down.latest(`packages/${pkg}`))?.id).toBe(local.id);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('contract-pw');
  });
});

describe('LiveRecordReader', () => {
  it('merges the database and this machine: each job in its most advanced version, other hosts’ builds too, logs from here first', async () => {
    const root = tempDir();
    const json = new JsonRecordStore(root);
    const pg = new PostgresRecordStore(sharedDatabase(config(url)), meta);
    const pkg = unique('page');
    const path = `packages/${pkg}`;
    const elsewhere = job(pkg, 0);
    const finishedHere = job(pkg, 10);
    // The database has the running version of the newest build; the JSON files already the finished one.
    const runningThere = { ...finishedHere, status: 'building' as const, endTime: null, exitCode: null, durationMs: null, phases: [] };
    await pg.saveJobs([{ job: elsewhere, log: 'log in the database' }, { job: runningThere }]);
    await json.saveJob(finishedHere);
    await json.appendLog(finishedHere, 'log written here\n');
    const reader = new LiveRecordReader(new DatabaseFirstReader(pg, json));
    expect(await reader.latest(path)).toEqual(finishedHere);
    expect(await reader.job(path, finishedHere.id)).toEqual(finishedHere);
    expect(await reader.history(path)).toEqual([finishedHere, elsewhere]);
    expect(await reader.history(path, 1)).toEqual([finishedHere]);
    expect(await reader.readLog(path, finishedHere.id)).toBe('log written here\n');
    expect(await reader.readLog(path, elsewhere.id)).toBe('log in the database');

    // A build started here after the database's latest one finished is the latest, running.
    const startedHere = job(pkg, 20, { status: 'building', endTime: null, exitCode: null, durationMs: null });
    await json.saveJob(startedHere);
    expect((await reader.latest(path))?.id).toBe(startedHere.id);

    const warnings: string[] = [];
    const downUrl = `postgres://postgres:contract-pw@127.0.0.1:${server.port + 1}/postgres`;
    const down = new LiveRecordReader(
      new DatabaseFirstReader(new PostgresRecordStore(new Database(config(downUrl, 2000))), json, (m) => warnings.push(m)),
    );
    expect((await down.history(path)).map((j) => j.id)).toEqual([startedHere.id, finishedHere.id]);
    expect(warnings).toHaveLength(1);
  });
});
