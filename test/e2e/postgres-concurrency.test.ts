import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, sql, startPostgres, type PostgresServer } from '../helpers/postgres';
import { createWorkspace, REPO_ROOT, type RunResult, type TempWorkspace } from '../helpers/workspace';

const WORKSPACES = 8;
const PACKAGES = 20;

/** A package whose build is one shell command: the test is about the records, not the builder. */
const customPackage = (i: number) => ({
  name: `@many/p${i}`,
  config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'custom', builderOptions: { command: 'echo "export const p = ${i};" > "$OUT_DIR/index.js"' } });
`,
  files: { 'src/index.ts': 'export {};\n' },
});

function cliAsync(ws: TempWorkspace, args: string[], env: Record<string, string>): Promise<RunResult> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), ...args], { cwd: ws.root, env: ws.env(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr })));
}

describe('many workspaces writing to one database at once', () => {
  let server: PostgresServer;
  const workspaces: TempWorkspace[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    const packages = Object.fromEntries(Array.from({ length: PACKAGES }, (_, i) => [`packages/p${i}`, customPackage(i)]));
    for (let w = 0; w < WORKSPACES; w++) workspaces.push(createWorkspace({ packages }));
  });
  afterAll(() => {
    for (const ws of workspaces) ws.dispose();
    server?.dispose();
  });

  it(`${WORKSPACES} workspaces × ${PACKAGES} builds on an empty database: every record once, no deadlock, migrations applied once`, async () => {
    const url = await createDatabase(server.url, 'fleet');
    const env = { BUILD_SYSTEM_DATABASE_URL: url };
    const results = await Promise.all(workspaces.map((ws) => cliAsync(ws, ['build', '--json'], env)));
    for (const r of results) {
      expect(r.code, r.output).toBe(0);
      expect(r.stderr).not.toContain('warning: the build database');
    }
    const jobIds = results.flatMap((r) => JSON.parse(r.stdout).jobs.map((j: { id: string }) => j.id));
    expect(jobIds).toHaveLength(WORKSPACES * PACKAGES);

    const rows = await sql(url, 'SELECT build_number, status, created_by FROM builds');
    expect(rows.map((r) => r.build_number).sort()).toEqual([...jobIds].sort());
    expect(new Set(rows.map((r) => `${r.status}/${r.created_by}`))).toEqual(new Set(['success/cli']));
    expect(await sql(url, 'SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
    // Same package names in every workspace: one project row each, shared by all.
    expect(await sql(url, 'SELECT count(*)::int AS n FROM projects')).toEqual([{ n: PACKAGES }]);
    expect(await sql(url, 'SELECT count(*)::int AS n FROM build_artifacts')).toEqual([{ n: WORKSPACES * PACKAGES }]);
    for (const ws of workspaces) {
      const spool = ws.path('.build-cache', 'spool');
      expect(existsSync(spool) ? readdirSync(spool) : []).toEqual([]);
    }
  });
});
