import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

interface Client {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}
interface Pool extends Client {
  connect(): Promise<Client & { release(err?: Error | boolean): void }>;
}

/** `migrations/NNN_name.sql` beside this module (scripts/build.mjs copies them to dist/). */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');
/** Held while migrating: every process that finds the schema behind waits for the first. */
const MIGRATION_LOCK = 7_402_138_913_317;
const UNDEFINED_TABLE = '42P01';

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .map((file) => /^(\d+)_([\w-]+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2], sql: readFileSync(join(dir, m[0]), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies the migrations the database lacks, each recorded in `schema_migrations`. One query
 * when the schema is current; otherwise one transaction under an advisory lock, so processes
 * starting at once apply each migration exactly once. A database migrated by a newer version
 * (a higher number) is left as it is: migrations only add. Returns the versions applied.
 */
export async function migrate(pool: Pool, migrations: Migration[] = readMigrations()): Promise<number[]> {
  const latest = migrations.at(-1)?.version ?? 0;
  try {
    const [row] = (await pool.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations')).rows;
    if ((row?.version ?? 0) >= latest) return [];
  } catch (err) {
    if ((err as { code?: string }).code !== UNDEFINED_TABLE) throw err;
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations.filter((m) => !done.has(m.version))) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    client.release();
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw err;
  }
}
