import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDatabase } from '../../src/core/records/database';
import { PostgresRecordStore } from '../../src/core/records/postgres-store';
import { http } from '../helpers/browser';
import { HOLD_IF_ASKED_SCRIPT, spawnCli, waitForPhase, type Spawned } from '../helpers/live';
import { sql, startPostgres, type PostgresServer } from '../helpers/postgres';
import { createWorkspace, esbuildConfig, sleep, waitFor, type TempWorkspace } from '../helpers/workspace';

const heldConfig = `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',
  outputDir: 'dist',
  prebuild: 'node hold.mjs',
});
`;

/** Polls an asynchronous `check` (an HTTP request, a query) until it holds. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('the builds page over a records database (real PostgreSQL, real processes)', () => {
  let db: PostgresServer;
  let ws: TempWorkspace;
  let server: Spawned;
  let base: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await startPostgres({ password: `pw-${Math.random().toString(36).slice(2, 10)}` });
    env = { BUILD_SYSTEM_DATABASE_URL: db.url };
    ws = createWorkspace({
      packages: {
        'packages/ok': { name: '@db/ok', config: esbuildConfig(), files: { 'src/index.ts': 'export const ok = 1;\n' } },
        'packages/held': {
          name: '@db/held',
          config: heldConfig,
          files: { 'hold.mjs': HOLD_IF_ASKED_SCRIPT, 'src/index.ts': 'export const held = 1;\n' },
        },
      },
    });
    const built = ws.cli(['build', '@db/ok'], env);
    expect(built.code, built.output).toBe(0);
    server = spawnCli(ws, ['serve', '--port', '0'], env);
    await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\//.test(server.output()), 60_000, 'the server to listen');
    base = /http:\/\/127\.0\.0\.1:\d+\//.exec(server.output())![0];
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGINT');
      await server.done;
    }
    ws?.dispose();
    db?.dispose();
  });

  it("shows the database's builds of other machines beside this one's, their logs from the database", async () => {
    const local = ws.latest('packages/ok');
    // A later build of the same package on a CI runner: in the database only.
    const start = new Date(Date.parse(local.endTime) + 60_000);
    const id = `${start.toISOString().replace(/[-:.]/g, '')}-ci7`;
    const remote = {
      ...local,
      id,
      startTime: start.toISOString(),
      endTime: new Date(start.getTime() + 900).toISOString(),
      durationMs: 900,
      logs: `packages/ok/.build-cache/logs/${id}.log`,
      trigger: 'nx',
    };
    const store = new PostgresRecordStore(sharedDatabase({ url: db.url, source: 'test', timeoutMs: 10_000 }), {
      host: 'ci-runner-7',
      commitSha: null,
    });
    await store.saveJobs([{ job: remote, log: 'built on ci-runner-7\n' }]);
    await store.db.close();

    const pkg = (await http(`${base}api/packages/@db/ok`)).json();
    expect(pkg.latest.job.id).toBe(id);
    expect(pkg.history.map((h: any) => h.id)).toEqual([id, local.id]);
    expect((await http(`${base}api/jobs/${id}/log`)).body).toBe('built on ci-runner-7\n');
    expect((await http(`${base}api/jobs/${local.id}`)).json()).toMatchObject({
      package: '@db/ok',
      status: 'success',
      job: { id: local.id },
    });
  });

  it('a rebuild from the page is recorded in the database as it goes, and the page follows it to its end', async () => {
    rmSync(ws.path('packages/held', 'release'), { force: true });
    writeFileSync(ws.path('packages/held', 'hold'), '');
    try {
      const home = await http(base);
      const token = /<meta name="build-system-token" content="([^"]+)">/.exec(home.body)![1];
      const url = new URL(base);
      const started = await http(`${base}api/packages/@db/held/rebuild`, {
        method: 'POST',
        headers: { Host: url.host, Origin: base.slice(0, -1), 'X-Build-System-Token': token },
        body: '{}',
      });
      expect(started.status, started.body).toBe(202);
      const held = await waitForPhase(ws, 'packages/held', 'prebuild');
      expect(held.trigger).toBe('page');

      const api = async () => (await http(`${base}api/packages/@db/held`)).json();
      await until(async () => (await api()).package.status === 'building', 30_000, 'the page to show the running build');
      // The database has the running build, with rows for the phases it entered only.
      let row: any;
      await until(
        async () => {
          [row] = await sql(db.url, 'SELECT status, created_by, host FROM builds WHERE build_number = $1', [held.id]);
          return row?.status === 'building';
        },
        30_000,
        'the running build in the database',
      );
      expect(row).toEqual({ status: 'building', created_by: 'page', host: hostname() });
      const states = async () =>
        (
          await sql(
            db.url,
            'SELECT s.phase, s.status FROM build_states s JOIN builds b ON b.id = s.build_id WHERE b.build_number = $1 ORDER BY s.state',
            [held.id],
          )
        ).map((s) => `${s.phase} ${s.status}`);
      await until(async () => (await states()).includes('prebuild building'), 30_000, 'the prebuild row');
      expect((await states()).some((s) => s.endsWith('pending'))).toBe(false);

      writeFileSync(ws.path('packages/held', 'release'), '');
      await until(async () => (await api()).package.status === 'success', 60_000, 'the page to show the finished build');
      const detail = await api();
      expect(detail.latest.job.id).toBe(held.id);
      expect(detail.latest.job.phases.map((p: any) => p.status)).not.toContain('pending');
      await until(
        async () => (await sql(db.url, 'SELECT status FROM builds WHERE build_number = $1', [held.id]))[0]?.status === 'success',
        30_000,
        'the finished build in the database',
      );
      expect(await states()).toEqual(detail.latest.job.phases.map((p: any) => `${p.name} ${p.status}`));
    } finally {
      writeFileSync(ws.path('packages/held', 'release'), '');
      rmSync(ws.path('packages/held', 'hold'), { force: true });
    }
  });
});
