import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRowsText, createDatabase, sql, startPostgres, type PostgresServer } from '../helpers/postgres';
import { createWorkspace, esbuildConfig, type TempWorkspace } from '../helpers/workspace';

const PASSWORD = `pw-${Math.random().toString(36).slice(2, 10)}`;
const SECRET = `tok-${Math.random().toString(36).slice(2, 10)}`;
const WARNING = 'the build database could not take the records';

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? allFiles(join(dir, d.name)) : [join(dir, d.name)]));
}
const count = (text: string, part: string) => text.split(part).length - 1;

describe('build history in PostgreSQL (real nx, a real server)', () => {
  let server: PostgresServer;
  let ws: TempWorkspace;
  let env: Record<string, string>;
  const builds = (project: string) =>
    sql(server.url, 'SELECT b.* FROM builds b JOIN projects p ON p.id = b.project_id WHERE p.name = $1 ORDER BY b.start_time', [project]);
  const childRows = (table: string, buildNumber: string) =>
    sql(server.url, `SELECT t.* FROM ${table} t JOIN builds b ON b.id = t.build_id WHERE b.build_number = $1 ORDER BY t.id`, [buildNumber]);

  beforeAll(async () => {
    server = await startPostgres({ password: PASSWORD });
    env = { BUILD_SYSTEM_DATABASE_URL: server.url, SECRET_TOKEN: SECRET };
    ws = createWorkspace({
      git: true,
      packages: {
        'packages/ok': { name: '@pg/ok', config: esbuildConfig(), files: { 'src/index.ts': 'export const ok = 1;\n' } },
        'packages/broken': { name: '@pg/broken', config: esbuildConfig(), files: { 'src/index.ts': 'export const broken = (;\n' } },
        'packages/secret': {
          name: '@pg/secret',
          config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'custom',
  secretEnv: ['SECRET_TOKEN'],
  prebuild: 'node -e "console.log(\\'token \\' + process.env.SECRET_TOKEN)"',
  builderOptions: { command: 'node -e "console.error(\\'failing with \\' + process.env.SECRET_TOKEN); process.exit(1)"' },
});
`,
          files: { 'src/index.ts': 'export {};\n' },
        },
      },
    });
  });
  afterAll(() => {
    ws?.dispose();
    server?.dispose();
  });

  it('a successful build leaves a row in projects, builds, build_states, build_artifacts and build_logs, with host, commit and runner', () => {
    const r = ws.nx(['run', '@pg/ok:build'], env);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain(WARNING);
    const latest = ws.latest('packages/ok');
    return (async () => {
      const [b] = await builds('@pg/ok');
      expect(b).toMatchObject({
        build_number: latest.id,
        status: 'success',
        current_state: 100,
        cache: 'miss',
        builder: 'esbuild',
        exit_code: 0,
        host: hostname(),
        commit_sha: ws.git('rev-parse', 'HEAD').trim(),
        created_by: 'nx',
        input_hash: latest.inputHash,
      });
      expect(b.record).toEqual(latest);
      expect(await sql(server.url, 'SELECT name, path FROM projects WHERE name = $1', ['@pg/ok'])).toEqual([
        { name: '@pg/ok', path: 'packages/ok' },
      ]);
      const states = await childRows('build_states', latest.id);
      expect(states.map((s) => [s.phase, s.status])).toEqual(latest.phases.map((p: any) => [p.name, p.status]));
      const artifacts = await childRows('build_artifacts', latest.id);
      expect(artifacts.map((a) => [a.path, Number(a.size), a.checksum])).toEqual(
        latest.artifacts.map((a: any) => [a.path, a.size, a.checksum]),
      );
    })();
  });

  it('a failed build leaves its failures, with codes and locations, and its log', async () => {
    const r = ws.nx(['run', '@pg/broken:build'], env);
    expect(r.code).toBe(1);
    const latest = ws.latest('packages/broken');
    const [b] = await builds('@pg/broken');
    expect(b).toMatchObject({ build_number: latest.id, status: 'failed', exit_code: 1 });
    const failures = await childRows('build_failures', latest.id);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatchObject({
      failure_type: 'COMPILE_ERROR',
      state: 3,
      component: 'packages/broken/src/index.ts',
      error_details: { phase: 'build', file: 'packages/broken/src/index.ts', line: 1, column: expect.any(Number) },
      resolved: false,
    });
    expect((await childRows('build_states', latest.id)).find((s) => s.phase === 'build')).toMatchObject({
      status: 'failed',
      error_message: failures[0].error_message,
    });
    const [log] = await sql(server.url, 'SELECT text FROM build_logs WHERE build_number = $1', [latest.id]);
    expect(log.text).toBe(readFileSync(ws.log(latest), 'utf8'));
    expect(log.text).toContain('COMPILE_ERROR');
  });

  it('a cache hit is recorded by postTasksExecution in the database too', async () => {
    const r = ws.nx(['run', '@pg/ok:build'], env);
    expect(r.output).toContain('local cache');
    const rows = await builds('@pg/ok');
    expect(rows.map((b) => b.cache)).toEqual(['miss', 'local-cache']);
    expect(rows[1]).toMatchObject({ build_number: ws.latest('packages/ok').id, status: 'success', created_by: 'nx', host: hostname() });
    expect(rows[1].record.metadata.recordedBy).toBe('postTasksExecution');
    expect((await childRows('build_artifacts', rows[1].build_number)).length).toBe(ws.latest('packages/ok').artifacts.length);
  });

  it('a later successful build resolves the package’s open failures', async () => {
    const failedId = ws.latest('packages/broken').id;
    ws.write('packages/broken/src/index.ts', 'export const broken = 2;\n');
    const r = ws.nx(['run', '@pg/broken:build'], env);
    expect(r.code, r.output).toBe(0);
    const fixedId = ws.latest('packages/broken').id;
    const failures = await childRows('build_failures', failedId);
    expect(failures.map((f) => [f.resolved, f.resolution_notes])).toEqual(failures.map(() => [true, `resolved by build ${fixedId}`]));
  });

  it('the CLI lists builds across packages, failures with their packages, and reads a package’s history from the database', () => {
    let r = ws.cli(['history', '--all', '--since', '1d', '--json'], env);
    expect(r.code, r.output).toBe(0);
    const all = JSON.parse(r.stdout).jobs;
    expect(all.map((j: any) => j.packageName).sort()).toEqual(['@pg/broken', '@pg/broken', '@pg/ok', '@pg/ok']);
    expect(all[0]).toMatchObject({ host: hostname(), commitSha: ws.git('rev-parse', 'HEAD').trim(), createdBy: 'nx' });
    r = ws.cli(['history', '--all', '--status', 'failed', '--json'], env);
    expect(JSON.parse(r.stdout).jobs.map((j: any) => j.packageName)).toEqual(['@pg/broken']);
    r = ws.cli(['history', '--all'], env);
    expect(r.stdout).toMatch(/started\s+project\s+status/);
    expect(r.stdout).toContain(hostname());

    r = ws.cli(['failures', '--json'], env);
    const failures = JSON.parse(r.stdout).failures;
    expect(failures[0]).toMatchObject({
      packageName: '@pg/broken',
      code: 'COMPILE_ERROR',
      file: 'packages/broken/src/index.ts',
      line: 1,
      resolved: true,
    });
    r = ws.cli(['failures', '--unresolved', '--json'], env);
    expect(JSON.parse(r.stdout).failures).toEqual([]);

    // The package's own JSON records gone: history and status still answer, from the database.
    rmSync(ws.path('packages/ok/.build-cache/jobs'), { recursive: true });
    r = ws.cli(['history', '@pg/ok', '--json'], env);
    expect(JSON.parse(r.stdout).jobs.map((j: any) => j.cache)).toEqual(['local-cache', 'miss']);
    r = ws.cli(['status', '@pg/ok', '--json'], env);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'success', cache: 'local-cache' });
    r = ws.cli(['history', '@pg/ok', '--json']);
    expect(JSON.parse(r.stdout).jobs).toEqual([]);
  });

  it('a secretEnv value and the database password are in no row, record, log or output', async () => {
    const r = ws.nx(['run', '@pg/secret:build'], env);
    expect(r.code).toBe(1);
    expect(r.output).toContain('failing with ***');
    const rows = await allRowsText(server.url);
    expect(rows).toContain('failing with ***');
    expect(rows).not.toContain(SECRET);
    expect(rows).not.toContain(PASSWORD);
    for (const file of allFiles(ws.root).filter((f) => f.includes('.build-cache') || f.endsWith('nx.json'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toContain(SECRET);
      expect(text, file).not.toContain(PASSWORD);
    }
  });

  it('while the server is down a build stays green, warns once and spools; the next build sends it: every record in the database exactly once', async () => {
    server.stop();
    let r: ReturnType<TempWorkspace['nx']>;
    try {
      r = ws.nx(['run', '@pg/ok:build', '--skip-nx-cache'], env);
    } finally {
      server.start();
    }
    expect(r.code, r.output).toBe(0);
    expect(count(r.output, WARNING)).toBe(1);
    expect(r.output).toContain('.build-cache/spool/');
    expect(r.output).not.toContain(PASSWORD);
    const spooled = readdirSync(ws.path('.build-cache/spool'));
    expect(spooled).toEqual([`${ws.latest('packages/ok').id}.json`]);
    expect(readFileSync(ws.path('.build-cache/spool', spooled[0]), 'utf8')).not.toContain(PASSWORD);

    r = ws.nx(['run', '@pg/ok:build', '--skip-nx-cache'], env);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain(WARNING);
    expect(readdirSync(ws.path('.build-cache/spool'))).toEqual([]);
    const inDb = (await builds('@pg/ok')).map((b) => b.build_number);
    expect(new Set(inDb).size).toBe(inDb.length);
    expect(inDb).toEqual(expect.arrayContaining(ws.jobs('packages/ok').map((j) => j.id)));
    expect(inDb).toHaveLength(4);
  });

  it('records sync sends the spool (exit 1 while the database is down), records import loads the JSON records once', async () => {
    server.stop();
    let r: ReturnType<TempWorkspace['cli']>;
    try {
      r = ws.cli(['build', '@pg/ok'], env);
      expect(r.code, r.output).toBe(0);
      expect(count(r.output, WARNING)).toBe(1);
      r = ws.cli(['records', 'sync', '--json'], { ...env, BUILD_SYSTEM_DATABASE_TIMEOUT_MS: '2000' });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).errors[0].code).toBe('DATABASE_UNAVAILABLE');
      expect(r.output).not.toContain(PASSWORD);
    } finally {
      server.start();
    }
    r = ws.cli(['records', 'sync', '--json'], env);
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ sent: 1, remaining: 0 });
    const cliBuild = ws.latest('packages/ok');
    expect((await builds('@pg/ok')).find((b) => b.build_number === cliBuild.id)).toMatchObject({ created_by: 'cli', status: 'success' });

    const imported = await createDatabase(server.url, 'imported');
    const jsonRecords = ['ok', 'broken', 'secret'].flatMap((p) => ws.jobs(`packages/${p}`)).length;
    r = ws.cli(['records', 'import', '--json'], { ...env, BUILD_SYSTEM_DATABASE_URL: imported });
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ records: jsonRecords, created: jsonRecords });
    r = ws.cli(['records', 'import', '--json'], { ...env, BUILD_SYSTEM_DATABASE_URL: imported });
    expect(JSON.parse(r.stdout)).toEqual({ records: jsonRecords, created: 0 });
    expect(await sql(imported, 'SELECT count(*)::int AS n, count(DISTINCT build_number)::int AS d FROM builds')).toEqual([
      { n: jsonRecords, d: jsonRecords },
    ]);
    expect((await sql(imported, 'SELECT count(*)::int AS n FROM build_logs'))[0].n).toBeGreaterThan(0);

    r = ws.cli(['records', 'sync'], { BUILD_SYSTEM_DATABASE_URL: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BUILD_SYSTEM_DATABASE_URL is not set');
  });

  it('the plugin option and --database-url-env name the variable holding the URL', async () => {
    const named = await createDatabase(server.url, 'named');
    const nxJson = ws.json('nx.json');
    ws.write(
      'nx.json',
      JSON.stringify(
        { ...nxJson, plugins: [{ plugin: '@repo/build-system/plugin', options: { databaseUrlEnv: 'TEAM_DB_URL' } }] },
        null,
        2,
      ),
    );
    try {
      ws.write('packages/ok/src/index.ts', 'export const ok = 3;\n');
      let r = ws.nx(['run', '@pg/ok:build'], { TEAM_DB_URL: named });
      expect(r.code, r.output).toBe(0);
      const viaPlugin = ws.latest('packages/ok').id;
      r = ws.nx(['run', '@pg/ok:build'], { TEAM_DB_URL: named });
      expect(r.output).toContain('local cache');
      const cacheHit = ws.latest('packages/ok').id;
      r = ws.cli(['build', '@pg/ok', '--database-url-env', 'OTHER_DB_URL'], { OTHER_DB_URL: named });
      expect(r.code, r.output).toBe(0);
      const viaCli = ws.latest('packages/ok').id;
      const rows = await sql(named, 'SELECT build_number FROM builds ORDER BY start_time');
      expect(rows.map((b) => b.build_number)).toEqual([viaPlugin, cacheHit, viaCli]);
      expect(ws.read('nx.json')).not.toContain(PASSWORD);
    } finally {
      ws.write('nx.json', JSON.stringify(nxJson, null, 2));
    }
  });
});
