import { createRequire } from 'node:module';
// @ts-expect-error plain ESM helper shared with bench/
import { startPostgres as start } from '../../scripts/postgres-server.mjs';

export interface PostgresServer {
  url: string;
  port: number;
  dir: string;
  start(): void;
  stop(): void;
  dispose(): void;
}

/**
 * A throwaway PostgreSQL server for one test file (initdb ~3 s): start it in beforeAll,
 * dispose of it in afterAll. `password` makes it require one over TCP.
 */
export function startPostgres(options: { password?: string } = {}): Promise<PostgresServer> {
  return start(options);
}

interface PgClientLike {
  connect(): Promise<void>;
  query<R = any>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}
const pg = createRequire(__filename)('pg') as { Client: new (config: { connectionString: string }) => PgClientLike };

/** Runs one query on its own connection (assertions read the tables directly). */
export async function sql<R = any>(url: string, text: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh database on the server, as a URL (one per test that needs an empty schema). */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await sql(serverUrl, `CREATE DATABASE "${name}"`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Every table's rows as text, to look for a value that must be in none of them. */
export async function allRowsText(url: string): Promise<string> {
  const tables = await sql<{ table_name: string }>(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
  const texts = await Promise.all(
    tables.map(async (t) => (await sql<{ t: string }>(url, `SELECT t::text AS t FROM "${t.table_name}" t`)).map((r) => r.t).join('\n')),
  );
  return texts.join('\n');
}
